import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { loadPack, parseManifest, sha256File } from '../../../src-main/engines/editx/pack/load';
import { manifestFiles } from '../../../src-main/engines/editx/pack/manifest';
import { tempDir } from '../../helpers/tmp';

const root = tempDir('retake-pack-');
let n = 0;

function entry(dir: string, path: string, content: string) {
  writeFileSync(join(dir, path), content);
  return { path, sha256: createHash('sha256').update(content).digest('hex'), bytes: Buffer.byteLength(content) };
}

function makePack(mutate: (m: Record<string, any>, dir: string) => void = () => {}): string {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir);
  const io = { name: 'input_ids', dtype: 'int64', shape: [1, 'new_len'] };
  const m: Record<string, any> = {
    format: 'retake-editx-pack',
    formatVersion: 1,
    name: 'test',
    components: {
      lm: {
        architecture: 'step1',
        config: {
          vocabSize: 10, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2, numGroups: 1, headDim: 2,
          rmsNormEps: 1e-5, alibiSlopeRule: 'step', alibiSlopes: [0.5, 0.25],
        },
        defaultVariant: { cpu: 'fp32', gpu: 'fp32' },
        generation: { audioIdBase: 6, audioIdCount: 4 },
        variants: {
          fp32: { files: [entry(dir, 'lm.onnx', 'graph bytes')], dtype: 'fp32', kvDtype: 'float32', kvIo: 'append', inputs: [io], outputs: [] },
        },
      },
      textTokenizer: {
        kind: 'sentencepiece',
        files: [entry(dir, 'tokenizer.model', 'sp bytes')],
        vocabSize: 10,
        specialIds: { pad: 0, bos: 1, eos: 2, eot: 3, bot: 4 },
        audioIdBase: 6,
        audioIdCount: 4,
      },
      prosodyHints: { anything: 'a later component this reader does not know yet' },
    },
  };
  mutate(m, dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

describe('model pack', () => {
  it('loads a valid pack, fills generation defaults and keeps unknown components', async () => {
    const pack = await loadPack(makePack(), { verify: 'sha256' });
    const lm = pack.manifest.components.lm!;
    expect(lm.generation).toEqual({
      temperature: 0.7, topK: 50, topP: 1, repetitionWindow: 10, repetitionMaxCount: 1, eosId: 3, maxTotalIds: 8192,
      audioIdBase: 6, audioIdCount: 4,
    });
    expect(lm.runtime.prefillChunk).toBe(512);
    expect((pack.manifest.components as Record<string, unknown>).prosodyHints).toEqual({ anything: 'a later component this reader does not know yet' });
    expect(manifestFiles(pack.manifest).map((f) => f.path)).toEqual(['lm.onnx', 'tokenizer.model']);
    expect(pack.path(lm.variants.fp32!.files[0]!)).toBe(join(pack.dir, 'lm.onnx'));
  });

  it('takes generation settings from the manifest', async () => {
    const dir = makePack((m) => Object.assign(m.components.lm.generation, { temperature: 0.9, topK: 20, maxTotalIds: 4096 }));
    const g = (await loadPack(dir)).manifest.components.lm!.generation;
    expect([g.temperature, g.topK, g.maxTotalIds, g.topP]).toEqual([0.9, 20, 4096, 1]);
  });

  it('says when there is no pack, or the manifest is not one', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await failure(loadPack(empty))).message).toMatch(/manifest.json is missing/);
    const bad = makePack();
    writeFileSync(join(bad, 'manifest.json'), '{ not json');
    expect((await failure(loadPack(bad))).message).toMatch(/not valid JSON/);
    const e = await failure(loadPack(makePack((m) => (m.components.lm.variants.fp32.kvIo = 'sideways'))));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/kvIo/);
  });

  it('names what is wrong in the manifest', async () => {
    const cases: [(m: Record<string, any>) => void, RegExp][] = [
      [(m) => (m.components.lm.defaultVariant.gpu = 'fp16'), /variant "fp16"/],
      [(m) => (m.components.lm.variants.fp32.files[0].path = '../outside.onnx'), /inside the pack/],
      [(m) => (m.components.lm.variants.fp32.files[0].sha256 = 'ABC'), /hex/],
      [(m) => (m.components.lm.generation.topP = 0), /topP/],
      [(m) => (m.components.lm.config.numGroups = 3), /numHeads/],
      [(m) => (m.components.textTokenizer.files[0].path = 'lm.onnx'), /twice with different hashes/],
    ];
    for (const [mutate, re] of cases) expect((await failure(loadPack(makePack(mutate)))).message).toMatch(re);
  });

  it('names misspelled or unknown settings instead of dropping them', async () => {
    const cases: [(m: Record<string, any>) => void, RegExp][] = [
      [(m) => (m.components.lm.generation.topk = 20), /Unrecognized key: "topk"[\s\S]*components\.lm\.generation/],
      [(m) => (m.components.lm.runtime = { prefillChunks: 64 }), /Unrecognized key: "prefillChunks"[\s\S]*components\.lm\.runtime/],
      [(m) => (m.components.textTokenizer.settings = {}), /Unrecognized key: "settings"[\s\S]*components\.textTokenizer/],
      [(m) => (m.components.textTokenizer.promptEncoding = { addBOS: true }), /Unrecognized key: "addBOS"/],
      [(m) => (m.components.textTokenizer.promptEncoding = { addDummyPrefix: 'sometimes' }), /addDummyPrefix/],
      [(m) => (m.components.textTokenizer.specialIds.bot = -1), /specialIds\.bot/],
      [(m) => (m.components.lm.variants.fp32.dtpye = 'fp32'), /Unrecognized key: "dtpye"/],
    ];
    for (const [mutate, re] of cases) {
      const e = await failure(loadPack(makePack(mutate)));
      expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
      expect(e.message).toMatch(re);
    }
  });

  it('keeps the typed prompt-encoding settings of the text tokenizer', async () => {
    const pe = { tokenizer: 'sentencepiece', addBos: true, addDummyPrefix: 'never', instructionCall: 'joined', profile: '2025-12' };
    const spec = { name: 'identity', addDummyPrefix: true, removeExtraWhitespaces: false, escapeWhitespaces: true, precompiledCharsmap: false };
    const dir = makePack((m) => {
      m.components.textTokenizer.promptEncoding = pe;
      m.components.textTokenizer.normalizerSpec = spec;
      m.components.textTokenizer.modelRevision = '2025-11-20';
    });
    const tt = (await loadPack(dir)).manifest.components.textTokenizer!;
    expect(tt.promptEncoding).toEqual(pe);
    expect(tt.normalizerSpec).toEqual(spec);
  });

  it('checks the tokenizer-mode and profile settings against each other', async () => {
    const template = { template: '{{ bos_token }}', specialTokens: { bos_token: '<s>' } };
    const cases: [(m: Record<string, any>) => void, RegExp][] = [
      [(m) => (m.components.textTokenizer.promptEncoding = { addDummyPrefix: 'never' }), /applies only with promptEncoding\.tokenizer "sentencepiece"[\s\S]*promptEncoding\.addDummyPrefix/],
      [(m) => (m.components.textTokenizer.promptEncoding = { profile: '2026' }), /is required: promptEncoding\.profile is "2026"[\s\S]*textTokenizer\.chatTemplate/],
      [(m) => (m.components.textTokenizer.modelRevision = '2026-01-29'), /is required: modelRevision 2026-01-29 picks the 2026 prompt profile/],
      [
        (m) => Object.assign(m.components.textTokenizer, { chatTemplate: template, promptEncoding: { profile: '2026', tokenizer: 'sentencepiece' } }),
        /must be "transformers-fast": promptEncoding\.profile is "2026"[\s\S]*promptEncoding\.tokenizer/,
      ],
      [(m) => (m.components.textTokenizer.modelRevision = '29.1.2026'), /must be a date YYYY-MM-DD\n {2}→ at components\.textTokenizer\.modelRevision\n[^✖]*$/],
      [(m) => (m.components.textTokenizer.normalizerSpec = { name: 'identity' }), /normalizerSpec\.addDummyPrefix/],
      [(m) => (m.components.textTokenizer.chatTemplate = { template: 'x', specialTokens: { bos: '<s>' } }), /Unrecognized key: "bos"/],
      [(m) => (m.components.textTokenizer.promptEncoding = { tokenizer: 'slow' }), /promptEncoding\.tokenizer/],
    ];
    for (const [mutate, re] of cases) {
      const e = await failure(loadPack(makePack(mutate)));
      expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
      expect(e.message).toMatch(re);
    }
    // With its template and the default mode, a 2026 pack loads; a 2025 revision needs no template.
    const ok = makePack((m) => Object.assign(m.components.textTokenizer, { chatTemplate: template, modelRevision: '2026-02-01' }));
    expect((await loadPack(ok)).manifest.components.textTokenizer!.modelRevision).toBe('2026-02-01');
    await loadPack(makePack((m) => (m.components.textTokenizer.modelRevision = '2025-11-20')));
  });

  it('requires the LM and the tokenizer to agree on the audio ids and the end id', async () => {
    const cases: [(m: Record<string, any>) => void, RegExp][] = [
      [(m) => (m.components.textTokenizer.audioIdBase = 5), /lm.generation.audioIdBase is 6 but textTokenizer.audioIdBase is 5/],
      [(m) => (m.components.lm.generation.eosId = 2), /lm.generation.eosId is 2 but textTokenizer.specialIds.eot is 3/],
      [(m) => ((m.components.lm.generation.audioIdCount = 5), (m.components.textTokenizer.audioIdCount = 5)), /beyond the LM vocabulary of 10/],
    ];
    for (const [mutate, re] of cases) expect((await failure(loadPack(makePack(mutate)))).message).toMatch(re);
  });

  it('verifies only the LM variants asked for, plus the tokenizer', async () => {
    const dir = makePack((m, d) => {
      m.components.lm.variants.fp16 = { ...m.components.lm.variants.fp32, files: [entry(d, 'lm16.onnx', 'half graph')], dtype: 'fp16' };
    });
    rmSync(join(dir, 'lm.onnx'));
    const p = await loadPack(dir, { variants: ['fp16'], verify: 'sha256' });
    expect(p.verifiedVariants).toEqual(['fp16']);
    expect(p.verifyMode).toBe('sha256');
    expect((await loadPack(dir, { variants: [] })).verifiedVariants).toEqual([]);
    expect(manifestFiles(p.manifest, ['fp16']).map((f) => f.path)).toEqual(['lm16.onnx', 'tokenizer.model']);
    expect((await failure(loadPack(dir))).message).toMatch(/is missing lm\.onnx\./);
    expect((await failure(loadPack(dir, { variants: ['fp32'] }))).message).toMatch(/is missing lm\.onnx\./);
    expect((await failure(loadPack(dir, { variants: ['int4'] }))).message).toMatch(/no LM variant "int4" \(it has fp32, fp16\)/);
    rmSync(join(dir, 'tokenizer.model'));
    expect((await failure(loadPack(dir, { variants: [] }))).message).toMatch(/is missing tokenizer\.model\./);
  });

  it('says when the pack folder does not exist', async () => {
    const e = await failure(loadPack(join(root, 'nowhere')));
    expect(e.code).toBe('E_FILE_NOT_FOUND');
    expect(e.message).toBe(`The model pack folder ${join(root, 'nowhere')} does not exist.`);
  });

  it('asks newer packs for a newer Retake', () => {
    const text = JSON.stringify({ format: 'retake-editx-pack', formatVersion: 2, name: 'x', components: {} });
    expect(() => parseManifest(text, 'm.json')).toThrow(/format 2.*Update Retake/);
  });

  it('finds missing, truncated and damaged files', async () => {
    const missing = makePack();
    rmSync(join(missing, 'tokenizer.model'));
    expect((await failure(loadPack(missing))).message).toMatch(/missing tokenizer.model/);
    const short = makePack();
    writeFileSync(join(short, 'lm.onnx'), 'graph');
    expect((await failure(loadPack(short))).message).toMatch(/lm.onnx .* has 5 bytes, the manifest says 11/);
    const damaged = makePack();
    writeFileSync(join(damaged, 'lm.onnx'), 'graph BYTES');
    await expect(loadPack(damaged, { verify: 'size' })).resolves.toBeTruthy();
    expect((await failure(loadPack(damaged, { verify: 'sha256' }))).message).toMatch(/lm.onnx .* is damaged/);
  });

  it('hashes files in a stream with progress and cancellation', async () => {
    const dir = makePack();
    const seen: number[] = [];
    const digest = await sha256File(join(dir, 'lm.onnx'), undefined, (b) => seen.push(b));
    expect(digest).toBe(createHash('sha256').update('graph bytes').digest('hex'));
    expect(seen.at(-1)).toBe(11);
    const ctl = new AbortController();
    ctl.abort();
    expect((await failure(loadPack(dir, { verify: 'sha256', signal: ctl.signal }))).code).toBe('E_CANCELLED');
  });
});
