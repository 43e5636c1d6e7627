// End to end through the web shell in Chromium (issue 11): a script fills the clips' transcripts; a region dragged
// inside a corpus clip gets an emotion edit with 2 iterations under fit (two chained takes, the changed span shaded,
// the clip's length unchanged); [Laughter] from the palette goes in at the words' cursor and a paralinguistic edit
// under ripple moves the next clip by the measured length change; A/B plays matched (and raw on request); the project
// mix exports at −16 LUFS with the project rate, the timeline's extent, the loudness and true peak on target, and its
// bext / iXML and sidecar. Screenshots of the region UI, the A/B switch and the export dialog go to test-results/.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integratedLoudness, truePeak } from '../../src-main/audio/analysis';
import { decodeAudio } from '../../src-main/audio/decode';
import { ixmlElement, parseBext, readRiffChunks } from '../../src-main/audio/render/bwf';
import { corpusFile, launchChromium, resultsDir, startWebShell, waitForCount, watchPageErrors, type WebShellProcess } from './harness';

const clip = '[data-testid="clip"]';
const take = '[data-testid="take"]';
const HAPPY = 'en_happy_prompt.wav';
const ZERO = 'zero_shot_en_prompt.wav';
const HAPPY_TEXT = 'You know, I just finished that big project and feel so relieved. Everything seems easier and more colorful, what a wonderful feeling!';
const ZERO_TEXT = 'His political stance was conservative, and he was particularly close to margaret thatcher.';

async function num(page: Page, selector: string, attr: string): Promise<number> {
  const v = await page.locator(selector).first().getAttribute(attr);
  if (v === null || v === '' || !Number.isFinite(Number(v))) throw new Error(`${selector} has no numeric ${attr} (got ${v}).`);
  return Number(v);
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name) });
}

describe('regions, length modes, fair A/B and export in the browser', () => {
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

  it('edits a region under fit, inserts a tag under ripple, compares matched and exports the mix at −16 LUFS', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(90_000);
    const errors = watchPageErrors(page);
    await page.goto(shell.url);
    await page.getByTestId('import-input').waitFor({ state: 'attached' });

    // Two lines end to end on one track.
    await page.getByTestId('import-input').setInputFiles([corpusFile(HAPPY), corpusFile(ZERO)]);
    await waitForCount(page, clip, 2);
    const [first, second] = await page.locator(clip).evaluateAll((els) =>
      els
        .map((e) => ({ id: e.getAttribute('data-clip-id')!, start: Number(e.getAttribute('data-start')) }))
        .sort((a, b) => a.start - b.start)
        .map((c) => c.id),
    );
    const clipA = `${clip}[data-clip-id="${first}"]`;
    const clipB = `${clip}[data-clip-id="${second}"]`;

    // The script: a TSV of start / end / text over both clips fills their transcripts (times at the project rate, which
    // the export dialog states).
    const aLen = (await num(page, clipA, 'data-out')) - (await num(page, clipA, 'data-in'));
    const bStart0 = await num(page, clipB, 'data-start');
    const bEnd0 = bStart0 + (await num(page, clipB, 'data-out')) - (await num(page, clipB, 'data-in'));
    const sec = (samples: number) => (samples / 48_000).toFixed(3);
    const tsv = `start\tend\ttext\n0\t${sec(bStart0)}\t${HAPPY_TEXT}\n${sec(bStart0)}\t${sec(bEnd0)}\t${ZERO_TEXT}\n`;
    await page.getByTestId('script-input').setInputFiles({ name: 'scene.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(tsv) });
    await page.locator('[data-testid="script-result"][data-clips="2"]').waitFor();

    // A region inside the first clip: drag across its body from 35 % to 65 %.
    await page.locator(clipA).click({ position: { x: 10, y: 8 } });
    await page.locator(`${clipA}[data-selected="true"]`).waitFor();
    const box = (await page.locator(clipA).boundingBox())!;
    const y = box.y + box.height * 0.65;
    await page.mouse.move(box.x + box.width * 0.35, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.65, y, { steps: 5 });
    await page.mouse.up();
    await page.getByTestId('range').waitFor();
    await page.getByTestId('region').waitFor();
    await page.getByTestId('region-windows').waitFor();
    // The region's words come from the clip's transcript (by speech time): a part of the line, not all of it.
    const regionWords = await page.getByTestId('transcript-input').inputValue();
    expect(regionWords.length).toBeGreaterThan(0);
    expect(HAPPY_TEXT).toContain(regionWords.split(' ')[0]!.replace(/[,.!]/g, ''));

    await page.getByTestId('engine-select').selectOption('prosody');
    await page.getByTestId('task-select').selectOption('emotion');
    await page.getByTestId('option-select').selectOption('happy');
    await expect(page.getByTestId('length-mode').getAttribute('data-effective')).resolves.toBe('fit');
    await page.getByTestId('iterations-input').fill('2');
    await page.getByTestId('iterations-input').press('Tab');
    await shot(page, 'e2e-region.png');
    await page.getByTestId('apply-edit').click();
    const job1 = page.locator('[data-testid="job"][data-kind="edit"][data-status="done"]');
    await job1.waitFor();
    const job1Id = await job1.getAttribute('data-job-id');

    // Two chained takes: the second's parent is the first, whose parent is the source.
    await waitForCount(page, take, 3);
    const source = await page.locator(`${take}[data-kind="source"]`).getAttribute('data-take-id');
    const edits = await page.locator(`${take}[data-kind="edit"]`).evaluateAll((els) =>
      els.map((e) => ({ id: e.getAttribute('data-take-id')!, parent: e.getAttribute('data-parent-id')! })),
    );
    const one = edits.find((e) => e.parent === source)!;
    expect(one).toBeTruthy();
    expect(edits.find((e) => e.parent === one.id)).toBeTruthy();
    // The active take (the second) changed a span, shaded on the clip; under fit the clip keeps its length.
    const active = `${take}[data-active="true"]`;
    await page.locator(`${active}[data-parent-id="${one.id}"]`).waitFor();
    await expect(page.locator(`${active} [data-testid="take-change"]`).getAttribute('data-mode')).resolves.toBe('fit');
    await expect(num(page, `${active} [data-testid="take-change"]`, 'data-length-change')).resolves.toBe(0);
    await page.locator(`${clipA} [data-testid="changed-span"]`).first().waitFor();
    await shot(page, 'e2e-region-done.png');
    expect((await num(page, clipA, 'data-out')) - (await num(page, clipA, 'data-in'))).toBe(aLen);
    await expect(num(page, clipB, 'data-start')).resolves.toBe(bStart0);

    // The whole clip again; the paralinguistic task reads the transcript, [Laughter] goes in at the cursor.
    await page.getByTestId('region-clear').click();
    await page.getByTestId('region-none').waitFor();
    await page.getByTestId('task-select').selectOption('paralinguistic');
    const words = page.getByTestId('transcript-input');
    await expect(words.inputValue()).resolves.toBe(HAPPY_TEXT);
    const at = HAPPY_TEXT.indexOf(' I just');
    await words.evaluate((el, pos) => {
      const ta = el as unknown as { focus(): void; setSelectionRange(a: number, b: number): void };
      ta.focus();
      ta.setSelectionRange(pos, pos);
    }, at);
    await page.getByTestId('tag-Laughter').click();
    await expect(words.inputValue()).resolves.toBe(`${HAPPY_TEXT.slice(0, at)}[Laughter]${HAPPY_TEXT.slice(at)}`);
    await page.getByTestId('length-mode').selectOption('ripple');
    await page.getByTestId('iterations-input').fill('1');
    await page.getByTestId('iterations-input').press('Tab');
    await page.locator('[data-testid="apply-edit"]:not([disabled])').waitFor();
    await page.getByTestId('apply-edit').click();
    await page.locator(`[data-testid="job"][data-kind="edit"][data-status="done"]:not([data-job-id="${job1Id}"])`).waitFor();
    await waitForCount(page, take, 4).catch(async (e: unknown) => {
      await shot(page, 'e2e-regions-failure.png');
      throw e;
    });
    // The next clip moved by exactly the length change the take states.
    const change = `${take}[data-active="true"] [data-testid="take-change"][data-mode="ripple"]`;
    await page.locator(change).waitFor();
    const delta = await num(page, change, 'data-length-change');
    expect(delta).toBeGreaterThan(0);
    await page.locator(`${clipB}[data-start="${bStart0 + delta}"]`).waitFor();

    // Fair A/B: matched by default, with the compensation shown; the switch keeps playing; raw on request.
    const matched = page.getByTestId('ab-matched');
    await page.locator('[data-testid="ab-matched"][data-matched="true"]').waitFor();
    await expect(matched.textContent()).resolves.toMatch(/matched [−+]\d+\.\d dB/);
    expect(Number.isFinite(await num(page, '[data-testid="ab-matched"]', 'data-db'))).toBe(true);
    await page.locator('[data-testid="ab-toggle"]:not([disabled])').click();
    await page.locator('[data-testid="ab-toggle"][data-side="a"]').waitFor();
    await shot(page, 'e2e-ab.png');
    await matched.locator('input').uncheck();
    await page.locator('[data-testid="ab-matched"][data-matched="false"]').waitFor();
    await expect(matched.textContent()).resolves.toMatch(/raw levels/);

    // Export the project mix at −16 LUFS (podcast) as 24-bit WAV.
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-scope').selectOption('mix');
    await page.getByTestId('export-format').selectOption('wav-pcm24');
    await page.getByTestId('export-lufs').selectOption('podcast');
    await shot(page, 'e2e-export.png');
    await page.getByTestId('export-start').click();
    await page.locator('[data-testid="job"][data-kind="export"][data-status="done"]').waitFor();
    const file = page.getByTestId('export-file').first();
    await file.waitFor();
    await shot(page, 'e2e-export-done.png');
    const href = await file.getByTestId('export-download').getAttribute('href');
    const res = await page.request.get(new URL(href!, page.url()).toString());
    expect(res.status()).toBe(200);
    const bytes = new Uint8Array(await res.body());
    const audio = await decodeAudio(bytes, 'mix.wav');
    const projectRate = await num(page, '[data-testid="export-rate"]', 'data-rate');
    expect(audio.sampleRate).toBe(projectRate);
    // The mix spans the timeline: from the first clip's start to the end of the (rippled) second clip.
    const end = (await num(page, clipB, 'data-start')) + (await num(page, clipB, 'data-out')) - (await num(page, clipB, 'data-in'));
    const begin = await num(page, clipA, 'data-start');
    expect(audio.channels[0]!.length).toBe(end - begin);
    const lufs = integratedLoudness(audio)!;
    expect(Math.abs(lufs + 16)).toBeLessThanOrEqual(0.5);
    expect(20 * Math.log10(truePeak(audio))).toBeLessThanOrEqual(-1 + 1e-6);
    // What the dialog shows is what the file holds.
    expect(Math.abs((await num(page, '[data-testid="export-file"]', 'data-lufs')) - lufs)).toBeLessThan(0.05);
    const chunks = readRiffChunks(bytes);
    const bext = chunks.find((c) => c.id === 'bext');
    const ixml = chunks.find((c) => c.id === 'iXML');
    expect(bext && ixml).toBeTruthy();
    const b = parseBext(bytes.subarray(bext!.offset, bext!.offset + bext!.size));
    expect(b.originator).toBe('Retake');
    expect(b.description).toMatch(/^Retake mix of /);
    const doc = new TextDecoder().decode(bytes.subarray(ixml!.offset, ixml!.offset + ixml!.size));
    const prov = JSON.parse(ixmlElement(doc, 'RETAKE_PROVENANCE')!) as { clips: unknown[] };
    expect(prov.clips).toHaveLength(2);
    const sidecarHref = await file.locator('a.sidecar').getAttribute('href');
    const side = (await (await page.request.get(new URL(sidecarHref!, page.url()).toString())).json()) as {
      clips: Array<{ transcript: string | null; take: Record<string, unknown>; parentChain: Array<Record<string, unknown>> }>;
    };
    const tagged = side.clips.find((c) => c.take.task === 'paralinguistic')!;
    expect(tagged.take).toMatchObject({ engine: 'prosody' });
    expect(tagged.parentChain.map((p) => p.kind)).toEqual(['edit', 'edit', 'source']);
    expect(side.clips.find((c) => c.transcript === ZERO_TEXT)).toBeTruthy();

    await page.keyboard.press('Escape');
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });

    // In Chinese: the dialog, the region and the A/B switch speak it too.
    await page.getByTestId('lang-select').selectOption('zh-CN');
    await expect(page.getByTestId('ab-matched').textContent()).resolves.toMatch(/原始电平/);
    await page.getByTestId('export-open').click();
    await expect(page.locator('#export-title').textContent()).resolves.toBe('导出');
    await shot(page, 'e2e-export-zh.png');
    await page.keyboard.press('Escape');
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  });
});
