// The page's audio output: plays a program (the clips of the timeline on their track buses, or one take for the
// audition) from a position, optionally looping a span, by STREAMING: WAV media is read block by block with HTTP
// range requests and scheduled sample-accurately as AudioBufferSourceNodes a little ahead of the clock; other formats
// (FLAC, MP3, Ogg) play through an HTMLAudioElement per clip fed into Web Audio by a MediaElementAudioSourceNode.
// Nothing decodes a whole file, so an hour starts as fast as a second and the page holds only the look-ahead.
// Track buses carry gain, mute and solo (changed live); the master feeds the meter (peak and EBU loudness).

import { LoudnessMeter, K_WEIGHTING, type MeterReading } from './loudness';
import { NotWav, WavReaders } from './wav-reader';

/** One clip's part of a program, in seconds. */
export interface Segment {
  /** Stable key (the clip or take it plays). */
  key: string;
  /** Track bus it plays on. */
  bus: string;
  url: string;
  /** Timeline time of its first sound. */
  start: number;
  /** Seconds into the media at `start`. */
  offset: number;
  duration: number;
  /** Linear gain of the clip. */
  gain: number;
}

export interface Program {
  segments: Segment[];
  /** Linear gain of each bus (0 for muted, or not soloed while another track is). */
  buses: Record<string, number>;
}

export interface LoopSpan {
  start: number;
  end: number;
}

/** What the transport and the audition need of an output (a fake stands in for it in tests). */
export interface AudioOutput {
  /** Starts playing `program` from `from` seconds; resolves once the first sound is scheduled. */
  play(program: Program, from: number, loop: LoopSpan | null): Promise<void>;
  stop(): void;
  /** The timeline time now playing (seconds), or null when stopped. */
  position(): number | null;
  /** The program ran out (no loop). */
  onEnded(cb: () => void): () => void;
  setBusGain(bus: string, gain: number): void;
  /** The master meter now. */
  meter(): MeterReading;
  dispose(): void;
}

// The first block is short so the first sound needs only a small read; later blocks are longer (fewer requests).
const FIRST_BLOCK_SEC = 0.25;
const BLOCK_SEC = 1;
// Blocks are scheduled this far ahead of the clock: enough to ride out a slow read on a busy machine.
const LOOKAHEAD_SEC = 2.5;
const PUMP_MS = 100;
// Time between the first block arriving and its first sample playing (the output's own latency comes on top).
const START_MARGIN_SEC = 0.03;
// Fades at clip edges, loop wraps and stops: short enough to be inaudible as a fade, long enough to stop a click.
const EDGE_FADE_SEC = 0.003;
const STOP_FADE_SEC = 0.01;
// The meter reads the newest samples from analysers this long (170 ms at 48 kHz: longer than any frame gap).
const METER_FFT = 8192;

interface Pass {
  /** Context time at which timeline time `tlStart` plays. */
  ctxStart: number;
  tlStart: number;
  /** Timeline time at which this pass ends (loop end, or the program's end). */
  tlEnd: number;
}

interface Run {
  id: number;
  program: Program;
  loop: LoopSpan | null;
  passes: Pass[];
  /** Timeline time scheduled up to, in the last pass. */
  cursor: number;
  /** Sources and elements to stop. */
  nodes: Set<AudioScheduledSourceNode>;
  elements: Set<HTMLAudioElement>;
  timers: Set<ReturnType<typeof setTimeout>>;
  ended: boolean;
  pump: ReturnType<typeof setInterval> | null;
  /** Segments that must play through a media element (not WAV). */
  elementKeys: Set<string>;
}

export class MixEngine implements AudioOutput {
  private ctx: AudioContext | null = null;
  private master: GainNode | null = null;
  private readonly buses = new Map<string, GainNode>();
  private readonly readers: WavReaders;
  private run: Run | null = null;
  private runIds = 0;
  private readonly endedListeners = new Set<() => void>();
  private readonly loudness = new LoudnessMeter();
  private analysers: { plain: AnalyserNode[]; weighted: AnalyserNode[] } | null = null;
  private meterBuf: Float32Array<ArrayBuffer> | null = null;
  private lastMeterT = 0;

  constructor(readers = new WavReaders()) {
    this.readers = readers;
  }

  private context(): AudioContext {
    if (this.ctx) return this.ctx;
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    const master = ctx.createGain();
    master.connect(ctx.destination);
    // Meter taps: plain (sample peak) and K-weighted (loudness), per output channel.
    const channels = Math.max(1, Math.min(2, ctx.destination.channelCount));
    const splitPlain = ctx.createChannelSplitter(channels);
    const shelf = ctx.createBiquadFilter();
    shelf.type = 'highshelf';
    shelf.frequency.value = K_WEIGHTING.shelf.frequency;
    shelf.gain.value = K_WEIGHTING.shelf.gainDb;
    const hp = ctx.createBiquadFilter();
    hp.type = 'highpass';
    hp.frequency.value = K_WEIGHTING.highpass.frequency;
    hp.Q.value = K_WEIGHTING.highpass.q;
    const splitK = ctx.createChannelSplitter(channels);
    master.connect(splitPlain);
    master.connect(shelf).connect(hp).connect(splitK);
    const make = (split: ChannelSplitterNode) =>
      Array.from({ length: channels }, (_, c) => {
        const a = ctx.createAnalyser();
        a.fftSize = METER_FFT;
        split.connect(a, c);
        return a;
      });
    this.analysers = { plain: make(splitPlain), weighted: make(splitK) };
    this.meterBuf = new Float32Array(METER_FFT);
    this.ctx = ctx;
    this.master = master;
    return ctx;
  }

  private bus(key: string, gain: number): GainNode {
    const ctx = this.context();
    let g = this.buses.get(key);
    if (!g) {
      g = ctx.createGain();
      g.connect(this.master!);
      this.buses.set(key, g);
    }
    g.gain.value = gain;
    return g;
  }

  setBusGain(bus: string, gain: number): void {
    const g = this.buses.get(bus);
    if (g && this.ctx) g.gain.setTargetAtTime(gain, this.ctx.currentTime, 0.01);
  }

  onEnded(cb: () => void): () => void {
    this.endedListeners.add(cb);
    return () => this.endedListeners.delete(cb);
  }

  async play(program: Program, from: number, loop: LoopSpan | null): Promise<void> {
    this.stop();
    const ctx = this.context();
    await ctx.resume();
    const id = ++this.runIds;
    for (const [key, gain] of Object.entries(program.buses)) this.bus(key, gain);
    const master = this.master!;
    master.gain.cancelScheduledValues(ctx.currentTime);
    master.gain.setValueAtTime(1, ctx.currentTime);
    const validLoop = loop && loop.end - loop.start > 0.01 ? loop : null;
    const start = validLoop && (from < validLoop.start || from >= validLoop.end) ? validLoop.start : from;
    const run: Run = {
      id,
      program,
      loop: validLoop,
      passes: [],
      cursor: start,
      nodes: new Set(),
      elements: new Set(),
      timers: new Set(),
      ended: false,
      pump: null,
      elementKeys: new Set(),
    };
    this.run = run;
    // Open every WAV reader the first block needs (and learn which segments are not WAV) before the clock starts.
    const first = program.segments.filter((s) => s.start < start + FIRST_BLOCK_SEC && s.start + s.duration > start);
    const firstBlocks = await Promise.all(
      first.map(async (s) => {
        try {
          const reader = await this.readers.get(s.url);
          return { s, reader };
        } catch (e) {
          if (e instanceof NotWav) {
            run.elementKeys.add(s.key);
            return null;
          }
          throw e;
        }
      }),
    );
    if (this.run !== run) return;
    const end = validLoop ? validLoop.end : programEnd(program);
    run.passes.push({ ctxStart: ctx.currentTime + START_MARGIN_SEC, tlStart: start, tlEnd: end });
    // The first block is read before its time is fixed, so it always starts on time.
    const firstEnd = Math.min(end, start + FIRST_BLOCK_SEC);
    await Promise.all(firstBlocks.filter((x) => x !== null).map(({ s }) => this.scheduleBlock(run, run.passes[0]!, s, start, firstEnd, true)));
    if (this.run !== run) return;
    run.passes[0]!.ctxStart = Math.max(run.passes[0]!.ctxStart, ctx.currentTime + START_MARGIN_SEC);
    for (const n of run.nodes) (n as AudioBufferSourceNode & { __start?: () => void }).__start?.();
    for (const s of program.segments) if (run.elementKeys.has(s.key)) this.scheduleElement(run, run.passes[0]!, s);
    run.cursor = firstEnd;
    this.pump(run);
    run.pump = setInterval(() => this.pump(run), PUMP_MS);
  }

  /** Schedules blocks until LOOKAHEAD_SEC ahead of the clock; starts new loop passes; notices the end. */
  private pump(run: Run): void {
    if (this.run !== run || !this.ctx) return;
    const ctx = this.ctx;
    let pass = run.passes.at(-1)!;
    if (!run.loop && ctx.currentTime >= pass.ctxStart + (pass.tlEnd - pass.tlStart)) {
      this.finish(run);
      return;
    }
    const horizon = ctx.currentTime + LOOKAHEAD_SEC;
    while (pass.ctxStart + (run.cursor - pass.tlStart) < horizon) {
      if (run.cursor >= pass.tlEnd - 1e-9) {
        if (!run.loop) return;
        const next: Pass = { ctxStart: pass.ctxStart + (pass.tlEnd - pass.tlStart), tlStart: run.loop.start, tlEnd: run.loop.end };
        run.passes.push(next);
        if (run.passes.length > 4) run.passes.shift();
        pass = next;
        run.cursor = next.tlStart;
        for (const s of run.program.segments) if (run.elementKeys.has(s.key)) this.scheduleElement(run, pass, s);
        continue;
      }
      const a = run.cursor;
      const b = Math.min(pass.tlEnd, a + BLOCK_SEC);
      for (const s of run.program.segments) {
        if (s.start >= b || s.start + s.duration <= a || run.elementKeys.has(s.key)) continue;
        void this.scheduleBlock(run, pass, s, a, b, false).catch((e: unknown) => {
          if (e instanceof NotWav) {
            if (run.elementKeys.has(s.key)) return;
            run.elementKeys.add(s.key);
            this.scheduleElement(run, pass, s);
          } else console.warn(`Playback of ${s.url} failed:`, e);
        });
      }
      run.cursor = b;
    }
  }

  /**
   * Reads the frames of `s` that play in timeline [a, b) of `pass` and schedules them. Frame boundaries come from the
   * block boundaries through one formula, so consecutive blocks abut to the sample. `hold`: the first block, started
   * by play() once every first block is in (its context time is fixed then).
   */
  private async scheduleBlock(run: Run, pass: Pass, s: Segment, a: number, b: number, hold: boolean): Promise<void> {
    const reader = await this.readers.get(s.url);
    const rate = reader.layout.sampleRate;
    const from = Math.max(a, s.start);
    const to = Math.min(b, s.start + s.duration);
    if (to <= from) return;
    const frameOf = (t: number) => Math.round((s.offset + (t - s.start)) * rate);
    const fA = frameOf(from);
    const fB = frameOf(to);
    if (fB <= fA) return;
    const channels = await reader.read(fA, fB - fA);
    if (this.run !== run || !this.ctx || channels[0]!.length === 0) return;
    const ctx = this.ctx;
    const frames = channels[0]!.length;
    const buffer = ctx.createBuffer(channels.length, frames, rate);
    channels.forEach((ch, c) => buffer.copyToChannel(ch, c));
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    const gain = ctx.createGain();
    src.connect(gain).connect(this.buses.get(s.bus) ?? this.bus(s.bus, run.program.buses[s.bus] ?? 1));
    const fadeIn = from === s.start || from === pass.tlStart;
    const fadeOut = to === s.start + s.duration || to >= pass.tlEnd - 1e-9;
    const begin = () => {
      const when = pass.ctxStart + (from - pass.tlStart);
      const dur = frames / rate;
      const now = ctx.currentTime;
      const late = Math.max(0, now - when);
      if (late >= dur) return;
      const at = when + late;
      gain.gain.setValueAtTime(fadeIn && late === 0 ? 0 : s.gain, at);
      if (fadeIn && late === 0) gain.gain.linearRampToValueAtTime(s.gain, at + EDGE_FADE_SEC);
      if (fadeOut) {
        gain.gain.setValueAtTime(s.gain, when + dur - EDGE_FADE_SEC);
        gain.gain.linearRampToValueAtTime(0, when + dur);
      }
      src.start(at, late);
      run.nodes.add(src);
      src.onended = () => {
        run.nodes.delete(src);
        gain.disconnect();
      };
    };
    if (hold) {
      (src as AudioBufferSourceNode & { __start?: () => void }).__start = begin;
      run.nodes.add(src);
    } else begin();
  }

  /** A non-WAV segment for one pass: its media element is primed at the right place and started on time. */
  private scheduleElement(run: Run, pass: Pass, s: Segment): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const from = Math.max(pass.tlStart, s.start);
    const to = Math.min(pass.tlEnd, s.start + s.duration);
    if (to <= from) return;
    const el = new Audio();
    el.preload = 'auto';
    el.src = s.url;
    el.currentTime = s.offset + (from - s.start);
    const node = ctx.createMediaElementSource(el);
    const gain = ctx.createGain();
    gain.gain.value = s.gain;
    node.connect(gain).connect(this.buses.get(s.bus) ?? this.bus(s.bus, 1));
    run.elements.add(el);
    const when = pass.ctxStart + (from - pass.tlStart);
    const until = pass.ctxStart + (to - pass.tlStart);
    const later = (sec: number, fn: () => void) => {
      const t = setTimeout(() => {
        run.timers.delete(t);
        if (this.run === run) fn();
      }, Math.max(0, sec * 1000));
      run.timers.add(t);
    };
    later(when - ctx.currentTime, () => {
      // Started late (the element was still loading): jump to where the timeline is.
      const late = Math.max(0, ctx.currentTime - when);
      if (late > 0.05) el.currentTime = s.offset + (from - s.start) + late;
      void el.play().catch(() => {});
    });
    later(until - ctx.currentTime, () => {
      gain.gain.setTargetAtTime(0, ctx.currentTime, EDGE_FADE_SEC);
      later(EDGE_FADE_SEC * 5, () => {
        el.pause();
        node.disconnect();
        run.elements.delete(el);
        el.removeAttribute('src');
      });
    });
  }

  private finish(run: Run): void {
    this.teardown(run, false);
    for (const cb of [...this.endedListeners]) cb();
  }

  private teardown(run: Run, fade: boolean): void {
    if (this.run === run) this.run = null;
    run.ended = true;
    if (run.pump) clearInterval(run.pump);
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
    const ctx = this.ctx;
    const stopAt = ctx ? ctx.currentTime + (fade ? STOP_FADE_SEC : 0) : 0;
    if (ctx && fade && this.master) {
      // A short fade on the master, restored once the sources are gone.
      this.master.gain.setValueAtTime(this.master.gain.value, ctx.currentTime);
      this.master.gain.linearRampToValueAtTime(0, stopAt);
    }
    for (const n of run.nodes) {
      try {
        n.stop(stopAt);
      } catch {
        // a held first block that never started
      }
    }
    run.nodes.clear();
    for (const el of run.elements) {
      el.pause();
      el.removeAttribute('src');
    }
    run.elements.clear();
  }

  stop(): void {
    const run = this.run;
    if (run) this.teardown(run, true);
  }

  position(): number | null {
    const run = this.run;
    const ctx = this.ctx;
    if (!run || !ctx || run.passes.length === 0) return null;
    const now = ctx.currentTime;
    for (let i = run.passes.length - 1; i >= 0; i--) {
      const p = run.passes[i]!;
      if (now >= p.ctxStart || i === 0) return Math.min(p.tlEnd, p.tlStart + Math.max(0, now - p.ctxStart));
    }
    return null;
  }

  meter(): MeterReading {
    const ctx = this.ctx;
    const a = this.analysers;
    const buf = this.meterBuf;
    if (!ctx || !a || !buf) return this.loudness.read(0);
    const now = ctx.currentTime;
    const fresh = Math.min(METER_FFT, Math.max(0, Math.round((now - this.lastMeterT) * ctx.sampleRate)));
    this.lastMeterT = now;
    if (fresh > 0) {
      const take = (nodes: AnalyserNode[]) =>
        nodes.map((n) => {
          n.getFloatTimeDomainData(buf);
          return buf.slice(METER_FFT - fresh);
        });
      this.loudness.push(now, take(a.weighted), take(a.plain));
    }
    return this.loudness.read(now);
  }

  dispose(): void {
    this.stop();
    this.endedListeners.clear();
    void this.ctx?.close().catch(() => {});
    this.ctx = null;
    this.buses.clear();
    this.readers.clear();
  }
}

/** The end of the last segment. */
export function programEnd(p: Program): number {
  return p.segments.reduce((e, s) => Math.max(e, s.start + s.duration), 0);
}
