// Clip boxes drawn on a lane during a zoom gesture (timeline/chrome-draw.ts): the texts are laid out as ClipView's
// styles lay them out (name from the left padding, cut with an ellipsis before the length, kept in view at the view's
// left edge; the length right-aligned from 110 px; nothing under 24 px), and the drawing puts border and header on
// whole device pixels, only over the columns asked for, with the texts copied from the band. Fake 2D contexts record
// the calls.

import { describe, expect, it } from 'vitest';
import { chromeLayout, drawChrome, fitText, nameShift, type ChromeBox, type ChromeColors } from '../../../src-renderer/timeline/chrome-draw';

// Every character 6 px wide, the ellipsis too.
const measure = (s: string) => Array.from(s).length * 6;
const box = (over: Partial<ChromeBox> = {}): ChromeBox => ({
  left: 100,
  width: 200,
  name: 'take one',
  length: () => '0:05.020',
  selected: false,
  changed: [],
  ...over,
});

describe('clip texts', () => {
  it('puts the name after the border and padding and the length against the right padding', () => {
    const t = chromeLayout(box(), 0, measure, measure);
    expect(t.name).toEqual({ text: 'take one', x: 108 });
    // 100 + 200 − 1 − 7 − 8 chars × 6.
    expect(t.length).toEqual({ text: '0:05.020', x: 244 });
  });

  it('cuts a long name with an ellipsis before the length, and drops the length first on a narrow clip', () => {
    const long = box({ name: 'a rather long recording name' });
    const t = chromeLayout(long, 0, measure, measure);
    // Room: 244 − 8 (gap) − 108 = 128 px → 20 characters plus the ellipsis (126 px).
    expect(t.name!.text).toBe('a rather long record…');
    expect(measure(t.name!.text)).toBeLessThanOrEqual(128);
    const narrow = chromeLayout({ ...long, width: 100 }, 0, measure, measure);
    expect(narrow.length).toBeNull();
    // Room 100 − 16 = 84 px: 13 characters, and the space before the cut is dropped.
    expect(narrow.name!.text).toBe('a rather long…');
    expect(chromeLayout({ ...long, width: 24 }, 0, measure, measure).name).toBeNull();
    expect(chromeLayout({ ...long, width: 25 }, 0, measure, measure).name!.text).toBe('…');
  });

  it('keeps the name in view at the view’s left edge while 80 px of the clip show', () => {
    expect(nameShift({ left: 100, width: 200 }, 50)).toBe(0);
    expect(nameShift({ left: 100, width: 200 }, 150)).toBe(50);
    expect(nameShift({ left: 100, width: 200 }, 290)).toBe(120);
    const t = chromeLayout(box(), 150, measure, measure);
    expect(t.name!.x).toBe(158);
    // Pushed right, the name has less room before the length: 244 − 8 − 158 = 78 px, 12 characters and the ellipsis.
    expect(chromeLayout(box({ name: 'a rather long recording name' }), 150, measure, measure).name!.text).toBe('a rather lon…');
  });

  it('fits text by its measured width, whole when it fits', () => {
    expect(fitText('abc', 18, measure)).toBe('abc');
    expect(fitText('abcd', 18, measure)).toBe('ab…');
    expect(fitText('abcd', 5, measure)).toBe('…');
  });
});

const COLORS: ChromeColors = {
  head: 'h',
  headSelected: 'H',
  border: 'b',
  borderSelected: 'B',
  text: 't',
  text2: 'T',
  changedFill: 'c',
  changedEdge: 'C',
  nameFont: '600 11px sans-serif',
  lengthFont: '10px monospace',
};

function recorder() {
  const calls: string[] = [];
  const ctx: Record<string, unknown> = {
    font: '',
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    textBaseline: 'alphabetic',
  };
  for (const name of ['save', 'restore', 'beginPath', 'clip', 'fill', 'stroke', 'setTransform', 'clearRect', 'rect', 'roundRect', 'fillRect', 'drawImage', 'fillText']) {
    ctx[name] = (...args: unknown[]) => {
      const style = name === 'fill' || name === 'fillRect' || name === 'fillText' ? ` ${String(ctx.fillStyle)}` : name === 'stroke' ? ` ${String(ctx.strokeStyle)}` : '';
      calls.push(`${name}(${args.map((a) => (typeof a === 'number' ? +a.toFixed(3) : Array.isArray(a) ? `[${a.join(',')}]` : typeof a === 'string' ? a : '·')).join(',')})${style}`);
    };
  }
  ctx.measureText = (s: string) => ({ width: measure(s) });
  return { ctx, calls };
}

function draw(boxes: ChromeBox[], cols: [number, number] = [0, 400], dpr = 1) {
  const lane = recorder();
  const text = recorder();
  const band = { width: 0, height: 0, getContext: () => text.ctx } as unknown as OffscreenCanvas;
  const frame = { width: 400, height: 99, dpr, inset: 4, header: 18, viewLeft: 0 };
  drawChrome(lane.ctx as unknown as CanvasRenderingContext2D, band, frame, boxes, COLORS, cols);
  return { lane: lane.calls, text: text.calls, band };
}

describe('drawing the boxes', () => {
  it('draws header and border on whole device pixels, in the selected colours for a selected box', () => {
    const { lane } = draw([box({ left: 10.3, width: 100.4 }), box({ left: 150.6, width: 60, selected: true })], [0, 400], 2);
    // 10.3 → 10.5 and 110.7 → 110.5 at 2 device pixels per CSS pixel.
    expect(lane).toContain('roundRect(11.5,5,98,18,[3,3,0,0])');
    expect(lane).toContain('roundRect(11,4.5,99,90,4)');
    expect(lane).toContain('fill() h');
    expect(lane).toContain('stroke() b');
    expect(lane).toContain('roundRect(151.5,5,58,18,[3,3,0,0])');
    expect(lane).toContain('fill() H');
    expect(lane).toContain('stroke() B');
  });

  it('draws only the boxes over the columns asked for, clipped to them, and copies those columns of the band', () => {
    const { lane, text } = draw([box({ left: 10, width: 50, name: 'first' }), box({ left: 300, width: 50, name: 'second' })], [200, 400], 1);
    expect(lane).toContain('rect(200,0,200,99)');
    expect(lane.filter((c) => c.startsWith('roundRect'))).toEqual(['roundRect(301,5,48,18,[3,3,0,0])', 'roundRect(300.5,4.5,49,90,4)']);
    expect(text.filter((c) => c.startsWith('fillText'))).toEqual(['fillText(seco…,308,14) t']);
    expect(lane).toContain('drawImage(·,200,0,200,23,200,0,200,23)');
  });

  it('shades the spans an edit changed, under the header', () => {
    const { lane } = draw([box({ left: 10, width: 200, changed: [{ left: 20, width: 30 }] })]);
    // From the header's bottom (23) to the border's top (94), inside the box's border.
    expect(lane).toContain('fillRect(31,23,30,71) c');
    expect(lane).toContain('fillRect(31,23,1,3) C');
    expect(lane).toContain('fillRect(60,23,1,3) C');
  });

  it('draws nothing for no boxes in the columns, or a lane too short for a box', () => {
    expect(draw([box({ left: 10, width: 50 })], [100, 400]).lane).toEqual([]);
    const lane = recorder();
    drawChrome(lane.ctx as unknown as CanvasRenderingContext2D, {} as OffscreenCanvas, { width: 400, height: 9, dpr: 1, inset: 4, header: 18, viewLeft: 0 }, [box()], COLORS);
    expect(lane.calls).toEqual([]);
  });
});
