// The tokenizer runners on onnxruntime-node: upstream's own outputs reproduced through our exported graph (the goldens'
// weights, exported by `tokenizer --from` into the tiny pack's reference/upstream-vq02), the tiny pack's vq02 and vq06
// against their torch references, repeatability, and the checks made when a pack's tokenizer is opened.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { loadPack, type ModelPack } from '../../../src-main/engines/editx/pack/load';
import { usePack, type EditxStage } from '../../../src-main/engines/editx/pack/sessions';
import { SessionRegistry } from '../../../src-main/onnx';
import { Vq02Tokenizer, vq02ChunkPlan } from '../../../src-main/engines/editx/tokenizer/vq02';
import { Vq06Tokenizer } from '../../../src-main/engines/editx/tokenizer/vq06';
import { tempDir } from '../../helpers/tmp';
import { goldens, maxAbsDiff, npy } from '../../helpers/upstream-tokenizer';
import { requireTinyPack, tinyPackCopy } from '../editx-lm/tiny-pack';

// Encoder rows: float32 through ~10 small matmuls per block; the ONNX graph measured 2.2e-6 from upstream's rows.
const ENC_TOL = 1e-4;

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('vq02 against the upstream code (goldens)', () => {
  let tok: Vq02Tokenizer;
  beforeAll(async () => {
    const pack = await loadPack(join(requireTinyPack(), 'reference', 'upstream-vq02'), { verify: 'sha256' });
    tok = await Vq02Tokenizer.open(pack, { intraOpNumThreads: 1 });
  });
  afterAll(() => tok?.release());

  it('reproduces upstream encoder rows and codes chunk by chunk, on every excerpt', async () => {
    for (const ex of goldens().excerpts) {
      const feats = npy(`${ex.name}.feats.npy`);
      const plan = tok.plan(ex.samples);
      expect(plan).toEqual(ex.chunkFrames);
      const r = await tok.tokenize({ data: feats.data, frames: feats.shape[0]!, bins: feats.shape[1]! }, plan);
      const ref = npy(`${ex.name}.enc.npy`);
      expect(r.enc.frames).toBe(ref.shape[0]);
      expect(maxAbsDiff(r.enc.data, ref.data), ex.name).toBeLessThanOrEqual(ENC_TOL);
      expect(Array.from(r.codes), ex.name).toEqual(ex.codes);
    }
  });

  it('gives identical codes on a second run (no state leaks between runs)', async () => {
    const ex = goldens().excerpts[0]!;
    const feats = npy(`${ex.name}.feats.npy`);
    const m = { data: feats.data, frames: feats.shape[0]!, bins: feats.shape[1]! };
    const a = await tok.tokenize(m, ex.chunkFrames);
    const b = await tok.tokenize(m, ex.chunkFrames);
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    expect(maxAbsDiff(a.enc.data, b.enc.data)).toBe(0);
  });

  it('a whole-utterance run differs from the reference (why the plan matters)', async () => {
    const ex = goldens().excerpts[0]!;
    const feats = npy(`${ex.name}.feats.npy`);
    const frames = feats.shape[0]!;
    const r = await tok.tokenize({ data: feats.data, frames, bins: feats.shape[1]! }, [frames]);
    expect(maxAbsDiff(r.enc.data, npy(`${ex.name}.enc.npy`).data)).toBeGreaterThan(0.1);
  });

  it('reads the pack’s am.mvn as written', () => {
    expect(tok.cmvn.addShift.length).toBe(560);
    const text = readFileSync(join(requireTinyPack(), 'reference', 'upstream-vq02', 'am.mvn'), 'utf8');
    const first = /<AddShift>[^[]*\[\s*(\S+)/.exec(text)![1]!;
    expect(tok.cmvn.addShift[0]).toBe(Math.fround(Number(first)));
  });
});

describe('tiny pack tokenizers against torch', () => {
  const tmp = tempDir('retake-tok-');
  let pack: ModelPack;
  beforeAll(async () => {
    pack = await loadPack(requireTinyPack(), { verify: 'sha256' });
  });

  it('vq02: the ONNX step graph follows the torch reference run chunk by chunk', async () => {
    const dir = join(pack.dir, 'reference');
    const ref = JSON.parse(readFileSync(join(dir, 'vq02-reference.json'), 'utf8'));
    const tok = await Vq02Tokenizer.open(pack, { intraOpNumThreads: 1 });
    try {
      const feats = f32(join(dir, ref.feats.file));
      const r = await tok.tokenize({ data: feats, frames: ref.feats.shape[0], bins: ref.feats.shape[1] }, ref.chunkFrames);
      expect(maxAbsDiff(r.enc.data, f32(join(dir, ref.enc.file)))).toBeLessThanOrEqual(ENC_TOL);
      expect(Array.from(r.codes)).toEqual(ref.codes);
      expect(vq02ChunkPlan(4 * 3840 + 1200)).toEqual(ref.chunkFrames);
    } finally {
      await tok.release();
    }
  });

  it('vq06: the stand-in gives the torch codes, addressed by position as upstream does', async () => {
    const dir = join(pack.dir, 'reference');
    const ref = JSON.parse(readFileSync(join(dir, 'vq06-reference.json'), 'utf8'));
    const tok = await Vq06Tokenizer.open(pack, { intraOpNumThreads: 1 });
    try {
      const [bins, frames] = ref.mel.shape as [number, number];
      const byBin = f32(join(dir, ref.mel.file));
      const rows = new Float32Array(frames * bins);
      for (let b = 0; b < bins; b++) for (let t = 0; t < frames; t++) rows[t * bins + b] = byBin[b * frames + t]!;
      const codes = await tok.tokenizeMel({ data: rows, frames, bins });
      expect(Array.from(codes)).toEqual(ref.codes);
      expect(tok.component.standIn).toBe(true);
    } finally {
      await tok.release();
    }
  });

  it('vq06: refuses a model whose code rate is not 25 per second', async () => {
    const tok = await Vq06Tokenizer.open(pack, { intraOpNumThreads: 1 });
    try {
      const samples = new Float32Array(16000);
      // A "log-mel" with 4× the frames the audio has: 4× the codes.
      const wrong = (x: Float32Array) => ({ data: new Float32Array((x.length / 40) * 128), frames: x.length / 40, bins: 128 });
      await expect(tok.tokenize(samples, wrong)).rejects.toThrow(/returned 100 codes for 1 s of audio/);
    } finally {
      await tok.release();
    }
  });

  it('opening refuses a graph whose I/O differs from the manifest, naming the tensor', async () => {
    const dir = tinyPackCopy(join(tmp, 'io'), (m) => {
      m.components.vq02.encoder.inputs[1].name = 'start';
      m.components.vq06.outputs[0].dtype = 'int64';
    });
    const p = await loadPack(dir);
    await expect(Vq02Tokenizer.open(p)).rejects.toThrow(/inputs missing in the graph: start; inputs not in the manifest: offset/);
    await expect(Vq06Tokenizer.open(p)).rejects.toThrow(/output indices is int32 in the graph but int64 in the manifest/);
  });

  it('the pack’s session registry serves both tokenizers and keeps their sessions when the runners are released', async () => {
    const lines: string[] = [];
    const reg = new SessionRegistry<EditxStage>({ log: (l) => lines.push(l) });
    await usePack(reg, pack, { intraOpNumThreads: 1 });
    const v2 = await Vq02Tokenizer.fromRegistry(pack, reg);
    const v6 = await Vq06Tokenizer.fromRegistry(pack, reg);
    expect(reg.opened().sort()).toEqual(['vq02', 'vq06']);
    await v2.release();
    await v6.release();
    const session = await reg.get('vq02');
    expect(session.isReleased).toBe(false);
    expect(lines.some((l) => /vq06 opened in \d+ ms, runs on the CPU/.test(l))).toBe(true);
    await reg.releaseAll();
    expect(session.isReleased).toBe(true);
  });

  it('a pack without tokenizers says so', async () => {
    const dir = tinyPackCopy(join(tmp, 'none'), (m) => {
      delete m.components.vq02;
      delete m.components.vq06;
    });
    const p = await loadPack(dir);
    const e = await Vq02Tokenizer.open(p).catch((x: unknown) => x);
    expect(RetakeError.is(e, 'E_ENGINE_UNAVAILABLE')).toBe(true);
    expect((e as Error).message).toMatch(/has no vq02 tokenizer/);
    await expect(Vq06Tokenizer.open(p)).rejects.toThrow(/has no vq06 tokenizer/);
  });
});
