// The timeline transport over a fake core and a fake audio output: it plays the mix of every track from the cursor
// (muted and un-soloed tracks at gain 0, changed live), the playhead follows the output's clock, Space-stop returns
// to the cursor, a seek while playing goes on from there, the loop span is the range or the selected clips, an edit
// while playing restarts with the new program, the end of the program stops it, and the audition taking the output
// stops the transport.

import { describe, expect, it } from 'vitest';
import { SharedOutput } from '../../../src-renderer/audio/shared-output';
import { ArrangementController } from '../../../src-renderer/lib/arrangement.svelte';
import { ErrorsController } from '../../../src-renderer/lib/errors.svelte';
import { ProjectController } from '../../../src-renderer/lib/project.svelte';
import { SelectionController } from '../../../src-renderer/lib/selection.svelte';
import { TimelineController } from '../../../src-renderer/timeline/timeline.svelte';
import { trackGain, TransportController } from '../../../src-renderer/timeline/transport.svelte';
import { clip, fakeProject, settle, SR, track } from './fake-core';
import { FakeOutput, ManualFrames } from './fake-output';

async function setup() {
  const world = fakeProject(
    [track(1), { ...track(2), gainDb: -6 }, { ...track(3), muted: true }],
    [clip(1, { start: 0 }), clip(2, { trackId: 2, start: SR, inPoint: SR / 2, outPoint: 2 * SR }), clip(3, { trackId: 3, start: 0 })],
  );
  const errors = new ErrorsController();
  const project = new ProjectController(world.client, errors);
  const arrangement = new ArrangementController(world.client, errors, () => project.isOpen);
  const selection = new SelectionController(arrangement);
  const frames = new ManualFrames();
  const holder: { transport?: TransportController } = {};
  const timeline = new TimelineController({ project, arrangement, selection, errors, playhead: () => holder.transport?.position ?? 0, frame: frames.schedule });
  const fake = new FakeOutput();
  const output = new SharedOutput(fake);
  const transport = (holder.transport = new TransportController({ project, arrangement, timeline, errors, output, resolveUrl: (u) => `http://x${u}`, frame: frames.schedule }));
  await project.sync();
  await arrangement.refresh();
  timeline.setViewport(1000);
  world.core.handlers['tracks.setMix'] = (p) => ({ ...arrangement.track(p.trackId)!, ...p });
  return { ...world, errors, arrangement, selection, timeline, transport, fake, output, frames };
}

describe('playing the mix', () => {
  it('plays every clip on its track bus from the cursor, muted tracks at gain 0', async () => {
    const { transport, fake } = await setup();
    await transport.seek(SR / 2);
    await transport.play();
    expect(transport.playing).toBe(true);
    const { program, from, loop } = fake.plays[0]!;
    expect(from).toBe(0.5);
    expect(loop).toBeNull();
    expect(program.buses).toEqual({ '1': 1, '2': expect.closeTo(10 ** (-6 / 20), 9), '3': 0 });
    expect(program.segments.map((s) => [s.key, s.bus, s.start, s.offset, s.duration, s.url])).toEqual([
      ['clip-1', '1', 0, 0, 2, 'http://x/media/h1.wav'],
      ['clip-2', '2', 1, 0.5, 1.5, 'http://x/media/h2.wav'],
      ['clip-3', '3', 0, 0, 2, 'http://x/media/h3.wav'],
    ]);
  });

  it('moves the playhead with the output clock, and Space-stop returns it to the cursor', async () => {
    const { transport, fake, frames } = await setup();
    await transport.seek(SR);
    await transport.play();
    fake.elapsed = 0.25;
    frames.run();
    expect(transport.position).toBe(1.25 * SR);
    await transport.toggle();
    expect(transport.playing).toBe(false);
    expect(fake.stops).toBe(1);
    expect(transport.position).toBe(SR);
    expect(transport.cursor).toBe(SR);
  });

  it('seeks while playing: the cursor moves and playback goes on from there', async () => {
    const { transport, fake } = await setup();
    await transport.play();
    await transport.seek(3 * SR);
    expect(fake.plays.map((p) => p.from)).toEqual([0, 3]);
    expect(transport.playing).toBe(true);
    expect(transport.cursor).toBe(3 * SR);
  });

  it('loops the time range, else the selected clips, while loop is on', async () => {
    const { transport, fake, selection } = await setup();
    selection.setRange({ start: SR / 4, end: SR });
    transport.toggleLoop();
    expect(transport.loopSpan).toEqual({ start: SR / 4, end: SR });
    await transport.play();
    expect(fake.plays[0]!.loop).toEqual({ start: 0.25, end: 1 });
    transport.stop();
    selection.setRange(null);
    selection.setClips([2]);
    expect(transport.loopSpan).toEqual({ start: SR, end: 2.5 * SR });
    transport.toggleLoop();
    expect(transport.loopSpan).toBeNull();
  });

  it('hears mute, solo and gain at once, without restarting', async () => {
    const { transport, fake, arrangement } = await setup();
    await transport.play();
    fake.gains.length = 0;
    await arrangement.setMix(arrangement.track(1)!, { solo: true });
    transport.applyMix();
    expect(Object.fromEntries(fake.gains)).toEqual({ '1': 1, '2': 0, '3': 0 });
    expect(fake.plays).toHaveLength(1);
    expect(trackGain({ ...arrangement.track(3)!, solo: true }, true)).toBe(0);
  });

  it('goes on with the new arrangement when a clip is edited while playing', async () => {
    const { transport, fake, arrangement, timeline, frames } = await setup();
    await transport.play();
    fake.elapsed = 0.5;
    frames.run();
    transport.arrangementChanged();
    expect(fake.plays).toHaveLength(1);
    timeline.snapping.enabled = false;
    timeline.beginDrag(arrangement.clip(1)!, 'move', 0);
    timeline.dragTo(SR);
    await timeline.endDrag();
    transport.arrangementChanged();
    await settle();
    expect(fake.plays).toHaveLength(2);
    expect(fake.plays[1]!.from).toBe(0.5);
    expect(fake.plays[1]!.program.segments[0]!.start).toBe(1);
  });

  it('stops at the end of the program, back at the cursor, and when the audition takes the output', async () => {
    const { transport, fake, output } = await setup();
    await transport.seek(SR);
    await transport.play();
    fake.end();
    expect(transport.playing).toBe(false);
    expect(transport.position).toBe(SR);
    await transport.play();
    const audition = { stopped: 0, outputStopped() { this.stopped++; } };
    output.claim(audition);
    expect(transport.playing).toBe(false);
    expect(audition.stopped).toBe(0);
  });

  it('pages the view to follow the playhead, unless follow is off', async () => {
    const { transport, fake, frames, timeline } = await setup();
    // 1 s across the view: at 1.5 s the playhead is out of it, and the view pages to put it 10 % in.
    timeline.zoomTo(SR / 1000, 0);
    await transport.play();
    fake.elapsed = 0.5;
    frames.run();
    expect(timeline.scroll).toBe(0);
    fake.elapsed = 1.5;
    frames.run();
    expect(timeline.scroll).toBeCloseTo(1.4 * SR, 6);
    const scrolled = timeline.scroll;
    transport.toggleFollow();
    fake.elapsed = 2.4;
    frames.run();
    expect(timeline.scroll).toBe(scrolled);
  });
});
