// The timeline as an editor uses it, through the web shell in Chromium: two corpus files imported onto two tracks,
// one moved across tracks by its header (snapping to the other's end), both edges trimmed, a split, each undone and
// redone; zoom in and out; the mix played with the playhead advancing; a selection looped. Every wait is on DOM state
// driven by the app (data- attributes the components write from the controllers), never a sleep. A screenshot of
// each state goes to test-results/ for review.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFile, launchChromium, resultsDir, startWebShell, waitForCount, watchPageErrors, type WebShellProcess } from './harness';

const clipSel = '[data-testid="clip"]';

interface ClipState {
  id: number;
  track: number;
  start: number;
  in: number;
  out: number;
}

/** Every clip as the page shows it (its lane's track and the data- attributes the clip view writes). */
async function clips(page: Page): Promise<ClipState[]> {
  type El = { getAttribute(n: string): string | null; closest(s: string): El | null };
  return page.locator(clipSel).evaluateAll((els) =>
    (els as unknown as El[]).map((e) => ({
      id: Number(e.getAttribute('data-clip-id')),
      track: Number(e.closest('[data-testid="track"]')?.getAttribute('data-track-id')),
      start: Number(e.getAttribute('data-start')),
      in: Number(e.getAttribute('data-in')),
      out: Number(e.getAttribute('data-out')),
    })),
  );
}

async function clipState(page: Page, id: number): Promise<ClipState> {
  const c = (await clips(page)).find((x) => x.id === id);
  if (!c) throw new Error(`Clip ${id} is not on the timeline.`);
  return c;
}

/** Waits until the page shows clip `id` as `want` says (all given fields equal). */
async function waitForClip(page: Page, id: number, want: Partial<ClipState>): Promise<void> {
  type El = { getAttribute(n: string): string | null; closest(s: string): El | null };
  type Doc = { querySelector(s: string): El | null };
  await page.waitForFunction(
    ([cid, w]) => {
      const e = (globalThis as unknown as { document: Doc }).document.querySelector(`[data-testid="clip"][data-clip-id="${cid}"]`);
      if (!e) return false;
      const now: Record<string, number> = {
        track: Number(e.closest('[data-testid="track"]')?.getAttribute('data-track-id')),
        start: Number(e.getAttribute('data-start')),
        in: Number(e.getAttribute('data-in')),
        out: Number(e.getAttribute('data-out')),
      };
      return Object.entries(w).every(([k, v]) => now[k] === v);
    },
    [id, want] as [number, Partial<ClipState>],
  );
}

/** Drags with the mouse from one point to another in small steps (a real drag, past the click slop). */
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, opts: { shift?: boolean } = {}): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  if (opts.shift) await page.keyboard.down('Shift');
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
  if (opts.shift) await page.keyboard.up('Shift');
}

async function box(page: Page, selector: string, index = 0): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(selector).nth(index).boundingBox();
  if (!b) throw new Error(`${selector} is not visible.`);
  return b;
}

/** Waits for the toolbar's undo button to name this action (the core recorded it). */
async function waitUndoLabel(page: Page, pattern: string): Promise<void> {
  await page.locator(`[data-testid="undo"]:not([disabled])`, { hasText: pattern }).waitFor();
}

describe('the timeline in the browser', () => {
  let shell: WebShellProcess;
  let browser: Browser;
  let shot = 0;

  beforeAll(async () => {
    shell = await startWebShell();
    browser = await launchChromium();
    mkdirSync(resultsDir, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.close();
  });

  const snap = (page: Page, name: string) => page.screenshot({ path: path.join(resultsDir, `timeline-${String(++shot).padStart(2, '0')}-${name}.png`) });

  it('imports onto two tracks, moves across tracks, trims both edges, splits, undoes and redoes each, zooms, plays and loops', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'dark' });
    page.setDefaultTimeout(60_000);
    const errors = watchPageErrors(page);
    await page.goto(shell.url);
    await page.getByTestId('import-input').waitFor({ state: 'attached' });

    // Two tracks; the first file goes to Track 1, the second to Track 2, both at the cursor (0).
    await page.getByTestId('add-track').click();
    await waitForCount(page, '[data-testid="track"]', 2);
    const trackIds = await page.getByTestId('track').evaluateAll((els) => els.map((e) => Number((e as unknown as { getAttribute(n: string): string }).getAttribute('data-track-id'))));
    const [t1, t2] = trackIds as [number, number];
    await page.getByTestId('track-header').nth(0).click({ position: { x: 120, y: 90 } });
    await page.getByTestId('import-input').setInputFiles(corpusFile('zero_shot_en_prompt.wav'));
    await waitForCount(page, clipSel, 1);
    await waitUndoLabel(page, 'zero_shot_en_prompt');
    await page.getByTestId('track-header').nth(1).click({ position: { x: 120, y: 90 } });
    await page.keyboard.press('Home');
    await page.locator('[data-testid="playhead"][data-sample="0"]').waitFor({ state: 'attached' });
    await page.getByTestId('import-input').setInputFiles(corpusFile('speed_prompt.wav'));
    await waitForCount(page, clipSel, 2);
    await waitUndoLabel(page, 'speed_prompt');
    const all = await clips(page);
    const a = all.find((c) => c.track === t1)!;
    const b = all.find((c) => c.track === t2)!;
    expect(a).toMatchObject({ start: 0, in: 0 });
    expect(b).toMatchObject({ start: 0, in: 0 });
    await snap(page, 'two-tracks');

    // Move B by its header onto Track 1, near A's end: snapping lands it exactly there. One history entry.
    const aEnd = a.start + (a.out - a.in);
    const aBox = await box(page, `${clipSel}[data-clip-id="${a.id}"]`);
    const bHead = await box(page, `${clipSel}[data-clip-id="${b.id}"] [data-testid="clip-header"]`);
    await drag(page, { x: bHead.x + 20, y: bHead.y + bHead.height / 2 }, { x: aBox.x + aBox.width + 24, y: aBox.y + 10 });
    await waitForClip(page, b.id, { track: t1, start: aEnd });
    await waitUndoLabel(page, `Move ${'speed_prompt'}`);
    await snap(page, 'moved-across');
    await page.getByTestId('undo').click();
    await waitForClip(page, b.id, { track: t2, start: 0 });
    await page.keyboard.press('Control+Shift+Z');
    await waitForClip(page, b.id, { track: t1, start: aEnd });

    // Trim A's left edge to the right: the start and the in point move together (the audio stays in place).
    const handleL = await box(page, `${clipSel}[data-clip-id="${a.id}"] [data-testid="clip-handle-left"]`);
    await drag(page, { x: handleL.x + handleL.width / 2, y: handleL.y + 30 }, { x: handleL.x + handleL.width / 2 + 60, y: handleL.y + 30 }, { shift: true });
    await waitUndoLabel(page, 'Trim zero_shot_en_prompt');
    const trimmedL = await clipState(page, a.id);
    expect(trimmedL.in).toBeGreaterThan(0);
    expect(trimmedL.start).toBe(trimmedL.in);
    expect(trimmedL.out).toBe(a.out);
    await snap(page, 'trimmed-left');
    await page.keyboard.press('Control+Z');
    await waitForClip(page, a.id, { start: 0, in: 0, out: a.out });
    await page.keyboard.press('Control+Y');
    await waitForClip(page, a.id, { start: trimmedL.start, in: trimmedL.in, out: a.out });

    // Trim B's right edge to the left.
    const handleR = await box(page, `${clipSel}[data-clip-id="${b.id}"] [data-testid="clip-handle-right"]`);
    await drag(page, { x: handleR.x + handleR.width / 2, y: handleR.y + 30 }, { x: handleR.x + handleR.width / 2 - 80, y: handleR.y + 30 }, { shift: true });
    await waitUndoLabel(page, 'Trim speed_prompt');
    const trimmedR = await clipState(page, b.id);
    expect(trimmedR.out).toBeLessThan(b.out);
    expect(trimmedR).toMatchObject({ start: aEnd, in: 0 });
    await snap(page, 'trimmed-right');
    await page.getByTestId('undo').click();
    await waitForClip(page, b.id, { out: b.out });
    await page.getByTestId('redo').click();
    await waitForClip(page, b.id, { out: trimmedR.out });

    // Split A at the playhead: click in its waveform (the cursor goes there), press S.
    const aNow = await box(page, `${clipSel}[data-clip-id="${a.id}"]`);
    // Shift: no snapping of the click (and A joins the selection).
    await page.keyboard.down('Shift');
    await page.mouse.click(aNow.x + aNow.width / 2, aNow.y + aNow.height / 2 + 10);
    await page.keyboard.up('Shift');
    await page.locator('[data-testid="playhead"]:not([data-sample="0"])').waitFor({ state: 'attached' });
    const cursor = Number(await page.getByTestId('playhead').getAttribute('data-sample'));
    await page.keyboard.press('s');
    await waitForCount(page, clipSel, 3);
    await waitUndoLabel(page, 'Split zero_shot_en_prompt');
    await waitForClip(page, a.id, { out: trimmedL.in + (cursor - trimmedL.start) });
    await snap(page, 'split');
    await page.keyboard.press('Control+Z');
    await waitForCount(page, clipSel, 2);
    await waitForClip(page, a.id, { out: a.out });
    await page.keyboard.press('Control+Shift+Z');
    await waitForCount(page, clipSel, 3);

    // Zoom in twice around the playhead and back out: samples per pixel halve and double.
    const spp = async () => Number((await page.getByTestId('zoom-level').textContent())!.replace(/[^\d.]/g, ''));
    const before = await spp();
    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-in').click();
    await page.locator('[data-testid="zoom-fit"]:not(.on)').waitFor();
    expect((await spp()) / before).toBeCloseTo(0.25, 1);
    await snap(page, 'zoomed-in');
    await page.getByTestId('zoom-out').click();
    await page.keyboard.press('-');
    expect((await spp()) / before).toBeCloseTo(1, 1);
    await page.keyboard.press('f');
    await page.locator('[data-testid="zoom-fit"].on').waitFor();

    // A Ctrl+wheel gesture (zoom steps in a run): the boxes of the clips not selected are drawn on their lanes'
    // canvases for its frames instead of laid out as elements; the selected clip keeps its element, and every
    // element is back once the zoom settles (as they are now, after the steps above).
    await waitForCount(page, clipSel, 3);
    await page.locator(clipSel).nth(1).locator('[data-testid="clip-header"]').click();
    await page.locator(`${clipSel}[data-selected="true"]`).waitFor();
    const during = await page.evaluate(
      () =>
        new Promise<{ elements: number; selected: boolean; header: number }>((resolve) => {
          type El = { getBoundingClientRect(): { left: number; top: number; width: number }; dispatchEvent(e: unknown): void; getAttribute(n: string): string | null };
          type Canvas = El & { width: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
          type Lane = El & { querySelector(s: string): Canvas | null };
          const g = globalThis as unknown as {
            document: { querySelector(s: string): Lane | null; querySelectorAll(s: string): Iterable<El> & { length: number } };
            WheelEvent: new (t: string, o: object) => unknown;
            requestAnimationFrame(cb: () => void): void;
            devicePixelRatio: number;
          };
          const clips = [...g.document.querySelectorAll('[data-testid="clip"]')];
          const other = clips.find((c) => c.getAttribute('data-selected') !== 'true')!;
          const r = other.getBoundingClientRect();
          const lane = g.document.querySelector(`[data-track-id]:has([data-clip-id="${other.getAttribute('data-clip-id')}"])`)!;
          const canvas = lane.querySelector('canvas')!;
          const body = g.document.querySelector('[data-testid="timeline"] .body')!;
          for (const dy of [-20, 20]) body.dispatchEvent(new g.WheelEvent('wheel', { deltaY: dy, ctrlKey: true, clientX: r.left + r.width / 2, clientY: r.top + 40, bubbles: true, cancelable: true }));
          // The zoom is applied in the next frame; its picture is there in the one after.
          g.requestAnimationFrame(() => g.requestAnimationFrame(() => {
            const dpr = g.devicePixelRatio || 1;
            const cr = canvas.getBoundingClientRect();
            // The header row (lane y 10) at the middle of the clip's box, where the canvas draws nothing but a box.
            const px = canvas.getContext('2d').getImageData(Math.round((r.left + r.width / 2 - cr.left) * dpr), Math.round(10 * dpr), 1, 1).data;
            resolve({
              elements: g.document.querySelectorAll('[data-testid="clip"]').length,
              selected: g.document.querySelector('[data-testid="clip"][data-selected="true"]') !== null,
              header: px[3]!,
            });
          }));
        }),
    );
    expect(during).toEqual({ elements: 1, selected: true, header: expect.any(Number) });
    expect(during.header).toBeGreaterThan(0);
    await snap(page, 'zoom-gesture');
    await waitForCount(page, clipSel, 3);
    // A press on a box drawn on the canvas, during the gesture, goes to the clip: it is selected.
    const pressed = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          type El = { getBoundingClientRect(): { left: number; top: number; width: number }; dispatchEvent(e: unknown): void; getAttribute(n: string): string | null };
          const g = globalThis as unknown as {
            document: { querySelector(s: string): El | null; querySelectorAll(s: string): Iterable<El> };
            WheelEvent: new (t: string, o: object) => unknown;
            PointerEvent: new (t: string, o: object) => unknown;
            requestAnimationFrame(cb: () => void): void;
            dispatchEvent(e: unknown): void;
          };
          const other = [...g.document.querySelectorAll('[data-testid="clip"]')].find((c) => c.getAttribute('data-selected') !== 'true')!;
          const id = other.getAttribute('data-clip-id')!;
          const r = other.getBoundingClientRect();
          const lane = g.document.querySelector(`[data-track-id]:has([data-clip-id="${id}"])`)!;
          const body = g.document.querySelector('[data-testid="timeline"] .body')!;
          const at = { clientX: r.left + r.width / 2, clientY: r.top + 8, bubbles: true, cancelable: true, pointerId: 1, button: 0, buttons: 1, isPrimary: true };
          for (const dy of [-20, 20]) body.dispatchEvent(new g.WheelEvent('wheel', { deltaY: dy, ctrlKey: true, clientX: at.clientX, clientY: at.clientY, bubbles: true, cancelable: true }));
          g.requestAnimationFrame(() =>
            g.requestAnimationFrame(() => {
              if (g.document.querySelector(`[data-clip-id="${id}"]`)) return resolve('no gesture');
              lane.dispatchEvent(new g.PointerEvent('pointerdown', at));
              g.dispatchEvent(new g.PointerEvent('pointerup', { ...at, buttons: 0 }));
              resolve(id);
            }),
          );
        }),
    );
    expect(pressed).not.toBe('no gesture');
    await page.locator(`[data-clip-id="${pressed}"][data-selected="true"]`).waitFor();
    await waitForCount(page, clipSel, 3);

    // Play the mix from the start; the playhead moves on, then Space stops and it returns to the cursor.
    await page.keyboard.press('Home');
    await page.getByTestId('transport-play').click();
    await page.locator('[data-testid="transport-play"][data-state="playing"]').waitFor();
    await page.waitForFunction(() => {
      const el = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-testid="playhead"]');
      return Number(el?.getAttribute('data-sample')) > 24_000;
    });
    await snap(page, 'playing');
    await page.keyboard.press('Space');
    await page.locator('[data-testid="transport-play"][data-state="stopped"]').waitFor();
    await page.locator('[data-testid="playhead"][data-sample="0"]').waitFor({ state: 'attached' });

    // Loop a selection: drag a range in B's waveform, L, play from inside it; the playhead wraps back to its start.
    const bBox = await box(page, `${clipSel}[data-clip-id="${b.id}"]`);
    await drag(page, { x: bBox.x + 20, y: bBox.y + bBox.height - 12 }, { x: bBox.x + 20 + 60, y: bBox.y + bBox.height - 12 });
    await page.getByTestId('range').waitFor();
    await page.keyboard.press('l');
    await page.locator('[data-testid="loop-toggle"][aria-pressed="true"]').waitFor();
    await page.getByTestId('loop-span').waitFor();
    await page.getByTestId('transport-play').click();
    await page.locator('[data-testid="transport-play"][data-state="playing"]').waitFor();
    // Seen past the middle of the loop, and later back in its first half: it wrapped.
    const loopSpan = await page.getByTestId('range').boundingBox();
    expect(loopSpan).not.toBeNull();
    type Doc = { querySelector(s: string): { getAttribute(n: string): string | null } | null };
    const position = () =>
      page.evaluate(() => Number((globalThis as unknown as { document: Doc }).document.querySelector('[data-testid="playhead"]')?.getAttribute('data-sample')));
    const first = await position();
    await page.waitForFunction(
      (p0) => {
        const g = globalThis as unknown as { document: Doc; __max?: number; __wrapped?: boolean };
        const p = Number(g.document.querySelector('[data-testid="playhead"]')?.getAttribute('data-sample'));
        if (p > (g.__max ?? p0)) g.__max = p;
        else if (p < (g.__max ?? p0) - 4800) g.__wrapped = true;
        return g.__wrapped === true;
      },
      first,
      { polling: 'raf' },
    );
    await snap(page, 'looping');
    await page.keyboard.press('Space');
    await page.locator('[data-testid="transport-play"][data-state="stopped"]').waitFor();

    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows an import at once with its name, progress and cancel, and cancelling leaves nothing behind', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'light' });
    page.setDefaultTimeout(60_000);
    const errors = watchPageErrors(page);
    await page.goto(shell.url);
    await page.getByTestId('import-input').waitFor({ state: 'attached' });
    const before = await page.locator(clipSel).count();
    // The upload is held, so the import stays under way until cancelled.
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    await page.route('**/upload**', async (route) => {
      await held;
      await route.abort().catch(() => {});
    });
    await page.getByTestId('import-input').setInputFiles(corpusFile('en_happy_prompt.wav'));
    const bar = page.getByTestId('import-progress');
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toMatch(/^\d+$/);
    await expect(page.getByTestId('import-card').textContent()).resolves.toContain('en_happy_prompt.wav');
    await snap(page, 'import-under-way');
    await page.getByTestId('import-cancel').click();
    await page.getByTestId('import-card').waitFor({ state: 'detached' });
    hold();
    await page.unroute('**/upload**');
    expect(await page.locator(clipSel).count()).toBe(before);
    expect(await page.getByTestId('error').count()).toBe(0);

    // Imported for real this time; then Space plays even after a mouse click on a button (the focus ring is the
    // keyboard's, not the mouse's).
    await page.getByTestId('import-input').setInputFiles(corpusFile('en_happy_prompt.wav'));
    await waitForCount(page, clipSel, before + 1);
    await page.keyboard.press('Home');
    await page.getByTestId('zoom-in').click();
    const zoom = await page.getByTestId('zoom-level').textContent();
    await page.keyboard.press('Space');
    await page.locator('[data-testid="transport-play"][data-state="playing"]').waitFor();
    expect(await page.getByTestId('zoom-level').textContent()).toBe(zoom);
    await page.keyboard.press('Space');
    await page.locator('[data-testid="transport-play"][data-state="stopped"]').waitFor();

    expect(errors).toEqual([]);
    await page.close();
  });
});
