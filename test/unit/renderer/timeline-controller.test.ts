// The TimelineController over a fake core: the fitted zoom matches the px/s view it replaces, a zoom keeps its anchor,
// a drag is only a preview until release and is then committed with one call per change (snapped, across tracks,
// trims), a refused commit leaves the clip as it was with a toast, and a range is drawn in samples with snapping.

import { describe, expect, it, vi } from 'vitest';
import { ArrangementController } from '../../../src-renderer/lib/arrangement.svelte';
import { ErrorsController } from '../../../src-renderer/lib/errors.svelte';
import { ProjectController } from '../../../src-renderer/lib/project.svelte';
import { SelectionController } from '../../../src-renderer/lib/selection.svelte';
import { fitPxPerSec } from '../../../src-renderer/timeline/scale';
import { TimelineController } from '../../../src-renderer/timeline/timeline.svelte';
import { clip, fakeProject, settle, SR, track } from './fake-core';

async function setup(clips = [clip(1, { start: 0 }), clip(2, { start: 10 * SR })]) {
  const world = fakeProject([track(1), track(2)], clips);
  const errors = new ErrorsController();
  const project = new ProjectController(world.client, errors);
  const arrangement = new ArrangementController(world.client, errors, () => project.isOpen);
  const selection = new SelectionController(arrangement);
  const timeline = new TimelineController({ project, arrangement, selection, errors });
  await project.sync();
  await arrangement.refresh();
  timeline.setViewport(1224);
  world.core.calls.length = 0;
  const get = (id: number) => arrangement.clip(id)!;
  return { ...world, errors, arrangement, selection, timeline, get };
}

describe('timeline view', () => {
  it('fits the arrangement in samples per pixel exactly as the px/s view did', async () => {
    const { timeline } = await setup();
    // Content ends at 12 s; the fitted view leaves 24 px of margin.
    const pxPerSec = fitPxPerSec(1224 - 24, 12);
    expect(timeline.fitted).toBe(true);
    expect(timeline.samplesPerPixel).toBeCloseTo(SR / pxPerSec, 9);
    expect(timeline.xOf(10 * SR)).toBeCloseTo(10 * pxPerSec, 9);
    expect(timeline.contentPx).toBe(Math.max(1224, Math.ceil(14 * pxPerSec)));
    expect(timeline.sampleAt(-5)).toBe(0);
  });

  it('zooms around an anchor and goes back to the fitted view', async () => {
    const { timeline } = await setup();
    const fittedSpp = timeline.samplesPerPixel;
    const under = timeline.scroll + 300 * timeline.samplesPerPixel;
    timeline.zoomTo(fittedSpp / 4, 300);
    expect(timeline.fitted).toBe(false);
    expect(timeline.samplesPerPixel).toBeCloseTo(fittedSpp / 4, 9);
    expect(timeline.scroll + 300 * timeline.samplesPerPixel).toBeCloseTo(under, 6);
    timeline.fit();
    expect(timeline.samplesPerPixel).toBe(fittedSpp);
    expect(timeline.scroll).toBe(0);
  });

  it('keeps the scroll in samples when the lanes are scrolled', async () => {
    const { timeline } = await setup();
    timeline.zoomTo(100, 0);
    timeline.scrolledTo(250);
    expect(timeline.scroll).toBe(25_000);
    expect(timeline.scrollPx).toBe(250);
  });
});

describe('dragging clips', () => {
  it('previews a move without calling the core, then commits it once on release', async () => {
    const { timeline, core, get, clips } = await setup();
    timeline.snapping.enabled = false;
    const c = get(2);
    timeline.beginDrag(c, 'move', 10.5 * SR);
    timeline.dragTo(11 * SR);
    timeline.dragTo(13.5 * SR);
    expect(core.calls).toEqual([]);
    expect(timeline.placement(c).start).toBe(13 * SR);
    expect(timeline.box(c).left).toBeCloseTo(timeline.xOf(13 * SR), 9);
    // The core's own clip is untouched until release.
    expect(get(2).start).toBe(10 * SR);

    await timeline.endDrag();
    expect(core.calls).toEqual([{ method: 'clips.move', params: { clipId: 2, start: 13 * SR } }]);
    expect(timeline.drag).toBeNull();
    expect(get(2).start).toBe(13 * SR);
    expect(clips.find((x) => x.id === 2)!.start).toBe(13 * SR);
  });

  it('shows a clip dragged to another track there, and sends the track with the move', async () => {
    const { timeline, core, get } = await setup();
    timeline.snapping.enabled = false;
    timeline.beginDrag(get(1), 'move', SR);
    timeline.dragTo(SR, { trackId: 2 });
    expect(timeline.clipsByTrack.get(2)!.map((c) => c.id)).toEqual([1]);
    expect(timeline.clipsByTrack.get(1)!.map((c) => c.id)).toEqual([2]);
    await timeline.endDrag();
    expect(core.calls).toEqual([{ method: 'clips.move', params: { clipId: 1, start: 0, trackId: 2 } }]);
    expect(get(1).trackId).toBe(2);
  });

  it('snaps a moved clip to another clip edge, unless bypassed', async () => {
    const { timeline, get } = await setup();
    const spp = timeline.samplesPerPixel;
    // Clip 1 ends at 2 s; drag clip 2's start to 3 px after that end.
    timeline.beginDrag(get(2), 'move', 10 * SR);
    timeline.dragTo(2 * SR + 3 * spp);
    expect(timeline.placement(get(2)).start).toBe(2 * SR);
    expect(timeline.drag!.snappedTo).toBe(2 * SR);
    timeline.dragTo(2 * SR + 3 * spp, { bypassSnap: true });
    expect(timeline.placement(get(2)).start).toBe(Math.round(2 * SR + 3 * spp));
    expect(timeline.drag!.snappedTo).toBeNull();
    timeline.cancelDrag();
    expect(timeline.placement(get(2)).start).toBe(10 * SR);
  });

  it('commits a right trim as one trim, and a left trim as one trim with the new start (the audio stays in place)', async () => {
    const { timeline, core, get } = await setup();
    timeline.snapping.enabled = false;
    timeline.beginDrag(get(2), 'trim-end', 12 * SR);
    timeline.dragTo(11.5 * SR);
    await timeline.endDrag();
    expect(core.calls).toEqual([{ method: 'clips.trim', params: { clipId: 2, inPoint: 0, outPoint: 1.5 * SR } }]);

    core.calls.length = 0;
    timeline.beginDrag(get(2), 'trim-start', 10 * SR);
    timeline.dragTo(10.5 * SR);
    await timeline.endDrag();
    expect(core.calls).toEqual([{ method: 'clips.trim', params: { clipId: 2, inPoint: 0.5 * SR, outPoint: 1.5 * SR, start: 10.5 * SR } }]);
    expect(get(2)).toMatchObject({ start: 10.5 * SR, inPoint: 0.5 * SR, outPoint: 1.5 * SR });
  });

  it('sends nothing for a drag that ends where it began', async () => {
    const { timeline, core, get } = await setup();
    timeline.beginDrag(get(1), 'move', SR);
    timeline.dragTo(SR);
    await timeline.endDrag();
    expect(core.calls).toEqual([]);
    expect(timeline.drag).toBeNull();
  });

  it('keeps the preview while the core answers, and puts the clip back with a toast when it refuses', async () => {
    const { timeline, core, get, errors } = await setup();
    timeline.snapping.enabled = false;
    let refuse!: (e: unknown) => void;
    core.handlers['clips.move'] = () => new Promise((_, reject) => (refuse = reject));
    timeline.beginDrag(get(2), 'move', 10 * SR);
    timeline.dragTo(20 * SR);
    const done = timeline.endDrag();
    await settle();
    expect(timeline.drag?.committing).toBe(true);
    expect(timeline.placement(get(2)).start).toBe(20 * SR);
    // A second release or a new drag while committing changes nothing.
    timeline.beginDrag(get(1), 'move', 0);
    expect(timeline.drag?.clipId).toBe(2);
    refuse({ code: 'E_JOB_ACTIVE', message: 'A job is editing this clip.' });
    await done;
    expect(core.methods()).toEqual(['clips.move']);
    expect(timeline.drag).toBeNull();
    expect(timeline.placement(get(2)).start).toBe(10 * SR);
    expect(errors.entries.map((e) => [e.context, e.code])).toEqual([['Move clip 2', 'E_JOB_ACTIVE']]);
    errors.dispose();
  });
});

describe('range selection', () => {
  it('draws a range in samples, snapping its ends to clip edges', async () => {
    const { timeline, selection } = await setup();
    const spp = timeline.samplesPerPixel;
    timeline.beginRange(2 * SR + 2 * spp);
    timeline.rangeTo(5 * SR);
    expect(selection.range).toEqual({ start: 2 * SR, end: 5 * SR });
    // Backwards past the start: ends are ordered.
    timeline.rangeTo(SR);
    expect(selection.range).toEqual({ start: SR, end: 2 * SR });
    timeline.endRange();
    timeline.rangeTo(7 * SR);
    expect(selection.range).toEqual({ start: SR, end: 2 * SR });
  });

  it('clears the range on a click without a drag', async () => {
    const { timeline, selection } = await setup();
    timeline.snapping.enabled = false;
    selection.setRange({ start: 100, end: 200 });
    timeline.beginRange(5 * SR);
    timeline.rangeTo(5 * SR);
    timeline.endRange();
    expect(selection.range).toBeNull();
  });
});

describe('zoom and scroll', () => {
  it('zooms in and out by halves around the pointer, else the playhead in view, else the middle', async () => {
    const { timeline } = await setup();
    timeline.zoomTo(100, 0);
    timeline.pointer = { x: 200, trackId: null };
    const under = timeline.sampleAt(200);
    timeline.zoomIn();
    expect(timeline.samplesPerPixel).toBe(50);
    expect(timeline.sampleAt(200)).toBeCloseTo(under, 6);
    timeline.pointer = null;
    timeline.zoomOut();
    expect(timeline.samplesPerPixel).toBe(100);
    // No pointer and no playhead in view (the playhead is at 0, the view starts later): the middle stays.
    timeline.scrollToSample(50_000);
    const middle = timeline.sampleAt(timeline.viewportPx / 2);
    timeline.zoomIn();
    expect(timeline.sampleAt(timeline.viewportPx / 2)).toBeCloseTo(middle, 6);
  });

  it('goes from an hour across the view down to single samples, and no further', async () => {
    const { timeline } = await setup();
    for (let i = 0; i < 40; i++) timeline.zoomOut();
    expect(timeline.samplesPerPixel).toBeCloseTo((3600 * SR) / 1224, 6);
    for (let i = 0; i < 60; i++) timeline.zoomIn();
    expect(timeline.samplesPerPixel).toBe(1 / 16);
    expect(timeline.pxPerSecond).toBe(16 * SR);
  });

  it('fits an hour-long arrangement in the view', async () => {
    const { timeline } = await setup([clip(1, { start: 0, outPoint: 3600 * SR, takeLength: 3600 * SR })]);
    expect(timeline.visible.end).toBeGreaterThan(3600 * SR);
    // 8 % of room after the content (and the 24 px fit margin).
    expect(timeline.visible.end).toBeLessThan(4000 * SR);
  });

  it('zooms with Ctrl+wheel around the mouse, scrolls with Shift+wheel and sideways swipes, leaves plain wheels alone', async () => {
    const { timeline } = await setup();
    timeline.zoomTo(100, 0);
    const under = timeline.sampleAt(300);
    expect(timeline.wheel({ deltaX: 0, deltaY: -100, ctrlKey: true, metaKey: false, shiftKey: false, x: 300 })).toBe(true);
    expect(timeline.samplesPerPixel).toBeCloseTo(100 / 1.5, 6);
    expect(timeline.sampleAt(300)).toBeCloseTo(under, 6);
    const spp = timeline.samplesPerPixel;
    const from = timeline.scroll;
    expect(timeline.wheel({ deltaX: 30, deltaY: 2, ctrlKey: false, metaKey: false, shiftKey: false, x: 0 })).toBe(true);
    expect(timeline.scroll - from).toBeCloseTo(30 * spp, 6);
    expect(timeline.wheel({ deltaX: 0, deltaY: 100, ctrlKey: false, metaKey: false, shiftKey: false, x: 0 })).toBe(false);
  });

  it('calls a run of zoom steps a gesture until the zoom settles, and a single step not', async () => {
    vi.useFakeTimers();
    try {
      const { timeline } = await setup();
      timeline.zoomIn();
      // One step (a button, a key press): the lanes keep every clip's element.
      expect(timeline.zoomGesture).toBe(false);
      expect(timeline.strip.margin).toBe(0);
      vi.advanceTimersByTime(100);
      timeline.zoomIn();
      expect(timeline.zoomGesture).toBe(true);
      vi.advanceTimersByTime(100);
      timeline.wheel({ deltaX: 0, deltaY: -100, ctrlKey: true, metaKey: false, shiftKey: false, x: 300 });
      expect(timeline.zoomGesture).toBe(true);
      // Settled: the strip is laid out wide again and the gesture is over.
      vi.advanceTimersByTime(180);
      expect(timeline.zoomGesture).toBe(false);
      expect(timeline.strip.margin).toBe(1);
      timeline.zoomOut();
      expect(timeline.zoomGesture).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('eases a wheel notch over frames (smooth scroll) to where it would jump', async () => {
    const frames: (() => void)[] = [];
    const world = await setup();
    const timeline = new TimelineController({
      project: (world.timeline as unknown as { project: never }).project,
      arrangement: world.arrangement,
      selection: world.selection,
      errors: world.errors,
      frame: (cb) => void frames.push(cb),
    });
    timeline.setViewport(1224);
    timeline.zoomTo(10, 0);
    timeline.scrollBy(120);
    expect(timeline.scroll).toBe(0);
    for (let i = 0; i < 40 && frames.length; i++) frames.shift()!();
    expect(timeline.scroll).toBeCloseTo(1200, 6);
  });

  it('zooms to the range, else to the selected clips (Z)', async () => {
    const { timeline, selection } = await setup();
    selection.setClips([2]);
    timeline.zoomToSelection();
    expect(timeline.visible.start).toBeLessThan(10 * SR);
    expect(timeline.visible.end).toBeGreaterThan(12 * SR);
    expect(timeline.visible.end - timeline.visible.start).toBeLessThan(2.2 * SR);
    selection.setRange({ start: SR, end: SR + 480 });
    timeline.zoomToSelection();
    expect(timeline.xOf(SR)).toBeCloseTo(24, 6);
    expect(timeline.xOf(SR + 480)).toBeCloseTo(1224 - 24, 6);
  });

  it('remembers its view: zoom, scroll and track heights', async () => {
    const { timeline } = await setup();
    timeline.zoomTo(64, 0);
    timeline.scrollToSample(SR);
    timeline.setTrackHeight(2, 1000);
    const saved = JSON.parse(JSON.stringify(timeline.snapshot())) as Record<string, unknown>;
    timeline.reset();
    timeline.trackHeights = {};
    timeline.restore(saved);
    expect(timeline.samplesPerPixel).toBe(64);
    expect(timeline.scroll).toBe(SR);
    expect(timeline.heightOf(2)).toBe(400);
    expect(timeline.heightOf(1)).toBe(104);
  });
});

describe('snapping', () => {
  it('snaps to the playhead and to pauses inside clips, and not at all when off (N)', async () => {
    const world = fakeProject([track(1), track(2)], [clip(1, { start: 0 }), clip(2, { start: 10 * SR })]);
    const errors = new ErrorsController();
    const project = new ProjectController(world.client, errors);
    const arrangement = new ArrangementController(world.client, errors, () => project.isOpen);
    const selection = new SelectionController(arrangement);
    let playhead = 5 * SR;
    const timeline = new TimelineController({
      project,
      arrangement,
      selection,
      errors,
      playhead: () => playhead,
      // A pause 1.5 s into clip 2.
      pauses: (c) => (c.id === 2 ? [c.start + 1.5 * SR] : []),
    });
    await project.sync();
    await arrangement.refresh();
    timeline.setViewport(1224);
    const spp = timeline.samplesPerPixel;
    expect(timeline.snapped(5 * SR + 3 * spp)).toBe(5 * SR);
    expect(timeline.snapped(11.5 * SR - 2 * spp)).toBe(11.5 * SR);
    expect(timeline.snapped(11.5 * SR - 2 * spp, true)).toBe(Math.round(11.5 * SR - 2 * spp));
    timeline.toggleSnapping();
    expect(timeline.snapped(5 * SR + 3 * spp)).toBe(Math.round(5 * SR + 3 * spp));
    playhead = 0;
  });
});

describe('editing a selection', () => {
  it('moves the selected clips together in one moveMany, across tracks, never before 0', async () => {
    const { timeline, core, get, selection } = await setup();
    timeline.snapping.enabled = false;
    selection.setClips([1, 2]);
    timeline.beginDrag(get(2), 'move', 10 * SR);
    timeline.dragTo(9 * SR, { trackId: 2 });
    // Clip 1 would go before 0: the group stops there, keeping its shape.
    expect(timeline.placement(get(1))).toMatchObject({ start: 0, trackId: 2 });
    expect(timeline.placement(get(2))).toMatchObject({ start: 10 * SR, trackId: 2 });
    timeline.dragTo(12 * SR, { trackId: 2 });
    await timeline.endDrag();
    expect(core.calls).toEqual([
      { method: 'clips.moveMany', params: { moves: [{ clipId: 1, start: 2 * SR, trackId: 2 }, { clipId: 2, start: 12 * SR, trackId: 2 }] } },
    ]);
    expect([get(1).trackId, get(2).trackId]).toEqual([2, 2]);
  });

  it('selects the clips a marquee touches, across tracks', async () => {
    const { timeline, selection } = await setup([clip(1, { start: 0 }), clip(2, { start: 10 * SR }), clip(3, { trackId: 2, start: 5 * SR })]);
    const x = (s: number) => timeline.xOf(s);
    timeline.beginMarquee(x(1.5 * SR), 10);
    timeline.marqueeTo(x(6 * SR), 150);
    expect(timeline.marquee).not.toBeNull();
    timeline.endMarquee();
    expect(selection.clipIds.sort()).toEqual([1, 3]);
    // With Shift (add), a second marquee keeps the first one's clips.
    timeline.beginMarquee(x(10.5 * SR), 10, true);
    timeline.marqueeTo(x(11 * SR), 20);
    timeline.endMarquee();
    expect(selection.clipIds.sort()).toEqual([1, 2, 3]);
  });

  it('nudges the selection by 10 ms (100 ms coarse) in one entry', async () => {
    const { timeline, core, selection, get } = await setup();
    selection.setClips([2]);
    await timeline.nudge(1);
    expect(core.calls).toEqual([{ method: 'clips.move', params: { clipId: 2, start: 10 * SR + 480 } }]);
    core.calls.length = 0;
    selection.setClips([1, 2]);
    await timeline.nudge(-1, true);
    // Clip 1 is at 0 already: the group cannot go left, nothing is sent.
    expect(core.calls).toEqual([]);
    expect(get(2).start).toBe(10 * SR + 480);
    selection.setClips([]);
    expect(await timeline.nudge(1)).toBe(false);
  });

  it('splits the selected clips at a sample, else those under it on the selected track', async () => {
    const { timeline, core, selection } = await setup();
    selection.setClips([2]);
    await timeline.splitAt(11 * SR);
    expect(core.calls.filter((c) => c.method === 'clips.split')).toEqual([{ method: 'clips.split', params: { clipId: 2, at: 11 * SR } }]);
    // The right half joins the selection.
    expect(selection.clipIds).toHaveLength(2);
    core.calls.length = 0;
    selection.setClips([]);
    selection.selectTrack(1);
    await timeline.splitAt(SR);
    expect(core.calls.filter((c) => c.method === 'clips.split')).toEqual([{ method: 'clips.split', params: { clipId: 1, at: SR } }]);
    // Outside every clip: nothing.
    core.calls.length = 0;
    await timeline.splitAt(5 * SR);
    expect(core.calls).toEqual([]);
  });

  it('copies and pastes at the cursor on the selected track, and duplicates after the selection', async () => {
    const { timeline, core, selection } = await setup();
    selection.setClips([1, 2]);
    expect(timeline.copySelected()).toBe(true);
    selection.selectTrack(2);
    const span = await timeline.paste(20 * SR);
    expect(core.calls.find((c) => c.method === 'clips.copy')?.params).toEqual({ clipIds: [1, 2], start: 20 * SR, trackId: 2 });
    expect(span).toEqual({ start: 20 * SR, end: 32 * SR });
    expect(selection.clipIds).toHaveLength(2);
    core.calls.length = 0;
    selection.setClips([2]);
    await timeline.duplicate();
    expect(core.calls.find((c) => c.method === 'clips.copy')?.params).toEqual({ clipIds: [2], start: 12 * SR, trackId: 1 });
  });

  it('deletes the selection in one entry, and cuts', async () => {
    const { timeline, core, selection, arrangement } = await setup();
    selection.setClips([1, 2]);
    await timeline.cutSelected();
    expect(core.calls.find((c) => c.method === 'clips.deleteMany')?.params).toEqual({ clipIds: [1, 2] });
    expect(arrangement.clips).toEqual([]);
    expect(timeline.clipboard).toEqual([1, 2]);
  });
});

describe('tracks', () => {
  it('reorders a track by dragging its header, committed once on release', async () => {
    const { timeline, core, arrangement } = await setup();
    core.handlers['tracks.reorder'] = (p) => {
      const order = arrangement.tracks.filter((t) => t.id !== p.trackId);
      order.splice(p.index, 0, arrangement.track(p.trackId)!);
      return order.map((t, i) => ({ ...t, order: i }));
    };
    timeline.beginTrackDrag(2);
    timeline.trackDragTo(10);
    expect(timeline.tracks.map((t) => t.id)).toEqual([2, 1]);
    expect(core.calls).toEqual([]);
    await timeline.endTrackDrag();
    expect(core.calls).toEqual([{ method: 'tracks.reorder', params: { trackId: 2, index: 0 } }]);
    expect(arrangement.tracks.map((t) => t.id)).toEqual([2, 1]);
    expect(timeline.trackDrag).toBeNull();
  });

  it('lays tracks out by their heights and finds the track under a y', async () => {
    const { timeline } = await setup();
    timeline.setTrackHeight(1, 60);
    expect(timeline.trackLayout).toEqual([
      { id: 1, top: 0, height: 60 },
      { id: 2, top: 60, height: 104 },
    ]);
    expect(timeline.trackIndexAt(59)).toBe(0);
    expect(timeline.trackIndexAt(61)).toBe(1);
    expect(timeline.trackIndexAt(5000)).toBe(1);
    timeline.setTrackHeight(1, 10);
    expect(timeline.heightOf(1)).toBe(48);
  });
});
