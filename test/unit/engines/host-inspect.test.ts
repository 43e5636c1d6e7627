// The audio host's inspect, in-process: it copies the file as it reads it, streams the waveform (the final piece only
// once the peaks cache is on disk), and measures a long file on its first IMPORT_ANALYSIS_MAX_SEC seconds, saying so.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameCount, type AudioData } from '../../../src-main/audio/types';
import type { HostMessage, PeaksReport } from '../../../src-main/engines/host/protocol';
import { HostWorker, IMPORT_ANALYSIS_MAX_SEC } from '../../../src-main/engines/host/worker';
import { EngineRegistry } from '../../../src-main/engines/registry';
import { tempDir } from '../../helpers/tmp';
import { sine, wavBytes } from '../../helpers/wav';

const dir = tempDir('retake-inspect-');

describe('engine host: inspect', () => {
  it('streams the waveform, copies the file, writes the cache before the final piece, and measures only the beginning', async () => {
    const rate = 16000;
    const seconds = IMPORT_ANALYSIS_MAX_SEC + 30;
    const input = path.join(dir, 'long.wav');
    const bytes = wavBytes(sine(150, seconds, rate), rate);
    writeFileSync(input, bytes);
    const peaksOut = path.join(dir, 'long.peaks');
    const copyTo = path.join(dir, 'copy.import');
    const measured: number[] = [];
    const reports: Array<PeaksReport & { cacheWritten: boolean }> = [];
    const stages: string[] = [];
    const reply = await new Promise<HostMessage>((resolve) => {
      const worker = new HostWorker(
        (m) => {
          if (m.type === 'peaks') reports.push({ ...m, cacheWritten: existsSync(peaksOut) });
          else if (m.type === 'progress') stages.push(m.stage ?? '');
          else if (m.type !== 'ready') resolve(m);
        },
        new EngineRegistry(),
        async (a: AudioData) => {
          measured.push(frameCount(a));
          return { loudness: -20 };
        },
      );
      worker.handle({ type: 'inspect', callId: 7, input, name: 'long.wav', peaksOut, analyze: true, copyTo, streamPeaks: true });
    });
    expect(reply).toMatchObject({
      type: 'result',
      result: { format: 'wav', sampleRate: rate, frames: seconds * rate, metrics: { loudness: -20, excerpt: { startSec: 0, endSec: IMPORT_ANALYSIS_MAX_SEC } } },
    });
    expect(measured).toEqual([IMPORT_ANALYSIS_MAX_SEC * rate]);
    expect(Buffer.compare(readFileSync(copyTo), Buffer.from(bytes))).toBe(0);
    expect(reports[0]).toMatchObject({ overview: true, final: false, start: 0 });
    expect(reports.at(-1)).toMatchObject({ overview: false, final: true, cacheWritten: true });
    expect(reports.filter((r) => r.final)).toHaveLength(1);
    // Measuring comes after decoding.
    expect(stages.indexOf('analyzing')).toBeGreaterThan(stages.lastIndexOf('decoding'));
  });

  it('sends no waveform unless asked, and measures a short file whole', async () => {
    const input = path.join(dir, 'short.wav');
    writeFileSync(input, wavBytes(sine(150, 2, 8000), 8000));
    const messages: HostMessage[] = [];
    const measured: number[] = [];
    await new Promise<void>((resolve) => {
      const worker = new HostWorker(
        (m) => {
          messages.push(m);
          if (m.type === 'result' || m.type === 'error') resolve();
        },
        new EngineRegistry(),
        async (a: AudioData) => {
          measured.push(frameCount(a));
          return {};
        },
      );
      worker.handle({ type: 'inspect', callId: 1, input, peaksOut: null, analyze: true });
    });
    expect(messages.filter((m) => m.type === 'peaks')).toEqual([]);
    expect(messages.at(-1)).toMatchObject({ type: 'result', result: { frames: 16000, metrics: {} } });
    expect(measured).toEqual([16000]);
  });
});
