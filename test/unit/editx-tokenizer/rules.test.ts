// The tokenizers' rules without a model: vq02 chunk plans and vq06 chunking against what the upstream code did
// (plans.json), the WAV hand-off rounding against torchaudio/sox (via the exporter's bit-exact emulation), the
// nearest-centroid codes against upstream's cdist + argmin, the interleave and the decoder's token reshape.

import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import {
  AUDIO_ID_BASE,
  audioTokenIds,
  decoderTokenPairs,
  interleaveAudioCodes,
} from '../../../src-main/engines/editx/prompt/audio-tokens';
import { assembleTokens } from '../../../src-main/engines/editx/tokenizer/tokenize';
import {
  makeCodebook,
  nearestCentroids,
  vq02ChunkPlan,
  wavRoundTrip,
} from '../../../src-main/engines/editx/tokenizer/vq02';
import { vq06Chunks } from '../../../src-main/engines/editx/tokenizer/vq06';
import { runExporterPython } from '../../helpers/exporter-python';
import { goldens, npy, plans } from '../../helpers/upstream-tokenizer';

describe('vq02 chunk plan (how the reference streams the features)', () => {
  it('matches the plan upstream produced for every recorded length', () => {
    const recorded = plans().vq02;
    expect(Object.keys(recorded).length).toBeGreaterThan(200);
    const wrong = Object.entries(recorded).filter(([n, p]) => JSON.stringify(vq02ChunkPlan(Number(n))) !== JSON.stringify(p));
    expect(wrong).toEqual([]);
    for (const ex of goldens().excerpts) expect(vq02ChunkPlan(ex.samples)).toEqual(ex.chunkFrames);
  });

  it('gives 4 frames per 3,840-sample stride and ends as the streaming front end does', () => {
    expect(vq02ChunkPlan(0)).toEqual([]);
    expect(vq02ChunkPlan(3840)).toEqual([4]); // the final, empty stride flushes nothing
    expect(vq02ChunkPlan(4800)).toEqual([4, 1]);
    expect(vq02ChunkPlan(30 * 16000).reduce((a, b) => a + b, 0)).toBe(500); // 16.67 per second
  });
});

describe('vq06 chunks', () => {
  it('match the chunks upstream handed to the S3 tokenizer', () => {
    for (const [n, lengths] of Object.entries(plans().vq06)) {
      expect(vq06Chunks(Number(n)).map((c) => c.end - c.start), n).toEqual(lengths);
    }
  });
});

describe('WAV hand-off rounding', () => {
  it('lands on the values torchaudio + sox gave (measured)', () => {
    const pairs: [number, number][] = [
      [-0.00024107143690343946, -0.0002410411834716797],
      [0.1, 0.10000002384185791],
      [1e-5, 1.0013580322265625e-5],
      [-1e-5, -1.0013580322265625e-5],
      [1e-9, 0],
      [0.5, 0.5],
      [1, 1],
      [-1, -1],
    ];
    const out = wavRoundTrip(Float32Array.from(pairs.map((p) => p[0])));
    expect(Array.from(out)).toEqual(pairs.map((p) => Math.fround(p[1])));
  });

  it('equals the exporter emulation (bit-exact against torchaudio) on 20,000 values at every scale', () => {
    const x = new Float32Array(20000);
    let s = 12345;
    for (let i = 0; i < x.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      x[i] = ((s / 2147483648) * 2 - 1) * 10 ** -((i % 9) as number);
    }
    const code = [
      'import sys, base64, numpy as np',
      'from retake_export.tokenizer.frontend import wav_roundtrip',
      'x = np.frombuffer(base64.b64decode(sys.stdin.read()), dtype="<f4")',
      'sys.stdout.write(base64.b64encode(wav_roundtrip(x).astype("<f4").tobytes()).decode())',
    ].join('\n');
    const py = runExporterPython(code, Buffer.from(x.buffer).toString('base64'));
    const ref = new Float32Array(new Uint8Array(Buffer.from(py, 'base64')).buffer);
    expect(Array.from(wavRoundTrip(x))).toEqual(Array.from(ref));
  });
});

describe('nearest centroids', () => {
  it('reproduce upstream cdist + argmin on upstream encoder rows', () => {
    const cbNpy = npy('linguistic_tokenizer.npy');
    const cb = makeCodebook(cbNpy.data, cbNpy.shape[0]!, cbNpy.shape[1]!);
    for (const ex of goldens().excerpts) {
      const enc = npy(`${ex.name}.enc.npy`);
      const codes = nearestCentroids({ data: enc.data, frames: enc.shape[0]!, bins: enc.shape[1]! }, cb);
      expect(Array.from(codes), ex.name).toEqual(ex.codes);
    }
  });

  it('take the lowest index on an exact tie, as argmin does', () => {
    const cb = makeCodebook(Float32Array.from([1, 0, -1, 0, 0, 1]), 3, 2);
    expect(Array.from(nearestCentroids({ data: Float32Array.from([0, 0, 0.2, 0.9]), frames: 2, bins: 2 }, cb))).toEqual([0, 2]);
  });
});

describe('LM tokens', () => {
  it('interleave 2 vq02 + 3 vq06 per group and drop leftovers', () => {
    const t = assembleTokens(Int32Array.from([1, 2, 3, 4, 5]), Int32Array.from([10, 11, 12, 13, 14, 15, 16]));
    expect(t.groups).toBe(2);
    expect(t.codes).toEqual([1, 2, 1034, 1035, 1036, 3, 4, 1037, 1038, 1039]);
    expect(t.ids).toEqual(t.codes.map((c) => AUDIO_ID_BASE + c));
    expect(t.text).toBe(t.codes.map((c) => `<audio_${c}>`).join(''));
    expect(t.codes.length).toBe(5 * t.groups);
    expect(interleaveAudioCodes([1], [1, 2, 3])).toEqual([]);
  });

  it('refuse codes outside the vocabulary', () => {
    expect(() => audioTokenIds([5120])).toThrow(RetakeError);
    expect(() => interleaveAudioCodes([1024, 0], [0, 0, 0])).toThrow(/vq02 code 1024/);
  });
});

describe('decoder token pairs (EDITX-SPEC.md §6)', () => {
  it('turn each group a b c d e into (a, c+1), (b, d+1), (1024, e+1)', () => {
    const p = decoderTokenPairs([1, 2, 1030, 1031, 1032, 7, 8, 5119, 1024, 2000]);
    expect(Array.from(p.vq02)).toEqual([1, 2, 1024, 7, 8, 1024]);
    expect(Array.from(p.vq06)).toEqual([1031, 1032, 1033, 5120, 1025, 2001]);
  });

  it('pad a partial group with the tail of [0, 0, 0, 1024, 1024, 1024]', () => {
    // 7 codes: 3 of padding, [1024, 1024, 1024], fill c, d, e of the second group.
    let p = decoderTokenPairs([1, 2, 1030, 1031, 1032, 7, 8]);
    expect(Array.from(p.vq02)).toEqual([1, 2, 1024, 7, 8, 1024]);
    expect(Array.from(p.vq06)).toEqual([1031, 1032, 1033, 1025, 1025, 1025]);
    // 1 code: 4 of padding, [0, 1024, 1024, 1024].
    p = decoderTokenPairs([9]);
    expect(Array.from(p.vq02)).toEqual([9, 0, 1024]);
    expect(Array.from(p.vq06)).toEqual([1025, 1025, 1025]);
    // 4 codes: 1 of padding, [1024].
    p = decoderTokenPairs([1, 2, 1030, 1031]);
    expect(Array.from(p.vq06)).toEqual([1031, 1032, 1025]);
    expect(decoderTokenPairs([]).vq02.length).toBe(0);
  });
});
