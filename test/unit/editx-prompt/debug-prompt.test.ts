// `retake debug prompt` (the function behind it): text output, ids through a pack's tokenizer and manifest (its
// tokenizer mode and prompt profile), errors. The tiny pack's prompt ids are checked against the Python references run
// live (retake_export.goldens.sentencepiece.encode_cases: transformers-fast via retake_export.text.hf_fast,
// sentencepiece via python3-sentencepiece, the 2026 profile's template via python3-jinja2).

import { runExporterModule } from '../../helpers/exporter-python';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debugPrompt } from '../../../src-main/cli/debug-prompt';
import {
  buildEditPrompt,
  buildEditPromptIds,
  cloneSpeakerName,
  DEFAULT_PROMPT_ENCODING,
} from '../../../src-main/engines/editx/prompt';
import { FastLlamaTokenizer } from '../../../src-main/engines/editx/text/fast-llama';
import { SentencePieceTokenizer } from '../../../src-main/engines/editx/text/sentencepiece';
import { parseSpModel, PieceType } from '../../../src-main/engines/editx/text/sp-model';
import { rewritePieces } from '../editx-text/sp-rewrite';

const ROOT = join(__dirname, '../../..');
const FIX = join(ROOT, 'test/fixtures/editx');
const TINY = join(ROOT, 'test/fixtures/generated/tiny-pack');

const tmp = mkdtempSync(join(tmpdir(), 'retake-debug-prompt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface PackSpec {
  /** Tokenizer bytes (default: the uni-identity test model: 6,020 pieces, `<audio_N>` at 900 + N). */
  model?: Uint8Array;
  /** Where the manifest says the tokenizer is (default tokenizer.model). */
  file?: string;
  /** Overrides of the textTokenizer component; null: no such component. */
  textTokenizer?: Record<string, unknown> | null;
  /** Write no manifest; write no tokenizer file. */
  noManifest?: boolean;
  noTokenizerFile?: boolean;
}

/** A pack folder holding only a text tokenizer, with an LM component whose graphs are absent. */
function pack(name: string, spec: PackSpec = {}): string {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const model = spec.model ?? readFileSync(join(FIX, 'sp/uni-identity.model'));
  const file = spec.file ?? 'tokenizer.model';
  if (!spec.noTokenizerFile) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), model);
  }
  const entry = { path: file, sha256: createHash('sha256').update(model).digest('hex'), bytes: model.length };
  const tiny = spec.model !== undefined;
  const textTokenizer = {
    kind: 'sentencepiece',
    files: [entry],
    vocabSize: tiny ? 74752 : 6020,
    specialIds: { pad: 0, bos: 1, eos: 2, eot: 3, bot: 4 },
    audioIdBase: tiny ? 65536 : 900,
    audioIdCount: 5120,
    ...spec.textTokenizer,
  };
  const manifest = {
    format: 'retake-editx-pack',
    formatVersion: 1,
    name: 'tokenizer only',
    components: {
      ...(spec.textTokenizer === null ? {} : { textTokenizer }),
      lm: {
        architecture: 'step1',
        config: {
          vocabSize: 74752, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2, numGroups: 1, headDim: 2,
          rmsNormEps: 1e-5, alibiSlopeRule: 'step', alibiSlopes: [0.5, 0.25],
        },
        defaultVariant: { cpu: 'fp32', gpu: 'fp32' },
        variants: {
          fp32: {
            files: [{ path: 'lm.fp32.onnx', sha256: 'a'.repeat(64), bytes: 123 }],
            dtype: 'fp32', kvDtype: 'float32', kvIo: 'append', inputs: [], outputs: [],
          },
        },
        generation: { audioIdBase: textTokenizer.audioIdBase },
      },
    },
  };
  if (!spec.noManifest) writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** The uni-identity test model in the pack's default tokenizer mode (transformers-fast). */
function uniFast(): FastLlamaTokenizer {
  return new FastLlamaTokenizer(parseSpModel(readFileSync(join(FIX, 'sp/uni-identity.model'))));
}

const TEMPLATE = {
  template:
    "{{ bos_token }}{% for m in messages %}{{ '<|BOT|>' + (m.role == 'user' and 'human' or m.role) + '\\n' + m.content + '<|EOT|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|BOT|>assistant\\n' }}{% endif %}",
  specialTokens: { bos_token: '<s>' },
};

function tinyModel(): Uint8Array {
  const model = join(TINY, 'tokenizer.model');
  if (!existsSync(model)) {
    throw new Error(`${model} is missing: run bash tools/export/run-tests.sh --pack-only first (it generates the tiny pack).`);
  }
  return readFileSync(model);
}

describe('debugPrompt', () => {
  it('prints the prompt text, taking audio tokens as text or as codes', async () => {
    const expected = buildEditPrompt({
      task: 'speed',
      option: 'more faster',
      text: 'hi there',
      audioTokens: '<audio_1><audio_1025>',
    });
    expect(expected.endsWith('<|EOT|><|BOT|>assistant\n')).toBe(true);
    const base = { task: 'speed', option: 'more faster', text: 'hi there' };
    expect(await debugPrompt({ ...base, audioTokens: '<audio_1><audio_1025>' })).toBe(expected);
    expect(await debugPrompt({ ...base, audioTokens: '1, 1025' })).toBe(expected);
    expect(await debugPrompt({ ...base, audioTokens: '65537 66561' })).toBe(expected);
  });

  it('builds clone prompts with the given speaker, or the name of an empty prompt wav', async () => {
    const out = await debugPrompt({ task: 'clone', text: 'prompt words', newText: 'new words', audioTokens: '5' });
    const name = cloneSpeakerName('prompt words', { sampleRate: 24000, channels: [new Float32Array(0)] });
    expect(out).toContain(`speaker name: ${name}\nspeaker prompt text: \nprompt words\nspeaker audio tokens: \n<audio_5>\n`);
    expect(out.endsWith('<|BOT|>human\nnew words<|EOT|><|BOT|>assistant\n')).toBe(true);
    const named = await debugPrompt({ task: 'clone', text: 'p', newText: 'n', speaker: 'clone_abc' });
    expect(named).toContain('speaker name: clone_abc\n');
    await expect(debugPrompt({ task: 'clone', text: 'p' })).rejects.toMatchObject({ code: 'E_TEXT_REQUIRED' });
    await expect(debugPrompt({ task: 'clone', option: 'x', text: 'p', newText: 'n' })).rejects.toMatchObject({
      code: 'E_UNKNOWN_OPTION',
    });
  });

  it('prints ids as a JSON array with --pack --ids, using the manifest settings', async () => {
    const tok = uniFast();
    const input = { task: 'emotion', option: 'angry', text: 'Why now?', audioTokens: '<audio_9><audio_2048>' };
    const plain = pack('plain');
    const ids = JSON.parse(await debugPrompt({ ...input, pack: plain, ids: true })) as number[];
    expect(ids).toEqual(buildEditPromptIds(tok, input));
    expect(ids).toContain(900 + 2048);
    const withBos = pack('bos', { textTokenizer: { promptEncoding: { addBos: true } } });
    const idsBos = JSON.parse(await debugPrompt({ ...input, pack: withBos, ids: true })) as number[];
    expect(idsBos).toEqual(buildEditPromptIds(tok, input, { ...DEFAULT_PROMPT_ENCODING, addBos: true }));
    expect(idsBos.slice(0, 3)).toEqual([1, 4, 1]);
    const joined = pack('joined', { textTokenizer: { promptEncoding: { instructionCall: 'joined' } } });
    const idsJoined = JSON.parse(await debugPrompt({ ...input, pack: joined, ids: true })) as number[];
    expect(idsJoined).toEqual(buildEditPromptIds(tok, input, { ...DEFAULT_PROMPT_ENCODING, instructionCall: 'joined' }));
    expect(idsJoined).not.toEqual(ids);
    const spPack = pack('sp-mode', { textTokenizer: { promptEncoding: { tokenizer: 'sentencepiece', addDummyPrefix: 'never' } } });
    const sp = SentencePieceTokenizer.fromBytes(readFileSync(join(FIX, 'sp/uni-identity.model')));
    expect(JSON.parse(await debugPrompt({ ...input, pack: spPack, ids: true }))).toEqual(
      buildEditPromptIds(sp, input, { ...DEFAULT_PROMPT_ENCODING, tokenizer: 'sentencepiece', addDummyPrefix: 'never' }),
    );
    // --pack without --ids prints the text
    expect(await debugPrompt({ ...input, pack: plain })).toBe(buildEditPrompt(input));
  });

  it('opens the tokenizer the manifest names, not a fixed file name', async () => {
    const tok = uniFast();
    const input = { task: 'vad', text: '', audioTokens: '<audio_3>' };
    const dir = pack('elsewhere', { file: 'text/sp.model' });
    expect(JSON.parse(await debugPrompt({ ...input, pack: dir, ids: true }))).toEqual(buildEditPromptIds(tok, input));
  });

  it('fails with one clear sentence and its code for a missing pack, manifest or tokenizer', async () => {
    const run = (dir: string) => debugPrompt({ task: 'vad', text: '', pack: dir, ids: true });
    const nowhere = join(tmp, 'nowhere');
    const noManifest = pack('no-manifest', { noManifest: true });
    const cases: [string, string, RegExp][] = [
      [nowhere, 'E_FILE_NOT_FOUND', /^The model pack folder .*nowhere does not exist\.$/],
      [
        noManifest,
        'E_ENGINE_UNAVAILABLE',
        /^No model pack in .*no-manifest: manifest\.json is missing \(choose the folder of an EditX pack; see models\/ for how to get one\)\.$/,
      ],
      [
        pack('no-component', { textTokenizer: null }),
        'E_ENGINE_UNAVAILABLE',
        /^The model pack in .*no-component has no text tokenizer \(components\.textTokenizer\)\. Re-export the pack with tools\/export\.$/,
      ],
      [
        pack('no-file', { noTokenizerFile: true }),
        'E_ENGINE_UNAVAILABLE',
        /^The model pack in .*no-file is missing tokenizer\.model\. Download the pack again or re-export it with tools\/export\.$/,
      ],
    ];
    for (const [dir, code, message] of cases) {
      await expect(run(dir)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
  });

  it('refuses a tokenizer that does not read audio tokens or special tokens at the manifest ids', async () => {
    const run = (dir: string) => debugPrompt({ task: 'vad', text: '', audioTokens: '5', pack: dir, ids: true });
    // sentencepiece reads only USER_DEFINED pieces out of text; the fast tokenizer reads every added token, CONTROL
    // ones included, but not NORMAL pieces.
    const control = rewritePieces(tinyModel(), (p) => (p.startsWith('<audio_') ? { type: PieceType.CONTROL } : undefined));
    const spMode = { promptEncoding: { tokenizer: 'sentencepiece' } };
    await expect(run(pack('audio-control', { model: control, textTokenizer: spMode }))).rejects.toMatchObject({
      code: 'E_ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/<audio_0> is a CONTROL piece; audio pieces must be USER_DEFINED to be read as one token by the sentencepiece tokenizer/),
    });
    expect(JSON.parse(await run(pack('audio-control-fast', { model: control })))).toContain(65536 + 5);
    const normal = rewritePieces(tinyModel(), (p) => (p.startsWith('<audio_') ? { type: PieceType.NORMAL } : undefined));
    await expect(run(pack('audio-normal-fast', { model: normal }))).rejects.toMatchObject({
      code: 'E_ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/<audio_0> is a NORMAL piece; audio pieces must be USER_DEFINED or CONTROL to be read as one token by the transformers-fast tokenizer/),
    });
    await expect(run(pack('wrong-base', { textTokenizer: { audioIdBase: 1000 } }))).rejects.toMatchObject({
      code: 'E_ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/does not match its manifest entry: it reads .* instead of \[1000, 2024, 6119\]/),
    });
    const swapped = rewritePieces(tinyModel(), (p) =>
      p === '<|BOT|>' ? { piece: '<|EOT|>' } : p === '<|EOT|>' ? { piece: '<|BOT|>' } : undefined,
    );
    await expect(run(pack('swapped', { model: swapped }))).rejects.toThrow(
      /<\|BOT\|> must be id 4 \(specialIds\.bot\) but the tokenizer has it at 3/,
    );
    // The good tiny tokenizer in the same kind of pack works.
    const ids = JSON.parse(await run(pack('tiny-good', { model: tinyModel() }))) as number[];
    expect(ids).toContain(65536 + 5);
  });

  it('fails clearly with --ids but no pack, and on bad input', async () => {
    await expect(debugPrompt({ task: 'vad', text: '', ids: true })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(debugPrompt({ task: 'dance', text: 'x' })).rejects.toMatchObject({ code: 'E_UNKNOWN_TASK' });
    await expect(debugPrompt({ task: 'style', option: 'loud', text: 'x' })).rejects.toMatchObject({
      code: 'E_UNKNOWN_OPTION',
    });
    await expect(debugPrompt({ task: 'vad', text: '', audioTokens: '<audio_9' })).rejects.toMatchObject({
      code: 'E_VALIDATION',
    });
  });

  it('follows --profile and the pack\'s profile: the 2026 one renders the chat template, names the speaker "debug"', async () => {
    const input = { task: 'vad', text: '', audioTokens: '<audio_3>' };
    await expect(debugPrompt({ ...input, profile: '2026' })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      message: expect.stringMatching(/--profile 2026 renders the chat template of a model pack: give --pack DIR/),
    });
    const noTemplate = pack('no-template');
    await expect(debugPrompt({ ...input, pack: noTemplate, profile: '2026' })).rejects.toMatchObject({
      code: 'E_ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/records none \(components\.textTokenizer\.chatTemplate\)/),
    });
    const withTemplate = pack('template', { textTokenizer: { chatTemplate: TEMPLATE } });
    const text2026 = await debugPrompt({ ...input, pack: withTemplate, profile: '2026' });
    expect(text2026).toBe(buildEditPrompt(input)); // this template writes the same characters
    const ids2026 = JSON.parse(await debugPrompt({ ...input, pack: withTemplate, profile: '2026', ids: true })) as number[];
    expect(ids2026).toEqual(uniFast().encode(text2026));
    expect(ids2026).not.toEqual(JSON.parse(await debugPrompt({ ...input, pack: withTemplate, ids: true })));
    // A pack of the 2026 weights follows the 2026 profile unless told otherwise.
    const revised = pack('revised', { textTokenizer: { chatTemplate: TEMPLATE, modelRevision: '2026-01-29' } });
    expect(JSON.parse(await debugPrompt({ ...input, pack: revised, ids: true }))).toEqual(ids2026);
    expect(JSON.parse(await debugPrompt({ ...input, pack: revised, ids: true, profile: '2025-12' }))).not.toEqual(ids2026);
    const clone = { task: 'clone', text: 'prompt words', newText: 'new words', audioTokens: '5' };
    expect(await debugPrompt({ ...clone, pack: revised })).toContain('speaker name: debug\n');
    expect(await debugPrompt({ ...clone, pack: revised, profile: '2025-12' })).toContain('speaker name: clone_');
    expect(await debugPrompt({ ...clone, pack: revised, speaker: 'clone_given' })).toContain('speaker name: clone_given\n');
  });

  it('gives the reference ids on the tiny pack (real id layout, <audio_N> at 65536 + N) in both modes and profiles', async () => {
    const model = join(TINY, 'tokenizer.model');
    if (!existsSync(model)) {
      throw new Error(`${model} is missing: run bash tools/export/run-tests.sh first (it generates the tiny pack).`);
    }
    const r = runExporterModule('retake_export.goldens.sentencepiece.encode_cases', [model]);
    if (r.error || r.status !== 0) {
      throw new Error(
        `retake_export.goldens.sentencepiece.encode_cases failed (needs python3-sentencepiece and python3-jinja2): ${r.error?.message ?? r.stderr}`,
      );
    }
    type Case = { kind: string; input: Record<string, string>; ids: number[]; text?: string };
    const ref = JSON.parse(r.stdout) as { promptIds: Case[]; spPromptIds: Case[]; chat: Case[] };
    const args = (p: Case, dir: string) => {
      const i = p.input;
      return p.kind === 'edit'
        ? {
            task: i['task']!,
            text: i['text']!,
            audioTokens: i['audioTokens']!,
            pack: dir,
            ...(i['option'] !== undefined ? { option: i['option'] } : {}),
            ...(i['newText'] !== undefined ? { newText: i['newText'] } : {}),
          }
        : {
            task: 'clone',
            speaker: i['speaker']!,
            text: i['promptText']!,
            newText: i['targetText']!,
            audioTokens: i['promptAudioTokens']!,
            pack: dir,
          };
    };
    const edits = ref.promptIds.filter((p) => p.kind === 'edit');
    expect(edits.length).toBeGreaterThan(0);
    // The tiny pack's default mode: transformers-fast.
    for (const p of ref.promptIds) {
      const out = await debugPrompt({ ...args(p, TINY), ids: true });
      expect({ input: p.input, ids: JSON.parse(out) }).toEqual({ input: p.input, ids: p.ids });
    }
    expect(ref.promptIds[0]!.ids).toContain(65536 + 5119);
    // The same tokenizer in the sentencepiece mode: its nmt_nfkc normalizer turns the prompts' newlines into spaces,
    // so every prompt's ids differ between the modes.
    const spDir = pack('tiny-sp', { model: tinyModel(), textTokenizer: { promptEncoding: { tokenizer: 'sentencepiece' } } });
    ref.spPromptIds.forEach((p, k) => expect(p.ids).not.toEqual(ref.promptIds[k]!.ids));
    for (const p of ref.spPromptIds) {
      const out = await debugPrompt({ ...args(p, spDir), ids: true });
      expect({ input: p.input, ids: JSON.parse(out) }).toEqual({ input: p.input, ids: p.ids });
    }
    // The 2026 profile: the tiny pack's chat template rendered by jinja2 and tokenized as one string.
    expect(ref.chat.length).toBe(ref.promptIds.length);
    for (const p of ref.chat) {
      expect(await debugPrompt({ ...args(p, TINY), profile: '2026' })).toBe(p.text);
      const out = await debugPrompt({ ...args(p, TINY), profile: '2026', ids: true });
      expect({ input: p.input, ids: JSON.parse(out) }).toEqual({ input: p.input, ids: p.ids });
    }
  });
});
