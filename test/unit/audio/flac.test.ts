// The FLAC decoder against the reference encoder and decoder (Debian's flac 1.4): every depth from 8 to 32 bits, 1 to 8
// channels, each stereo decorrelation, tiny and huge blocks, LPC up to order 32, Ogg FLAC, frame headers that defer to
// STREAMINFO; each decode must equal `flac -d`'s output sample for sample. Then the failures: truncation at many
// offsets, a flipped bit, a wrong MD5, rates and channel counts outside the limits.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio, probeAudio } from '../../../src-main/audio/decode';
import { decodeWav, encodeWav } from '../../../src-main/audio/wav';
import { removeTempDirs, retakeError, sine, tempDir, tool } from './helpers';

afterAll(removeTempDirs);

const dir = tempDir('flac-ref');

/** Noise plus a tone per channel, so every predictor and residual path is exercised. */
function source(name: string, rate: number, channels: number, bits: 8 | 16 | 24 | 32, seconds = 0.3): string {
  const wav = join(dir, `${name}.wav`);
  const args = ['-n', '-r', String(rate), '-c', String(channels), '-b', String(bits), ...(bits === 8 ? ['-e', 'unsigned-integer'] : ['-e', 'signed-integer'])];
  const synth: string[] = [];
  for (let c = 0; c < channels; c++) synth.push(...(c % 2 ? ['pinknoise'] : ['sine', String(200 + 150 * c)]));
  tool('sox', ['-D', ...args, wav, 'synth', String(seconds), ...synth, 'vol', '0.7']);
  return wav;
}

/** flac refuses the extensible WAV channel masks sox writes for 3+ channels unless told to ignore them. */
const channelMap = (channels: number) => (channels > 2 ? ['--channel-map=none'] : []);

/** Encodes with flac, decodes with `flac -d` and with ours; the two must agree exactly. */
async function roundTrip(wav: string, name: string, flags: string[], ogg = false): Promise<void> {
  const out = join(dir, `${name}${ogg ? '.oga' : '.flac'}`);
  tool('flac', ['-s', '-f', ...flags, ...(ogg ? ['--ogg'] : []), wav, '-o', out]);
  const ref = join(dir, `${name}.ref.wav`);
  tool('flac', ['-s', '-f', '-d', out, '-o', ref]);
  const expected = decodeWav(readFileSync(ref));
  const got = await decodeAudio(readFileSync(out), out);
  expect(got.sampleRate, name).toBe(expected.sampleRate);
  expect(got.channels.length, name).toBe(expected.channels.length);
  for (let c = 0; c < got.channels.length; c++) {
    const a = got.channels[c]!;
    const b = expected.channels[c]!;
    expect(a.length, `${name} ch${c}`).toBe(b.length);
    let firstDiff = -1;
    for (let i = 0; i < a.length && firstDiff < 0; i++) if (a[i] !== b[i]) firstDiff = i;
    expect(firstDiff, `${name} ch${c}: first differing sample`).toBe(-1);
  }
}

describe('FLAC decoding against the reference decoder', () => {
  it('8, 16, 24 and 32 bits per sample, mono and stereo, every stereo mode', async () => {
    for (const bits of [8, 16, 24, 32] as const) {
      for (const channels of [1, 2]) {
        const wav = source(`b${bits}c${channels}`, 44100, channels, bits);
        await roundTrip(wav, `b${bits}c${channels}`, ['-5']);
        if (channels === 2) {
          await roundTrip(wav, `b${bits}ms`, ['-8', '-m']); // exhaustive mid/side choice
          await roundTrip(wav, `b${bits}ind`, ['-0', '--no-mid-side']);
          await roundTrip(wav, `b${bits}ogg`, ['-5'], true);
        }
      }
    }
  });

  it('3 to 8 channels, 8 kHz to 192 kHz, and a rate stored in the frame header', async () => {
    for (const [rate, channels] of [[8000, 3], [22050, 6], [96000, 8], [192000, 2], [11127, 1], [37800, 2]] as const) {
      await roundTrip(source(`r${rate}c${channels}`, rate, channels, 16), `r${rate}c${channels}`, ['-5', ...channelMap(channels)]);
    }
  });

  it('tiny and huge blocks, LPC orders 1 to 32, escaped residuals, the highest partition orders', async () => {
    const wav = source('blocks', 48000, 2, 24, 1.5);
    for (const [name, flags] of [
      ['b16', ['--lax', '-b', '16']],
      ['b192', ['-b', '192']],
      ['b4608', ['-b', '4608']],
      ['b16384', ['--lax', '-b', '16384']],
      ['b65535', ['--lax', '-b', '65535']],
      ['lpc32', ['--lax', '-l', '32', '-e', '-p', '-q', '15']],
      ['lpc1', ['-l', '1']],
      ['fixed', ['-l', '0', '-r', '0']],
      ['parts', ['-r', '8,15', '-b', '32768', '--lax']],
      ['apod', ['-8', '-A', 'tukey(0.5);partial_tukey(2);punchout_tukey(3)']],
    ] as const) {
      await roundTrip(wav, name, [...flags]);
    }
  });

  it('silence and full-scale square waves (constant subframes, wasted bits, extreme values)', async () => {
    const n = 20000;
    const square = Float32Array.from({ length: n }, (_, i) => (Math.floor(i / 40) % 2 ? -1 : 32767 / 32768));
    const steps = Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i / 300) * 100) * 256 / 32768); // low 8 bits unused
    for (const [name, ch] of [['silence', new Float32Array(n)], ['square', square], ['wasted', steps]] as const) {
      const wav = join(dir, `${name}.wav`);
      writeFileSync(wav, encodeWav({ sampleRate: 16000, channels: [ch, ch] }, 'pcm16'));
      await roundTrip(wav, name, ['-8']);
    }
  });

  it('a last frame of a few bytes (1 to 16 samples of a constant tail) is decoded, not dropped', async () => {
    // The WASM decoder used before dropped such a frame, so a file whose tail is constant lost its last samples (our own
    // encoder's tests had to avoid constant tails). Tone, then a constant: the last frame is a CONSTANT subframe.
    for (const tail of [1, 2, 15, 16, 17]) {
      const n = 4096 * 2 + tail;
      const x = Float32Array.from({ length: n }, (_, i) => (i < 5000 ? 0.3 * Math.sin(i / 9) : 0.25));
      for (const channels of [1, 2]) {
        const name = `tail${tail}c${channels}`;
        const wav = join(dir, `${name}.wav`);
        writeFileSync(wav, encodeWav({ sampleRate: 16000, channels: Array.from({ length: channels }, () => x) }, 'pcm16'));
        await roundTrip(wav, name, ['-5', '-b', '4096']);
        const got = await decodeAudio(readFileSync(join(dir, `${name}.flac`)));
        expect(got.channels[0]!.length, name).toBe(n);
        expect(got.channels[0]![n - 1], name).toBe(8192 / 32768);
      }
    }
  });

  it('frame headers that take the sample size from STREAMINFO (valid for `flac -t`, refused by the old WASM path)', async () => {
    const wav = source('defer', 16000, 1, 8);
    const out = join(dir, 'defer.flac');
    tool('flac', ['-s', '-f', wav, '-o', out]);
    const bytes = new Uint8Array(readFileSync(out));
    const rewritten = rewriteFrameHeaders(bytes, (h) => {
      h[3] = h[3]! & 0xf1; // sample size: from STREAMINFO
    });
    expect(rewritten.frames).toBeGreaterThan(0);
    const p = join(dir, 'defer-rewritten.flac');
    writeFileSync(p, rewritten.bytes);
    tool('flac', ['-s', '-t', p]); // the reference decoder accepts it
    const ref = decodeWav(readFileSync(wav));
    const got = await decodeAudio(rewritten.bytes, 'defer.flac');
    expect(Array.from(got.channels[0]!)).toEqual(Array.from(ref.channels[0]!));
  });
});

// ---- hand-editing frames: RFC 9639 CRC-8 over the header, CRC-16 over the frame --------------------------------------

function crc(bytes: Uint8Array, from: number, to: number, width: 8 | 16): number {
  const poly = width === 8 ? 0x07 : 0x8005;
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  let c = 0;
  for (let i = from; i < to; i++) {
    c ^= bytes[i]! << (width - 8);
    for (let k = 0; k < 8; k++) c = c & top ? ((c << 1) ^ poly) & mask : (c << 1) & mask;
  }
  return c;
}

/** Length of the frame header at i up to its CRC-8 (RFC 9639 §9.1), or 0 when the bytes there cannot be one. */
function headerLength(b: Uint8Array, i: number): number {
  if (b[i] !== 0xff || (b[i + 1]! & 0xfe) !== 0xf8) return 0;
  let p = i + 4;
  const lead = b[p]!;
  p += lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf8 ? 4 : lead < 0xfc ? 5 : lead < 0xfe ? 6 : 7;
  const bs = b[i + 2]! >> 4;
  const sr = b[i + 2]! & 0x0f;
  p += bs === 6 ? 1 : bs === 7 ? 2 : 0;
  p += sr === 12 ? 1 : sr === 13 || sr === 14 ? 2 : 0;
  return p - i;
}

/**
 * Applies `edit` to the first 4 bytes of every frame of a file flac wrote, then fixes both CRCs. A frame is a position
 * with a valid header CRC-8 whose bytes up to the next such position pass CRC-16.
 */
function rewriteFrameHeaders(src: Uint8Array, edit: (h: Uint8Array) => void): { bytes: Uint8Array; frames: number } {
  const b = new Uint8Array(src);
  let p = 4;
  for (;;) {
    const last = b[p]! & 0x80;
    p += 4 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    if (last) break;
  }
  const starts: number[] = [];
  for (let i = p; i + 6 < b.length; i++) {
    const h = headerLength(b, i);
    if (h > 0 && crc(b, i, i + h, 8) === b[i + h]) starts.push(i);
  }
  const crcOk = (s: number, e: number) => crc(b, s, e - 2, 16) === ((b[e - 2]! << 8) | b[e - 1]!);
  const frames: Array<{ start: number; end: number }> = [];
  for (const s of starts) {
    if (frames.length > 0 && s < frames[frames.length - 1]!.end) continue;
    const end = [...starts.filter((e) => e > s), b.length].find((e) => crcOk(s, e));
    if (end !== undefined) frames.push({ start: s, end });
  }
  for (const { start, end } of frames) {
    edit(b.subarray(start, start + 4));
    const h = headerLength(b, start);
    b[start + h] = crc(b, start, start + h, 8);
    const c = crc(b, start, end - 2, 16);
    b[end - 2] = c >> 8;
    b[end - 1] = c & 0xff;
  }
  return { bytes: b, frames: frames.length };
}

describe('FLAC failures', () => {
  const wav = join(dir, 'fail.wav');
  writeFileSync(wav, encodeWav({ sampleRate: 44100, channels: [sine(440, 44100, 44100, 0.5), sine(660, 44100, 44100, 0.4)] }, 'pcm16'));
  const flacPath = join(dir, 'fail.flac');

  it('a file cut at any of 60 offsets is E_CORRUPT_AUDIO in one line naming the file', async () => {
    tool('flac', ['-s', '-f', wav, '-o', flacPath]);
    const bytes = readFileSync(flacPath);
    for (let k = 1; k <= 60; k++) {
      const cut = Math.floor((bytes.length * k) / 61);
      const e = await retakeError(() => decodeAudio(bytes.subarray(0, cut), 'cut.flac'));
      expect(e.code, `cut at ${cut}`).toBe('E_CORRUPT_AUDIO');
      expect(e.message, `cut at ${cut}`).toMatch(/^Cannot read "cut\.flac": [^\n]+$/);
    }
    const lastByte = await retakeError(() => decodeAudio(bytes.subarray(0, bytes.length - 1), 'cut.flac'));
    expect(lastByte.message).toMatch(/truncated/);
  });

  it('one flipped bit in the audio fails the frame checksum; a wrong MD5 is reported as damage', async () => {
    const bytes = new Uint8Array(readFileSync(flacPath));
    const flipped = new Uint8Array(bytes);
    flipped[Math.floor(bytes.length * 0.7)]! ^= 0x10;
    expect((await retakeError(() => decodeAudio(flipped, 'bit.flac'))).message).toMatch(/damaged/);
    const md5 = new Uint8Array(bytes);
    md5[8 + 18]! ^= 1; // first MD5 byte of STREAMINFO
    const e = await retakeError(() => decodeAudio(md5, 'md5.flac'));
    expect(e.code).toBe('E_CORRUPT_AUDIO');
    expect(e.message).toMatch(/checksum/);
  });

  it('a trailing ID3v1 tag is ignored; junk between frames is damage', async () => {
    const bytes = readFileSync(flacPath);
    const tag = new Uint8Array(128);
    tag.set([0x54, 0x41, 0x47]);
    const tagged = new Uint8Array([...bytes, ...tag]);
    expect((await decodeAudio(tagged, 'tag.flac')).channels[0]!.length).toBe(44100);
  });

  it('STREAMINFO at 1 Hz, 4 GHz-like rates or declaring hours in a few bytes is refused or bounded before decoding', async () => {
    const bytes = new Uint8Array(readFileSync(flacPath));
    const at = 8 + 10; // sample rate: 20 bits from STREAMINFO byte 10
    const setRate = (b: Uint8Array, hz: number) => {
      b[at] = (hz >> 12) & 0xff;
      b[at + 1] = (hz >> 4) & 0xff;
      b[at + 2] = (b[at + 2]! & 0x0f) | ((hz & 0x0f) << 4);
    };
    for (const hz of [1, 3999, 1_000_000]) {
      const b = new Uint8Array(bytes);
      setRate(b, hz);
      const e = await retakeError(() => decodeAudio(b, 'rate.flac'));
      expect(e.code, `${hz} Hz`).toBe('E_UNSUPPORTED_AUDIO');
      expect(e.message).toMatch(/4 kHz to 768 kHz/);
      expect((await retakeError(() => probeAudio(b, 'rate.flac'))).code).toBe('E_UNSUPPORTED_AUDIO');
    }
    const zero = new Uint8Array(bytes);
    setRate(zero, 0);
    expect((await retakeError(() => decodeAudio(zero, 'zero.flac'))).code).toBe('E_CORRUPT_AUDIO');
    // A header that declares 2^36 − 1 samples: decoding finds the real ones and says the file is truncated.
    const huge = new Uint8Array(bytes);
    huge[8 + 13] = huge[8 + 13]! | 0x0f;
    huge.fill(0xff, 8 + 14, 8 + 18);
    const e = await retakeError(() => decodeAudio(huge, 'huge.flac'));
    expect(e.code).toBe('E_CORRUPT_AUDIO');
    expect(e.message).toMatch(/holds 44100 of its 68719476735 samples/);
  });

  it('a metadata block longer than the file is a truncation', async () => {
    const bytes = new Uint8Array(readFileSync(flacPath));
    const b = new Uint8Array(bytes.subarray(0, 200));
    b[4] = b[4]! & 0x7f; // STREAMINFO not last
    b.set([0x04, 0x7f, 0xff, 0xff], 42); // a comment block of 8 MB
    const e = await retakeError(() => decodeAudio(b, 'meta.flac'));
    expect(e.code).toBe('E_CORRUPT_AUDIO');
    expect(e.message).toMatch(/declares 8388607 bytes/);
  });
});
