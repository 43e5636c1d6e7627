// End to end in Chromium with the EditX engine on the tiny random pack (RETAKE_EDITX_PACK for the web shell and its
// engine hosts): the engine picker offers Step-Audio-EditX, the tag palette shows the pack's tags, an emotion edit makes
// a take, and the Clone panel turns the selected clip's voice and a new line into a new clip. Every wait is on DOM state
// driven by core events; nothing sleeps.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp';
import { testPack } from '../integration/editx-engine/fixtures';
import { corpusFile, launchChromium, resultsDir, startWebShell, waitForCount, watchPageErrors, type WebShellProcess } from './harness';

const take = '[data-testid="take"]';
const clip = '[data-testid="clip"]';
const TEXT = '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。';

describe('EditX in the browser', () => {
  let shell: WebShellProcess;
  let browser: Browser;

  beforeAll(async () => {
    const pack = testPack(path.join(tempDir('retake-e2e-editx-'), 'pack'));
    shell = await startWebShell({ env: { RETAKE_EDITX_PACK: pack, RETAKE_EDITX_PROVIDER: 'cpu' } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.close();
  });

  async function openApp(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(120_000);
    const errors = watchPageErrors(page);
    await page.goto(shell.url);
    await page.getByTestId('import-input').waitFor({ state: 'attached' });
    return { page, errors };
  }

  it('edits with EditX and clones the clip\'s voice into a new clip', async () => {
    const { page, errors } = await openApp();
    await page.getByTestId('import-input').setInputFiles(corpusFile('speed_prompt.wav'));
    await waitForCount(page, clip, 1);
    await page.locator(clip).first().click();
    await page.locator(`${clip}[data-selected="true"]`).waitFor();
    await waitForCount(page, take, 1);

    // The picker offers EditX (available: a pack is configured); clone is not an edit task, it has its own panel.
    await page.locator('[data-testid="engine-select"] option[value="editx"]:not([disabled])').waitFor({ state: 'attached' });
    await page.getByTestId('engine-select').selectOption('editx');
    const tasks = await page
      .getByTestId('task-select')
      .locator('option')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(tasks).toEqual(['emotion', 'style', 'speed', 'paralinguistic', 'denoise', 'vad']);

    // The palette shows the pack's tags; a click writes one into the new text.
    await page.getByTestId('task-select').selectOption('paralinguistic');
    await waitForCount(page, '[data-testid="tag"]', 10);
    await page.getByTestId('transcript').fill(TEXT);
    await page.locator('[data-testid="tag"][data-tag="Laughter"]').click();
    await expect(page.getByTestId('new-text').inputValue()).resolves.toBe(`${TEXT}[Laughter]`);

    await page.getByTestId('task-select').selectOption('emotion');
    await page.getByTestId('option-select').selectOption('happy');
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('seed').dispatchEvent('change');
    await page.getByTestId('apply-edit').click();
    await page.locator('[data-testid="job-progress"][data-status="done"]').waitFor();
    await waitForCount(page, take, 2);
    await expect(page.locator(`${take}[data-kind="edit"]`).textContent()).resolves.toMatch(/happy/i);

    // Clone: the selected clip is the prompt; the result is a new clip, selected when it lands.
    const panel = page.getByTestId('clone-panel');
    await panel.getByTestId('clone-prompt-text').fill(TEXT);
    await panel.getByTestId('clone-text').fill('Nice weather today.');
    await panel.locator('[data-testid="clone-apply"]:not([disabled])').click();
    await page.locator('[data-testid="clone-job"][data-status="done"]').waitFor();
    await waitForCount(page, clip, 2);
    await page.locator(`${clip}[data-selected="true"]`).filter({ hasText: 'Clone: Nice weather today.' }).waitFor();
    await waitForCount(page, take, 1);
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, 'e2e-editx.png') });

    expect(errors).toEqual([]);
    await page.close();
  });
});
