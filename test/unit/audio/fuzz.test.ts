// Decoder fuzz harness: a few hundred seeded malformed WAV / RF64 / FLAC / Ogg FLAC / Ogg Vorbis / MP3 files (see
// ./fuzz-cases) go through decodeAudio, probeAudio, the import's streaming decode of the same bytes as a file (which
// must reach the same outcome: the same rate, channels and length, or the same error code) and, when they decode,
// analyze. Every case must end in a valid decode
// (finite samples in range, equal channel lengths, a rate and channel count inside the limits) or in one RetakeError with
// a stable code other than E_INTERNAL and a one-line message; damage that a format can detect must be reported, never
// decoded around. Each case is bounded in time and memory: a case that takes seconds or hundreds of MB is unbounded
// work (a 48 KB file declaring 1 Hz once took 153 s and 6 GB).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src-main/audio/analysis';
import { decodeAudio, probeAudio } from '../../../src-main/audio/decode';
import { decodeFileStreaming } from '../../../src-main/audio/decode-stream';
import { limitProblem, MAX_SAMPLE_MAGNITUDE } from '../../../src-main/audio/limits';
import type { AudioData } from '../../../src-main/audio/types';
import { encodeWav } from '../../../src-main/audio/wav';
import { ERROR_CODES, RetakeError } from '../../../src-main/contract/errors';
import { fuzzCases, type BaseFiles } from './fuzz-cases';
import { removeTempDirs, tempDir, tool } from './helpers';

afterAll(removeTempDirs);

const SEED = 0x5eed2026;
/**
 * Per-case bounds. Valid cases here are 0.4 s of audio that decode and analyse in tens of milliseconds; 5 s is two
 * orders of magnitude of slack for a loaded machine and still far below what unbounded work costs.
 */
const CASE_MS = 5000;
/** No case may raise the process's peak resident memory by more than this over its resident memory before it. */
const CASE_BYTES = 512 * 1024 ** 2;

/** Speech-like test audio: a voiced tone with syllable-rate gating, so analyze has something to measure. */
function voice(sampleRate: number, channels: number, seconds = 0.4): AudioData {
  const n = Math.round(sampleRate * seconds);
  return {
    sampleRate,
    channels: Array.from({ length: channels }, (_, c) =>
      Float32Array.from({ length: n }, (_, i) => {
        const t = i / sampleRate;
        return (0.3 + 0.05 * c) * Math.sin(2 * Math.PI * 140 * t) * (0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t));
      }),
    ),
  };
}

/** RF64 as BWF MetaEdit and broadcast recorders write it: RIFF size and data size all ones, real sizes in ds64. */
function rf64(wav: Uint8Array): Uint8Array {
  const dataAt = 36; // a plain 16-byte fmt chunk: 'data' follows at 36
  const dataBytes = wav.length - dataAt - 8;
  const out = new Uint8Array(wav.length + 36);
  const v = new DataView(out.buffer);
  out.set([0x52, 0x46, 0x36, 0x34], 0); // RF64
  v.setUint32(4, 0xffffffff, true);
  out.set(wav.subarray(8, 12), 8); // WAVE
  out.set([0x64, 0x73, 0x36, 0x34], 12); // ds64
  v.setUint32(16, 28, true);
  v.setUint32(20, out.length - 8, true); // RIFF size (64 bits, little-endian)
  v.setUint32(28, dataBytes, true); // data size (64 bits)
  v.setUint32(36, Math.floor(dataBytes / 2), true); // sample count (64 bits)
  v.setUint32(44, 0, true); // table length
  out.set(wav.subarray(12, dataAt), 48); // fmt chunk
  out.set(wav.subarray(dataAt, dataAt + 4), 72); // 'data'
  v.setUint32(76, 0xffffffff, true); // see ds64
  out.set(wav.subarray(dataAt + 8), 80);
  return out;
}

function baseFiles(): BaseFiles {
  const dir = tempDir('fuzz');
  const wav16 = encodeWav(voice(16000, 1), 'pcm16');
  const stereo = join(dir, 'stereo.wav');
  writeFileSync(stereo, encodeWav(voice(44100, 2), 'pcm16'));
  const mono8k = join(dir, 'mono8k.wav');
  writeFileSync(mono8k, encodeWav(voice(8000, 1), 'pcm16'));
  tool('flac', ['-s', '-f', stereo, '-o', join(dir, 'a.flac')]);
  tool('flac', ['-s', '-f', '--ogg', stereo, '-o', join(dir, 'a.oga')]);
  tool('oggenc', ['-Q', stereo, '-o', join(dir, 'a.ogg')]);
  tool('lame', ['--quiet', '-b', '128', stereo, join(dir, 'a.mp3')]);
  tool('lame', ['--quiet', mono8k, join(dir, 'low.mp3')]);
  const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
  return {
    wav16,
    wavFloat: encodeWav(voice(22050, 1), 'float32'),
    rf64: rf64(wav16),
    flac: read('a.flac'),
    oggFlac: read('a.oga'),
    vorbis: read('a.ogg'),
    mp3: read('a.mp3'),
    mp3Low: read('low.mp3'),
  };
}

/** Why a decoded result is not valid audio, or null. */
function invalid(a: AudioData): string | null {
  if (a.channels.length === 0) return 'no channels';
  const lim = limitProblem(a.sampleRate, a.channels.length);
  if (lim) return lim.problem;
  const n = a.channels[0]!.length;
  if (n === 0) return 'no samples';
  for (const ch of a.channels) {
    if (ch.length !== n) return 'channels of different lengths';
    for (let i = 0; i < ch.length; i++) if (!(Math.abs(ch[i]!) <= MAX_SAMPLE_MAGNITUDE)) return `sample ${ch[i]} at ${i}`;
  }
  return null;
}

/** Why an error is not a clear one-line RetakeError with a stable code, or null. */
function unclear(e: unknown): string | null {
  if (!(e instanceof RetakeError)) return `not a RetakeError: ${String(e)}`;
  if (!(ERROR_CODES as readonly string[]).includes(e.code)) return `unknown code ${e.code}`;
  if (e.code === 'E_INTERNAL') return `E_INTERNAL: ${e.message}`;
  if (/\n/.test(e.message)) return `a message of several lines: ${e.message}`;
  if (e.message.length > 400) return `a message of ${e.message.length} characters`;
  return null;
}

describe('decoder fuzz harness', () => {
  it('ends every malformed file in a valid decode or one clear coded error, each within its time and memory bound', async () => {
    const cases = fuzzCases(baseFiles(), SEED);
    const fileDir = tempDir('fuzz-files');
    let fileNo = 0;
    const problems: string[] = [];
    const codes = new Map<string, number>();
    let decoded = 0;
    let analysed = 0;
    let worstMs = 0;
    let worstCase = '';
    let worstBytes = 0;
    const t0 = performance.now();
    const rssStart = process.memoryUsage().rss;
    for (const c of cases) {
      const rssBefore = process.memoryUsage().rss;
      const start = performance.now();
      let audio: AudioData | null = null;
      let codeOf: string | null = null;
      try {
        audio = await decodeAudio(c.bytes, `${c.name}.bin`);
      } catch (e) {
        const why = unclear(e);
        if (why) problems.push(`${c.name}: decode: ${why}`);
        codeOf = (e as RetakeError).code;
        codes.set(codeOf, (codes.get(codeOf) ?? 0) + 1);
      }
      // The import path: the same bytes as a file, decoded as they are read (WAV streamed block by block).
      const file = join(fileDir, `case${fileNo++}.bin`);
      writeFileSync(file, c.bytes);
      try {
        const r = await decodeFileStreaming(file, { name: `${c.name}.bin` });
        if (!audio) problems.push(`${c.name}: the import decoded what decodeAudio refused`);
        else if (r.sampleRate !== audio.sampleRate || r.channels !== audio.channels.length || r.frames !== audio.channels[0]!.length) {
          problems.push(`${c.name}: the import decoded ${r.sampleRate} Hz × ${r.channels} × ${r.frames} where decodeAudio gave ${audio.sampleRate} × ${audio.channels.length} × ${audio.channels[0]!.length}`);
        }
      } catch (e) {
        const why = unclear(e);
        if (why) problems.push(`${c.name}: import: ${why}`);
        else if (audio) problems.push(`${c.name}: the import refused what decodeAudio decoded: ${(e as Error).message}`);
        else if (codeOf !== (e as RetakeError).code) problems.push(`${c.name}: the import said ${(e as RetakeError).code} where decodeAudio said ${codeOf}`);
      }
      rmSync(file);
      if (audio) {
        decoded++;
        const why = invalid(audio);
        if (why) problems.push(`${c.name}: decoded to invalid audio (${why})`);
        if (c.mustFail) problems.push(`${c.name}: damage that the format can detect was decoded around`);
        try {
          const p = await probeAudio(c.bytes, c.name);
          if (p.sampleRate !== audio.sampleRate || p.channels !== audio.channels.length) problems.push(`${c.name}: probe disagrees with decode`);
        } catch (e) {
          // A WAV probe reads only the header; it may not refuse what decoding refused, but must not fail what decoded.
          problems.push(`${c.name}: probe failed on a file that decodes: ${String(e)}`);
        }
        if (!why) {
          try {
            const m = await analyze(audio);
            analysed++;
            if (m.sampleRate !== audio.sampleRate || !(m.durationSec >= 0)) problems.push(`${c.name}: analyze gave ${m.sampleRate} Hz, ${m.durationSec} s`);
          } catch (e) {
            const bad = unclear(e);
            problems.push(`${c.name}: analyze failed on audio that decoded: ${bad ?? (e as Error).message}`);
          }
        }
      }
      const ms = performance.now() - start;
      const peakBytes = process.resourceUsage().maxRSS * 1024 - rssBefore;
      if (ms > worstMs) [worstMs, worstCase] = [ms, c.name];
      worstBytes = Math.max(worstBytes, peakBytes);
      if (ms > CASE_MS) problems.push(`${c.name}: took ${Math.round(ms)} ms`);
      if (peakBytes > CASE_BYTES) problems.push(`${c.name}: raised peak memory by ${Math.round(peakBytes / 1024 ** 2)} MB`);
    }
    const totalS = (performance.now() - t0) / 1000;
    console.log(
      `decoder fuzz: ${cases.length} cases (seed 0x${SEED.toString(16)}), ${decoded} decoded, ${analysed} analysed, ` +
        `${cases.length - decoded} refused (${[...codes].map(([k, v]) => `${k} ${v}`).join(', ')}); ${totalS.toFixed(1)} s in all, ` +
        `slowest case ${Math.round(worstMs)} ms (${worstCase}); worst per-case peak memory above its start ≤ ${Math.round(worstBytes / 1024 ** 2)} MB; ` +
        `resident memory ${Math.round(rssStart / 1024 ** 2)} → ${Math.round(process.memoryUsage().rss / 1024 ** 2)} MB`,
    );
    expect(problems, problems.join('\n')).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(250);
    // Every kind of outcome occurs, so the harness is not trivially passing.
    expect(decoded).toBeGreaterThan(20);
    expect(codes.get('E_CORRUPT_AUDIO')).toBeGreaterThan(50);
    expect(codes.get('E_UNSUPPORTED_AUDIO')).toBeGreaterThan(10);
    expect(codes.get('E_INVALID_SAMPLES')).toBeGreaterThan(2);
  });

  it('is seeded: the same seed gives the same cases, another seed others', () => {
    const base = {
      wav16: encodeWav(voice(16000, 1, 0.05), 'pcm16'),
      wavFloat: encodeWav(voice(16000, 1, 0.05), 'float32'),
      rf64: rf64(encodeWav(voice(16000, 1, 0.05), 'pcm16')),
      flac: Uint8Array.from([0x66, 0x4c, 0x61, 0x43, ...new Array(60).fill(1)]),
      oggFlac: Uint8Array.from([0x4f, 0x67, 0x67, 0x53, ...new Array(60).fill(2)]),
      vorbis: Uint8Array.from([0x4f, 0x67, 0x67, 0x53, ...new Array(60).fill(3)]),
      mp3: Uint8Array.from([0xff, 0xfb, ...new Array(300).fill(4)]),
      mp3Low: Uint8Array.from([0xff, 0xe3, ...new Array(300).fill(5)]),
    };
    const a = fuzzCases(base, 1);
    const b = fuzzCases(base, 1);
    const c = fuzzCases(base, 2);
    expect(a.map((x) => x.name)).toEqual(b.map((x) => x.name));
    expect(a.every((x, i) => Buffer.from(x.bytes).equals(Buffer.from(b[i]!.bytes)))).toBe(true);
    expect(a.map((x) => x.name)).not.toEqual(c.map((x) => x.name));
  });
});
