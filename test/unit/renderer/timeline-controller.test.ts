// The TimelineController over a fake core: the fitted zoom matches the px/s view it replaces, a zoom keeps its anchor,
// a drag is only a preview until release and is then committed with one call per change (snapped, across tracks,
// trims), a refused commit leaves the clip as it was with a toast, and a range is drawn in samples with snapping.

import { describe, expect, it } from 'vitest';
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
