// End to end through the web shell in Chromium: import real speech, run a speed edit in the engine host, see the new
// take, A/B it against the source, undo and redo it, export it; and a non-audio file that fails with its code while
// the app keeps working. Every wait is on DOM state driven by core events; nothing sleeps.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corpusFile,
  dropFile,
  launchChromium,
  resultsDir,
  startWebShell,
  waitForCount,
  watchPageErrors,
  type WebShellProcess,
} from './harness';

const take = '[data-testid="take"]';

/** Bits per sample from the WAV's fmt chunk (walking the RIFF chunks, whatever their order). */
function wavBitsPerSample(wav: Buffer): number {
  let at = 12;
  while (at + 8 <= wav.length) {
    const id = wav.subarray(at, at + 4).toString('latin1');
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') return wav.readUInt16LE(at + 8 + 14);
    at += 8 + size + (size & 1);
  }
  throw new Error('The exported file has no fmt chunk.');
}
const clip = '[data-testid="clip"]';

describe('studio in the browser', () => {
  let shell: WebShellProcess;
  let browser: Browser;

  beforeAll(async () => {
    shell = await startWebShell();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.close();
  });

  async function openApp(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    page.setDefaultTimeout(60_000);
    const errors = watchPageErrors(page);
    await page.goto(shell.url);
    await page.getByTestId('import-input').waitFor({ state: 'attached' });
    return { page, errors };
  }

  it('imports speech, applies a speed edit, compares A/B, undoes, redoes and exports', async () => {
    const { page, errors } = await openApp();
    // The token leaves the address bar once read.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);

    await page.getByTestId('import-input').setInputFiles(corpusFile('zero_shot_en_prompt.wav'));
    await waitForCount(page, clip, 1);
    await page.locator(clip).first().click();
    await page.locator(`${clip}[data-selected="true"]`).waitFor();
    await waitForCount(page, take, 1);
    await page.locator(`${take}[data-kind="source"]`).waitFor();

    await page.getByTestId('engine-select').selectOption('prosody');
    await page.getByTestId('task-select').selectOption('speed');
    const options = await page
      .getByTestId('option-select')
      .locator('option')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(options).toEqual(expect.arrayContaining(['faster', 'slower', 'more faster', 'more slower']));
    await page.getByTestId('option-select').selectOption('faster');
    await page.getByTestId('apply-edit').click();

    await page.locator('[data-testid="job"][data-status="done"]').waitFor();
    await waitForCount(page, take, 2);
    const edit = page.locator(`${take}[data-kind="edit"]`);
    await expect(edit.textContent()).resolves.toMatch(/speed.*faster/i);

    // A/B: the button flips, by click and by the B key.
    const ab = page.getByTestId('ab-toggle');
    await page.locator('[data-testid="ab-toggle"]:not([disabled])').waitFor();
    const before = await ab.getAttribute('aria-pressed');
    await ab.click();
    await page.locator(`[data-testid="ab-toggle"][aria-pressed="${before === 'true' ? 'false' : 'true'}"]`).waitFor();
    await page.keyboard.press('b');
    await page.locator(`[data-testid="ab-toggle"][aria-pressed="${before}"]`).waitFor();

    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, 'e2e-studio.png') });

    // Undo removes the new take; redo (keyboard) brings it back.
    await page.getByTestId('undo').click();
    await waitForCount(page, take, 1);
    await page.locator('[data-testid="redo"]:not([disabled])').waitFor();
    await page.keyboard.press('Control+Shift+Z');
    await waitForCount(page, take, 2);

    // Clicking a take makes it the clip's active take.
    await page.locator(`${take}[data-kind="source"] [data-testid="take-select"]`).click();
    await page.locator(`${take}[data-kind="source"][data-active="true"]`).waitFor();
    await page.locator(`${take}[data-kind="edit"] [data-testid="take-select"]`).click();
    await page.locator(`${take}[data-kind="edit"][data-active="true"]`).waitFor();

    // Export the selected clip (its active take) as 16-bit WAV and download it through the offered link.
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-scope').selectOption('clip');
    await page.getByTestId('export-format').selectOption('wav-pcm16');
    await page.getByTestId('export-start').click();
    const link = page.getByTestId('export-download');
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toBeTruthy();
    const res = await page.request.get(new URL(href!, page.url()).toString());
    expect(res.status()).toBe(200);
    const body = await res.body();
    expect(body.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(body.subarray(8, 12).toString('latin1')).toBe('WAVE');
    expect(wavBitsPerSample(body)).toBe(16);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a non-audio file as an error with its code and keeps working', async () => {
    const { page, errors } = await openApp();
    const clipsBefore = await page.locator(clip).count();

    await page.getByTestId('import-input').setInputFiles({
      name: 'notes.wav',
      mimeType: 'audio/wav',
      buffer: Buffer.from('These are my session notes, not audio.\n'.repeat(20)),
    });
    const error = page.getByTestId('error').first();
    await error.waitFor();
    const code = await error.getAttribute('data-code');
    expect(code).toMatch(/^E_(UNSUPPORTED_AUDIO|CORRUPT_AUDIO)$/);
    await expect(error.getByTestId('error-code').textContent()).resolves.toBe(code);
    await expect(error.getByTestId('error-message').textContent()).resolves.toMatch(/\w+/);
    expect(await page.locator(clip).count()).toBe(clipsBefore);

    // Still working: a real file imports after the failure, and the error can be dismissed.
    await page.getByTestId('import-input').setInputFiles(corpusFile('speed_prompt.wav'));
    await waitForCount(page, clip, clipsBefore + 1);
    await error.getByRole('button', { name: 'Dismiss' }).click();
    await waitForCount(page, '[data-testid="error"]', 0);

    // Delete removes the selected clip (the import selected it).
    await page.locator(`${clip}[data-selected="true"]`).click();
    await page.keyboard.press('Delete');
    await waitForCount(page, clip, clipsBefore);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports a file dropped onto a track into that track', async () => {
    const { page, errors } = await openApp();
    const tracks = await page.getByTestId('track').count();
    await page.getByTestId('add-track').click();
    await waitForCount(page, '[data-testid="track"]', tracks + 1);
    const lane = page.getByTestId('track').last();
    const trackId = await lane.getAttribute('data-track-id');
    const box = await lane.boundingBox();
    if (!box) throw new Error('The new track lane is not visible.');
    await dropFile(page, corpusFile('paralingustic_prompt.wav'), { x: box.x + 200, y: box.y + box.height / 2 });
    await waitForCount(page, `[data-track-id="${trackId}"] ${clip}`, 1);
    await page.locator(`[data-track-id="${trackId}"] ${clip}[data-selected="true"]`).waitFor();
    await page.getByTestId('drop-overlay').waitFor({ state: 'detached' });

    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancels a running job with Escape in the edit panel and lists the shortcuts with ?', async () => {
    const { page, errors } = await openApp();
    await page.getByTestId('import-input').setInputFiles(corpusFile('en_happy_prompt.wav'));
    await page.locator(`${clip}[data-selected="true"]`).waitFor();
    await page.getByTestId('task-select').selectOption('speed');
    // Ten chained ×0.67 tempo passes grow the take about 57-fold: long enough to be caught running.
    await page.getByTestId('option-select').selectOption('more slower');
    await page.getByTestId('iterations-input').fill('10');
    await page.getByTestId('apply-edit').click();
    await page.locator('[data-testid="job"][data-status="running"]').waitFor();
    await page.getByTestId('iterations-input').focus();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="job"][data-status="cancelled"]').waitFor();
    await page.locator('[data-testid="cancel-job"]').waitFor({ state: 'detached' });
    await page.locator('[data-testid="apply-edit"]:not([disabled])').waitFor();

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    await page.getByTestId('help-overlay').waitFor();
    await expect(page.getByTestId('help-overlay').textContent()).resolves.toMatch(/Undo.*Redo/s);
    await page.keyboard.press('Escape');
    await page.getByTestId('help-overlay').waitFor({ state: 'detached' });

    expect(errors).toEqual([]);
    await page.close();
  });
});
