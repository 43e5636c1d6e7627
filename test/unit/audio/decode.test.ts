import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeFile, detectAudioFormat, probeAudio } from '../../../src-main/audio/decode';
import { decodeWav, encodeWav } from '../../../src-main/audio/wav';
import type { AudioData } from '../../../src-main/audio/types';
import { firstDifference, removeTempDirs, retakeError, sine, tempDir, tool, toneAmplitude } from './helpers';

afterAll(removeTempDirs);

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

function corpusTable(): { file: string; rate: number; bits: number; seconds: number }[] {
  const readme = join(CORPUS, 'README.md');
  if (!existsSync(readme)) throw new Error(`The speech corpus is missing: expected ${readme} (see helper-rules / DESIGN.md).`);
  const rows: { file: string; rate: number; bits: number; seconds: number }[] = [];
  for (const line of readFileSync(readme, 'utf8').split('\n')) {
    const m = /^\|\s*(\S+\.wav)\s*\|\s*(\d+) Hz \/ (\d+)\s*\|\s*([\d.]+)\s*\|/.exec(line);
    if (m) rows.push({ file: m[1]!, rate: Number(m[2]), bits: Number(m[3]), seconds: Number(m[4]) });
  }
  if (rows.length === 0) throw new Error(`No files listed in ${readme}`);
  return rows;
}

describe('decodeFile: the speech corpus', () => {
  for (const row of corpusTable()) {
    it(`${row.file}: ${row.rate} Hz, ${row.seconds} s`, async () => {
      const path = join(CORPUS, row.file);
      const audio = await decodeFile(path);
      expect(audio.sampleRate).toBe(row.rate);
      expect(audio.channels).toHaveLength(1);
      expect(Math.abs(audio.channels[0]!.length / row.rate - row.seconds)).toBeLessThan(0.006);
      let peak = 0;
      for (const v of audio.channels[0]!) peak = Math.max(peak, Math.abs(v));
      expect(peak).toBeGreaterThan(0.05);
      expect(peak).toBeLessThanOrEqual(1);
      const probe = await probeAudio(readFileSync(path));
      expect(probe).toMatchObject({ format: 'wav', codec: `pcm${row.bits}`, sampleRate: row.rate, channels: 1, frames: audio.channels[0]!.length });
    });
  }
});

// ---- files written by other programs (Debian: sox, flac, lame, vorbis-tools, opus-tools) ---------------------------

function stereoTestAudio(rate: number, seconds: number): AudioData {
  const n = Math.round(rate * seconds);
  return { sampleRate: rate, channels: [sine(440, rate, n, 0.5), sine(1000, rate, n, 0.25)] };
}

function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('decodeAudio: WAV files written by sox', () => {
  it('reads every sox WAV encoding with the right rate, channels, length and tone', async () => {
    const dir = tempDir('sox');
    const encodings: [string[], string][] = [
      [['-e', 'unsigned-integer', '-b', '8'], 'pcm8'],
      [['-e', 'signed-integer', '-b', '16'], 'pcm16'],
      [['-e', 'signed-integer', '-b', '24'], 'pcm24'],
      [['-e', 'signed-integer', '-b', '32'], 'pcm32'],
      [['-e', 'floating-point', '-b', '32'], 'float32'],
      [['-e', 'floating-point', '-b', '64'], 'float64'],
      [['-e', 'u-law'], 'mulaw'],
      [['-e', 'a-law'], 'alaw'],
    ];
    for (const [args, codec] of encodings) {
      for (const channels of [1, 3]) {
        const out = join(dir, `${codec}-${channels}.wav`);
        tool('sox', ['-n', '-r', '11025', '-c', String(channels), ...args, out, 'synth', '0.2', 'sine', '700', 'vol', '0.5']);
        const bytes = readFileSync(out);
        const audio = await decodeAudio(bytes, out);
        expect(audio.sampleRate, codec).toBe(11025);
        expect(audio.channels, codec).toHaveLength(channels);
        expect(audio.channels[0]!.length, codec).toBe(2205);
        const amp = toneAmplitude(audio.channels[channels - 1]!, 700, 11025);
        expect(Math.abs(amp - 0.5), codec).toBeLessThan(codec === 'pcm8' || codec.endsWith('law') ? 0.02 : 0.002);
        expect((await probeAudio(bytes)).codec).toBe(codec);
      }
    }
  });

  it('writes WAV files sox reads back with the same header facts', () => {
    const dir = tempDir('soxi');
    for (const [format, bits] of [['pcm16', '16'], ['pcm24', '24'], ['float32', '32']] as const) {
      for (const nc of [1, 2, 6]) {
        const audio: AudioData = { sampleRate: 22050, channels: Array.from({ length: nc }, (_, c) => sine(300 + c, 22050, 777)) };
        const p = writeTemp(dir, `${format}-${nc}.wav`, encodeWav(audio, format));
        // sox re-encodes it as 16-bit; if sox could not parse our header this would throw.
        const back = join(dir, `${format}-${nc}-sox.wav`);
        tool('sox', [p, '-b', '16', '-e', 'signed-integer', back]);
        const re = decodeWav(readFileSync(back));
        expect(re.channels, `${format} ${nc}`).toHaveLength(nc);
        expect(re.channels[0]!.length).toBe(777);
        expect(re.sampleRate).toBe(22050);
        expect(Math.abs(toneAmplitude(re.channels[nc - 1]!, 300 + nc - 1, 22050) - 0.5)).toBeLessThan(0.002);
        expect(tool('soxi', ['-b', p]).trim(), `${format} ${nc}`).toBe(bits);
        expect(tool('soxi', ['-e', p]).trim()).toBe(format === 'float32' ? 'Floating Point PCM' : 'Signed Integer PCM');
      }
    }
  });
});

describe('decodeAudio: FLAC, MP3, Ogg', () => {
  it('FLAC (16 and 24 bit) and Ogg FLAC decode losslessly', async () => {
    const dir = tempDir('flac');
    const audio = stereoTestAudio(48000, 0.25);
    for (const format of ['pcm16', 'pcm24'] as const) {
      const wav = writeTemp(dir, `${format}.wav`, encodeWav(audio, format));
      const expected = decodeWav(readFileSync(wav));
      for (const ogg of [false, true]) {
        const out = join(dir, `${format}${ogg ? '.oga' : '.flac'}`);
        tool('flac', ['-s', '-f', ...(ogg ? ['--ogg'] : []), wav, '-o', out]);
        const bytes = readFileSync(out);
        expect(detectAudioFormat(bytes)).toBe(ogg ? 'ogg-flac' : 'flac');
        const got = await decodeAudio(bytes, out);
        expect(got.sampleRate).toBe(48000);
        expect(got.channels).toHaveLength(2);
        expect(firstDifference(got.channels[0]!, expected.channels[0]!)).toBe(-1);
        expect(firstDifference(got.channels[1]!, expected.channels[1]!)).toBe(-1);
      }
      const probe = await probeAudio(readFileSync(join(dir, `${format}.flac`)));
      expect(probe).toMatchObject({ format: 'flac', sampleRate: 48000, channels: 2, frames: 12000 });
    }
  });

  it('MP3 (with an ID3 tag) decodes gaplessly; a mono MP3 gives one channel', async () => {
    const dir = tempDir('mp3');
    const audio = stereoTestAudio(44100, 1);
    const wav = writeTemp(dir, 'in.wav', encodeWav(audio, 'pcm16'));
    const mp3 = join(dir, 'out.mp3');
    tool('lame', ['--quiet', '-b', '320', '--id3v2-only', '--tt', 'Retake test', wav, mp3]);
    const bytes = readFileSync(mp3);
    expect(String.fromCharCode(...bytes.subarray(0, 3))).toBe('ID3');
    expect(detectAudioFormat(bytes)).toBe('mp3');
    const got = await decodeAudio(bytes, mp3);
    expect(got.sampleRate).toBe(44100);
    expect(got.channels).toHaveLength(2);
    expect(got.channels[0]!.length).toBe(44100);
    expect(Math.abs(toneAmplitude(got.channels[0]!, 440, 44100, 2000, 42000) - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(toneAmplitude(got.channels[1]!, 1000, 44100, 2000, 42000) - 0.25)).toBeLessThan(0.01);
    expect(await probeAudio(bytes)).toMatchObject({ format: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 2, frames: 44100 });

    const monoWav = writeTemp(dir, 'mono.wav', encodeWav({ sampleRate: 24000, channels: [sine(500, 24000, 24000)] }, 'pcm16'));
    const monoMp3 = join(dir, 'mono.mp3');
    tool('lame', ['--quiet', '-b', '128', monoWav, monoMp3]);
    const mono = await decodeAudio(readFileSync(monoMp3));
    expect(mono.sampleRate).toBe(24000);
    expect(mono.channels).toHaveLength(1);
    // LAME itself leaves this pure tone 0.45 dB low (its own --decode agrees); allow 0.6 dB for the lossy codec.
    expect(Math.abs(20 * Math.log10(toneAmplitude(mono.channels[0]!, 500, 24000, 3000, 20000) / 0.5))).toBeLessThan(0.6);
  });

  it('Ogg Vorbis decodes with the exact length; Ogg Opus is refused with a clear message', async () => {
    const dir = tempDir('ogg');
    const audio = stereoTestAudio(44100, 0.5);
    const wav = writeTemp(dir, 'in.wav', encodeWav(audio, 'pcm16'));
    const ogg = join(dir, 'out.ogg');
    tool('oggenc', ['-Q', '-q', '6', wav, '-o', ogg]);
    const got = await decodeAudio(readFileSync(ogg), ogg);
    expect(got.sampleRate).toBe(44100);
    expect(got.channels).toHaveLength(2);
    expect(got.channels[0]!.length).toBe(22050);
    expect(Math.abs(toneAmplitude(got.channels[0]!, 440, 44100, 1000, 21000) - 0.5)).toBeLessThan(0.01);
    expect(await probeAudio(readFileSync(ogg))).toMatchObject({ format: 'ogg-vorbis', codec: 'vorbis', channels: 2, frames: 22050 });

    const opus = join(dir, 'out.opus');
    tool('opusenc', ['--quiet', wav, opus]);
    const e = await retakeError(() => decodeFile(opus));
    expect(e.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(e.message).toMatch(/out\.opus.*Opus/);
  });
});

// ---- bad input -----------------------------------------------------------------------------------------------------

describe('decodeAudio: bad input gives its error code and names the file', () => {
  const dir = tempDir('bad');

  it('non-audio bytes, a text file renamed .wav, a folder', async () => {
    const junk = new Uint8Array(4000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
    const a = await retakeError(() => decodeAudio(junk, 'blob.bin'));
    expect(a.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(a.message).toContain('"blob.bin"');
    const text = writeTemp(dir, 'notes.wav', new TextEncoder().encode('Scene 4, take 2: “louder” — fine.\nTODO: re-record\n'));
    const b = await retakeError(() => decodeFile(text));
    expect(b.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(b.message).toMatch(/notes\.wav.*text file/);
    const c = await retakeError(() => decodeFile(dir));
    expect(c.code).toBe('E_UNSUPPORTED_AUDIO');
    expect(c.message).toContain('folder');
  });

  it('an empty file and a WAV with no frames are E_EMPTY_AUDIO', async () => {
    const e = await retakeError(() => decodeFile(writeTemp(dir, 'empty.wav', new Uint8Array(0))));
    expect(e.code).toBe('E_EMPTY_AUDIO');
    expect(e.message).toMatch(/empty\.wav.*empty/);
    const z = await retakeError(() => decodeFile(writeTemp(dir, 'zero.wav', encodeWav({ sampleRate: 48000, channels: [new Float32Array(0)] }, 'pcm16'))));
    expect(z.code).toBe('E_EMPTY_AUDIO');
  });

  it('a missing file is E_FILE_NOT_FOUND', async () => {
    const e = await retakeError(() => decodeFile(join(dir, 'nope', 'gone.wav')));
    expect(e.code).toBe('E_FILE_NOT_FOUND');
    expect(e.message).toContain('gone.wav');
  });

  it('a truncated corpus WAV and a cut-off header are E_CORRUPT_AUDIO', async () => {
    const row = corpusTable()[0]!;
    const bytes = readFileSync(join(CORPUS, row.file));
    const e = await retakeError(() => decodeAudio(bytes.subarray(0, bytes.length >> 1), row.file));
    expect(e.code).toBe('E_CORRUPT_AUDIO');
    expect(e.message).toMatch(/truncated/);
    expect(e.message).toContain(row.file);
    expect((await retakeError(() => decodeAudio(bytes.subarray(0, 30), row.file))).code).toBe('E_CORRUPT_AUDIO');
    expect((await retakeError(() => decodeAudio(bytes.subarray(0, 8), row.file))).code).toBe('E_CORRUPT_AUDIO');
  });

  it('a float WAV with NaN samples is E_INVALID_SAMPLES', async () => {
    const x = sine(440, 16000, 1600);
    const bytes = encodeWav({ sampleRate: 16000, channels: [x] }, 'float32');
    new DataView(bytes.buffer).setFloat32(bytes.length - 40, NaN, true);
    const e = await retakeError(() => decodeFile(writeTemp(dir, 'nan.wav', bytes)));
    expect(e.code).toBe('E_INVALID_SAMPLES');
    expect(e.message).toContain('nan.wav');
  });

  it('MP3 without a LAME tag (8 kHz MPEG-2.5 at its default 8 kbps, or -t) loses the decoder delay like `lame --decode`', async () => {
    const dir = tempDir('mp3-delay');
    for (const [rate, flags] of [[8000, []], [11025, []], [16000, ['-t']], [44100, ['-t']], [8000, ['-b', '32']]] as const) {
      const n = rate; // one second
      const wav = writeTemp(dir, `in${rate}.wav`, encodeWav({ sampleRate: rate, channels: [sine(300, rate, n, 0.5)] }, 'pcm16'));
      const mp3 = join(dir, `${rate}${flags.join('')}.mp3`);
      tool('lame', ['--quiet', ...flags, wav, mp3]);
      const ref = join(dir, `${rate}${flags.join('')}.dec.wav`);
      tool('lame', ['--quiet', '--decode', mp3, ref]);
      const expected = decodeWav(readFileSync(ref)).channels[0]!;
      const got = (await decodeAudio(readFileSync(mp3), mp3)).channels[0]!;
      const label = `${rate} Hz ${flags.join(' ')}`;
      const frame = rate < 32000 ? 576 : 1152;
      expect(Math.abs(got.length - expected.length), label).toBeLessThanOrEqual(frame);
      // Aligned with the reference decoder: the best lag within ±600 samples is 0.
      let best = 0;
      let bestErr = Infinity;
      for (let lag = -600; lag <= 600; lag++) {
        let err = 0;
        for (let i = 1000; i < 3000; i++) err += Math.abs((got[i + lag] ?? 0) - expected[i]!);
        if (err < bestErr) [best, bestErr] = [lag, err];
      }
      expect(best, label).toBe(0);
      // Within a frame of the source's length too when the encoder could write its tag.
      if (flags[0] === '-b') expect(got.length, label).toBe(n);
    }
  });

  it('truncated or damaged FLAC, MP3 and Ogg are E_CORRUPT_AUDIO', async () => {
    const sub = join(dir, 'codecs');
    mkdirSync(sub, { recursive: true });
    const wav = writeTemp(sub, 'in.wav', encodeWav(stereoTestAudio(44100, 1), 'pcm16'));
    tool('flac', ['-s', '-f', wav, '-o', join(sub, 'a.flac')]);
    tool('lame', ['--quiet', '-b', '128', wav, join(sub, 'a.mp3')]);
    tool('oggenc', ['-Q', wav, '-o', join(sub, 'a.ogg')]);
    for (const f of ['a.flac', 'a.mp3', 'a.ogg']) {
      const bytes = readFileSync(join(sub, f));
      await expect(decodeAudio(bytes, f)).resolves.toBeDefined();
      const truncated = await retakeError(() => decodeAudio(bytes.subarray(0, Math.floor(bytes.length * 0.6)), f));
      expect(truncated.code, `${f} truncated`).toBe('E_CORRUPT_AUDIO');
      expect(truncated.message).toContain(f);
      if (f !== 'a.mp3') {
        // MP3 has no checksum over its audio by default; FLAC has an MD5, Ogg a CRC per page.
        const damaged = new Uint8Array(bytes);
        for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 64; i++) damaged[i]! ^= 0x5a;
        const d = await retakeError(() => decodeAudio(damaged, f));
        expect(d.code, `${f} damaged`).toBe('E_CORRUPT_AUDIO');
        expect(d.message).toMatch(/damaged/);
      }
    }
    // Headers cut short.
    expect((await retakeError(() => decodeAudio(readFileSync(join(sub, 'a.flac')).subarray(0, 20), 'a.flac'))).code).toBe('E_CORRUPT_AUDIO');
    expect((await retakeError(() => decodeAudio(readFileSync(join(sub, 'a.ogg')).subarray(0, 20), 'a.ogg'))).code).toBe('E_CORRUPT_AUDIO');
  });

  it('other formats are named in the message', async () => {
    const cases: [number[], RegExp][] = [
      [[0x66, 0x4f, 0x52, 0x4d, 0, 0, 0, 4, 0x41, 0x49, 0x46, 0x46], /AIFF/],
      [[0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20], /MP4\/M4A/],
      [[0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3, 4], /WebM/],
      [[0xff, 0xf1, 0x50, 0x80, 0, 0x1f, 0xfc], /AAC/],
    ];
    cases[0]![0]![0] = 0x46; // 'FORM'
    for (const [bytes, re] of cases) {
      const e = await retakeError(() => decodeAudio(Uint8Array.from(bytes), 'x'));
      expect(e.code).toBe('E_UNSUPPORTED_AUDIO');
      expect(e.message).toMatch(re);
    }
  });
});
