// Reading audio files: only regular files, up to the size they had when opened, within the whole-read bound.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile, readAudioFile } from '../../../src-main/audio/decode';
import { decodeFileStreaming } from '../../../src-main/audio/decode-stream';
import { checkWholeReadSize, MAX_WHOLE_FILE_BYTES, readRegularFile } from '../../../src-main/audio/file-read';
import { RetakeError } from '../../../src-main/contract/errors';

const dir = mkdtempSync(path.join(os.tmpdir(), 'retake-file-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codeAndMessage(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof RetakeError)) throw e;
    return `${e.code}: ${e.message}`;
  }
  return 'resolved';
}

describe('reading audio files', () => {
  it('refuses FIFOs, devices and folders before opening them, for whole and streamed reads', async () => {
    const fifo = path.join(dir, 'p.wav');
    execFileSync('mkfifo', [fifo]);
    const zero = path.join(dir, 'z.wav');
    symlinkSync('/dev/zero', zero);
    const folder = path.join(dir, 'f.wav');
    mkdirSync(folder);
    for (const read of [readAudioFile, decodeFile, (f: string) => decodeFileStreaming(f)]) {
      // Opening the FIFO would wait for a writer forever: the refusal must come first.
      expect(await codeAndMessage(read(fifo))).toMatch(/^E_UNSUPPORTED_AUDIO: Cannot read ".*p\.wav": it is a named pipe \(FIFO\), not a regular file of known size\./);
      expect(await codeAndMessage(read(zero))).toMatch(/^E_UNSUPPORTED_AUDIO: .*it is a device, not a regular file/);
      expect(await codeAndMessage(read(folder))).toMatch(/^E_UNSUPPORTED_AUDIO: .*it is a folder, not an audio file/);
      expect(await codeAndMessage(read(path.join(dir, 'missing.wav')))).toMatch(/^E_FILE_NOT_FOUND: /);
    }
  });

  it('reads exactly the file, and refuses one larger than the bound before reading', async () => {
    const f = path.join(dir, 'bytes.bin');
    const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
    writeFileSync(f, data);
    expect(Buffer.from(await readRegularFile(f)).equals(data)).toBe(true);
    expect(Buffer.from(await readRegularFile(Buffer.from(f))).equals(data)).toBe(true);
    expect(await codeAndMessage(readRegularFile(f, 99_999))).toMatch(/^E_INPUT_TOO_LONG: Cannot read ".*bytes\.bin": it is 0\.0 GB, more than the 0 GB/);
    expect(await codeAndMessage(readRegularFile(f, 100_000))).toBe('resolved');
    expect(() => checkWholeReadSize('x.wav', MAX_WHOLE_FILE_BYTES)).not.toThrow();
    expect(() => checkWholeReadSize('x.wav', MAX_WHOLE_FILE_BYTES + 1)).toThrow(/x\.wav": it is 4\.0 GB, more than the 4 GB Retake reads at once/);
  });
});
