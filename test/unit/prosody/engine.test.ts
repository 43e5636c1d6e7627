import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { createProsodyEngine } from '../../../src-main/engines/prosody';
import { findPauses, nearestPause, parseTags, speechTimeToClock } from '../../../src-main/engines/prosody/placement';
import {
  EMOTION_PRESETS,
  intensityScale,
  scaleParams,
  SPEED_PRESETS,
  STYLE_PRESETS,
} from '../../../src-main/engines/prosody/presets';
import { TAG_NAMES, TAG_RECIPES } from '../../../src-main/engines/prosody/tags';
import type { EditRequest } from '../../../src-main/engines/types';
import { harmonic } from './signals';

// EDITX-SPEC.md §2, copied verbatim.
const SPEC_EMOTION = 'happy, angry, sad, humour, confusion, disgusted, empathy, embarrass, fear, surprised, excited, depressed, coldness, admiration, remove';
const SPEC_STYLE = 'serious, arrogant, child, older, girl, pure, sister, sweet, ethereal, whisper, gentle, recite, generous, act_coy, warm, shy, comfort, authority, chat, radio, soulful, story, vivid, program, news, advertising, roar, murmur, shout, deeply, loudly, remove, exaggerated';
const SPEC_SPEED = 'faster, slower, more faster, more slower';
const SPEC_TAGS = '[Breathing] [Laughter] [Surprise-oh] [Confirmation-en] [Uhm] [Surprise-ah] [Surprise-wa] [Sigh] [Question-ei] [Dissatisfaction-hnn]';

const engine = createProsodyEngine();
const SR = 24000;
const clip = { sampleRate: SR, channels: [harmonic((t) => 140 + 20 * Math.sin(3 * t), SR, 1.5, 0.4)] };

function ctx(signal = new AbortController().signal, seen: number[] = []) {
  return { signal, progress: (v: number) => void seen.push(v) };
}

async function codeOf(req: Partial<EditRequest>): Promise<string> {
  try {
    await engine.edit(clip, { seed: 1, task: 'emotion', ...req } as EditRequest, ctx());
    return 'none';
  } catch (e) {
    return RetakeError.is(e) ? e.code : `not a RetakeError: ${String(e)}`;
  }
}

describe('capabilities', () => {
  it('offers every task and option with the exact EditX spellings', () => {
    const caps = engine.capabilities();
    expect(caps.id).toBe('prosody');
    expect(caps.tasks.emotion!.options.join(', ')).toBe(SPEC_EMOTION);
    expect(caps.tasks.style!.options.join(', ')).toBe(SPEC_STYLE);
    expect(caps.tasks.speed!.options.join(', ')).toBe(SPEC_SPEED);
    expect(Object.keys(caps.tasks).sort()).toEqual(['denoise', 'emotion', 'paralinguistic', 'speed', 'style', 'vad']);
    expect(caps.tasks.paralinguistic).toMatchObject({ needsText: true, needsNewText: true });
    expect(caps.tasks.emotion!.intensity && caps.tasks.style!.intensity).toBe(true);
    expect(caps.tasks.speed!.intensity).toBe(false);
    expect(TAG_NAMES.map((t) => `[${t}]`).join(' ')).toBe(SPEC_TAGS);
  });

  it('has a reason for every preset and tag, and exact speed ratios', () => {
    for (const p of [...EMOTION_PRESETS, ...STYLE_PRESETS, ...SPEED_PRESETS, ...TAG_RECIPES]) {
      expect(p.why.length).toBeGreaterThan(20);
    }
    expect(SPEED_PRESETS.map((s) => s.tempo)).toEqual([1.25, 0.8, 1.5, 0.67]);
  });
});

describe('intensity', () => {
  it('presets are written for 0.5; 0 is neutral and 1 doubles additive changes and squares ratios', () => {
    const sad = EMOTION_PRESETS.find((p) => p.option === 'sad')!;
    if (sad.kind !== 'shape') throw new Error('sad must be a shaping preset');
    expect(intensityScale(undefined)).toBe(1);
    const half = scaleParams(sad.params, 0.5);
    const full = scaleParams(sad.params, 1);
    const none = scaleParams(sad.params, 0);
    expect(half.pitchSt).toBe(sad.params.pitchSt);
    expect(full.pitchSt).toBe(2 * sad.params.pitchSt!);
    expect(full.rangeScale).toBeCloseTo(sad.params.rangeScale! ** 2, 12);
    expect(none).toMatchObject({ pitchSt: 0, rangeScale: 1, tempo: 1, loudnessDb: 0, breathiness: 0 });
    const whisper = STYLE_PRESETS.find((p) => p.option === 'whisper')!;
    if (whisper.kind !== 'shape') throw new Error('whisper must be a shaping preset');
    expect(scaleParams(whisper.params, 1).breathiness).toBe(1);
  });
});

describe('request validation', () => {
  it('reports unknown tasks and options, missing texts and bad intensity with their codes', async () => {
    expect(await codeOf({ task: 'sing' })).toBe('E_UNKNOWN_TASK');
    expect(await codeOf({ task: 'emotion', option: 'bored' })).toBe('E_UNKNOWN_OPTION');
    expect(await codeOf({ task: 'emotion' })).toBe('E_UNKNOWN_OPTION');
    expect(await codeOf({ task: 'speed', option: 'fast' })).toBe('E_UNKNOWN_OPTION');
    expect(await codeOf({ task: 'denoise', option: 'strong' })).toBe('E_UNKNOWN_OPTION');
    expect(await codeOf({ task: 'paralinguistic', newText: 'a[Laughter]' })).toBe('E_TEXT_REQUIRED');
    expect(await codeOf({ task: 'paralinguistic', text: 'a' })).toBe('E_TEXT_REQUIRED');
    expect(await codeOf({ task: 'paralinguistic', text: 'a', newText: 'a[Yodel]' })).toBe('E_UNKNOWN_OPTION');
    expect(await codeOf({ task: 'paralinguistic', text: 'a', newText: 'a' })).toBe('E_VALIDATION');
    expect(await codeOf({ task: 'emotion', option: 'sad', intensity: 1.5 })).toBe('E_VALIDATION');
  });

  it('rejects empty audio and NaN samples', async () => {
    const run = (audio: { sampleRate: number; channels: Float32Array[] }) =>
      engine.edit(audio, { seed: 1, task: 'speed', option: 'faster' }, ctx());
    await expect(run({ sampleRate: SR, channels: [new Float32Array(0)] })).rejects.toMatchObject({ code: 'E_EMPTY_AUDIO' });
    await expect(run({ sampleRate: SR, channels: [Float32Array.of(0, Number.NaN, 0)] })).rejects.toMatchObject({
      code: 'E_INVALID_SAMPLES',
    });
  });

  it('refuses 1 Hz, 4 GHz and 65-channel audio for every task with the limits, never a WASM trap', async () => {
    // A 1 Hz file used to end in "E_INTERNAL: remainder by zero" inside the stretcher, and denoise ran for minutes.
    const x = clip.channels[0]!.subarray(0, 2000);
    const requests: EditRequest[] = [
      { seed: 1, task: 'speed', option: 'faster' },
      { seed: 1, task: 'emotion', option: 'happy' },
      { seed: 1, task: 'style', option: 'whisper' },
      { seed: 1, task: 'denoise' },
      { seed: 1, task: 'vad' },
      { seed: 1, task: 'paralinguistic', text: 'hello', newText: 'hello [Laughter]' },
    ];
    for (const audio of [
      { sampleRate: 1, channels: [x] },
      { sampleRate: 3999, channels: [x] },
      { sampleRate: 4_000_000_000, channels: [x] },
      { sampleRate: SR, channels: Array.from({ length: 65 }, () => x) },
    ]) {
      for (const req of requests) {
        const e = await engine.edit(audio, req, ctx()).then(() => null, (err: unknown) => err);
        const label = `${req.task} at ${audio.sampleRate} Hz × ${audio.channels.length}`;
        expect(RetakeError.is(e, 'E_UNSUPPORTED_AUDIO'), `${label}: ${String(e)}`).toBe(true);
        expect((e as RetakeError).message, label).toMatch(/^Cannot edit this audio: .*4 kHz to 768 kHz and 1 to 64 channels/);
      }
    }
  });

  it('edits at both ends of the accepted rates', async () => {
    for (const sampleRate of [4000, 768000]) {
      const audio = { sampleRate, channels: [harmonic((t) => 140 + 20 * Math.sin(3 * t), sampleRate, 0.5, 0.4)] };
      const out = await engine.edit(audio, { seed: 1, task: 'speed', option: 'faster' }, ctx());
      expect(out.audio.sampleRate).toBe(sampleRate);
      expect(Math.abs(out.audio.channels[0]!.length / sampleRate - 0.4)).toBeLessThan(0.02);
    }
  });
});

describe('progress and cancellation', () => {
  it('reports progress in 0..1 ending at 1', async () => {
    const seen: number[] = [];
    await engine.edit(clip, { seed: 1, task: 'style', option: 'older' }, ctx(undefined, seen));
    expect(seen.length).toBeGreaterThan(3);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it('stops promptly with E_CANCELLED when aborted mid-run', async () => {
    const long = { sampleRate: SR, channels: [harmonic((t) => 120 + 10 * t, SR, 20, 0.4)] };
    const req: EditRequest = { seed: 1, task: 'emotion', option: 'fear' };
    const t0 = performance.now();
    await engine.edit(long, req, ctx());
    const full = performance.now() - t0;
    // Abort from inside a progress report past 20 %: the run must stop there, not finish and be relabelled at the end.
    const ac = new AbortController();
    let abortedAt = 0;
    let reportsAfter = 0;
    const run = engine.edit(long, req, {
      signal: ac.signal,
      progress: (v) => {
        if (abortedAt) reportsAfter++;
        else if (v > 0.2) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'E_CANCELLED' });
    const latency = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(reportsAfter, 'progress reports after the abort').toBeLessThanOrEqual(2);
    expect(latency, `${latency.toFixed(0)} ms after abort, full run ${full.toFixed(0)} ms`).toBeLessThan(Math.max(100, 0.1 * full));
  });
});

describe('tag placement', () => {
  it('parses tags into letter positions of the clean text', () => {
    const p = parseTags('Great[Laughter], the weather is so nice today[Surprise-ah].', TAG_NAMES);
    expect(p.clean).toBe('Great, the weather is so nice today.');
    expect(p.marks.map((m) => m.tag)).toEqual(['Laughter', 'Surprise-ah']);
    expect(p.marks[0]!.units).toBe(5);
    expect(p.marks[1]!.fraction).toBe(1);
    const zh = parseTags('我觉得[Uhm]这个计划', TAG_NAMES);
    expect(zh.marks[0]!.fraction).toBeCloseTo(3 / 7, 9);
  });

  it('maps a fraction onto speech time and snaps to the nearest pause', () => {
    const segs = [
      { start: 0.5, end: 1.5 },
      { start: 2, end: 4 },
    ];
    expect(speechTimeToClock(0, segs, 5)).toBe(0.5);
    expect(speechTimeToClock(0.5, segs, 5)).toBeCloseTo(2.5, 9);
    expect(speechTimeToClock(1, segs, 5)).toBe(4);
    const x = new Float32Array(5 * SR);
    for (const s of segs) for (let i = s.start * SR; i < s.end * SR; i++) x[i] = 0.3 * Math.sin(i * 0.07);
    const pauses = findPauses(x, SR, segs);
    expect(pauses.map((p) => p.kind)).toEqual(['start', 'gap', 'end']);
    expect(nearestPause(1.6, pauses).kind).toBe('gap');
    expect(nearestPause(3.9, pauses).kind).toBe('end');
  });
});
