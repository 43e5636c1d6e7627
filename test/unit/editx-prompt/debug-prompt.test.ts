// `retake debug prompt` (the function behind it): text output, ids through a pack's tokenizer and manifest, errors.
// The tiny pack's prompt ids are checked against Python sentencepiece run live (tools/sp/encode_cases.py).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debugPrompt } from '../../../src-main/cli/debug-prompt';
import { buildEditPrompt, buildEditPromptIds, cloneSpeakerName } from '../../../src-main/engines/editx/prompt';
import { SentencePieceTokenizer } from '../../../src-main/engines/editx/text/sentencepiece';

const ROOT = join(__dirname, '../../..');
const FIX = join(ROOT, 'test/fixtures/editx');
const TINY = join(ROOT, 'test/fixtures/generated/tiny-pack');

const tmp = mkdtempSync(join(tmpdir(), 'retake-debug-prompt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pack(name: string, manifest: unknown | null): string {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIX, 'sp/uni-identity.model'), join(dir, 'tokenizer.model'));
  if (manifest !== null) writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
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
    const tok = SentencePieceTokenizer.fromBytes(readFileSync(join(FIX, 'sp/uni-identity.model')));
    const input = { task: 'emotion', option: 'angry', text: 'Why now?', audioTokens: '<audio_9><audio_2048>' };
    const plain = pack('plain', null);
    expect(JSON.parse(await debugPrompt({ ...input, pack: plain, ids: true }))).toEqual(buildEditPromptIds(tok, input));
    const withBos = pack('bos', { components: { textTokenizer: { promptEncoding: { addBos: true } } } });
    const idsBos = JSON.parse(await debugPrompt({ ...input, pack: withBos, ids: true })) as number[];
    expect(idsBos).toEqual(
      buildEditPromptIds(tok, input, { addBos: true, addDummyPrefix: 'model', specialIds: { bos: 1, bot: 4, eot: 3 } }),
    );
    expect(idsBos.slice(0, 3)).toEqual([1, 4, 1]);
    // --pack without --ids prints the text
    expect(await debugPrompt({ ...input, pack: plain })).toBe(buildEditPrompt(input));
  });

  it('fails clearly without a tokenizer, with --ids but no pack, and on bad input', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(debugPrompt({ task: 'vad', text: '', pack: empty, ids: true })).rejects.toThrow(
      /No tokenizer in the model pack: .*tokenizer\.model does not exist/,
    );
    await expect(debugPrompt({ task: 'vad', text: '', pack: empty, ids: true })).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
    });
    await expect(debugPrompt({ task: 'vad', text: '', ids: true })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(debugPrompt({ task: 'dance', text: 'x' })).rejects.toMatchObject({ code: 'E_UNKNOWN_TASK' });
    await expect(debugPrompt({ task: 'style', option: 'loud', text: 'x' })).rejects.toMatchObject({
      code: 'E_UNKNOWN_OPTION',
    });
    await expect(debugPrompt({ task: 'vad', text: '', audioTokens: '<audio_9' })).rejects.toMatchObject({
      code: 'E_VALIDATION',
    });
  });

  it('gives the reference ids on the tiny pack (real id layout, <audio_N> at 65536 + N)', async () => {
    const model = join(TINY, 'tokenizer.model');
    if (!existsSync(model)) {
      throw new Error(`${model} is missing: run bash tools/export/run-tests.sh first (it generates the tiny pack).`);
    }
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'tools/sp/encode_cases.py'), model], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error || r.status !== 0) {
      throw new Error(`/usr/bin/python3 tools/sp/encode_cases.py failed (needs python3-sentencepiece): ${r.error?.message ?? r.stderr}`);
    }
    const ref = JSON.parse(r.stdout) as {
      promptIds: { kind: string; input: Record<string, string>; ids: number[] }[];
    };
    const edits = ref.promptIds.filter((p) => p.kind === 'edit');
    expect(edits.length).toBeGreaterThan(0);
    for (const p of ref.promptIds) {
      const i = p.input;
      const out =
        p.kind === 'edit'
          ? await debugPrompt({
              task: i['task']!,
              text: i['text']!,
              audioTokens: i['audioTokens']!,
              pack: TINY,
              ids: true,
              ...(i['option'] !== undefined ? { option: i['option'] } : {}),
              ...(i['newText'] !== undefined ? { newText: i['newText'] } : {}),
            })
          : await debugPrompt({
              task: 'clone',
              speaker: i['speaker']!,
              text: i['promptText']!,
              newText: i['targetText']!,
              audioTokens: i['promptAudioTokens']!,
              pack: TINY,
              ids: true,
            });
      expect({ input: i, ids: JSON.parse(out) }).toEqual({ input: i, ids: p.ids });
    }
    expect(ref.promptIds[0]!.ids).toContain(65536 + 5119);
  });
});
