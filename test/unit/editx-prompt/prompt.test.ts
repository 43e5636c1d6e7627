// EditX prompt goldens. Four layers:
// 1. literal prompts typed here from EDITX-SPEC.md §3, one per instruction form (not produced by any code);
// 2. every task and option against test/fixtures/editx/prompt-goldens.json, built by an independent Python
//    implementation of the spec (retake_export.goldens.sentencepiece.make_prompt_goldens);
// 3. prompt ids through the test tokenizers, in both tokenizer modes and with each prompt-encoding setting, against
//    the Python references on the same assembly (retake_export.text.hf_fast, python3-sentencepiece);
// 4. the 2026 profile: a template of the published shape rendered by Python's jinja2, byte for byte, and its ids.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import {
  buildClonePrompt,
  buildClonePromptIds,
  buildEditPrompt,
  buildEditPromptIds,
  buildInstruction,
  DEFAULT_PROMPT_ENCODING,
  pythonStrip,
  type ClonePromptInput,
  type EditPromptInput,
} from '../../../src-main/engines/editx/prompt';
import type { ChatTemplate, TokenizerMode } from '../../../src-main/engines/editx/pack/manifest';
import { EDITX_TASKS, EDITX_TASK_IDS, editxTaskInfo, PARALINGUISTIC_TAGS } from '../../../src-main/engines/editx/tasks';
import { FastLlamaTokenizer } from '../../../src-main/engines/editx/text/fast-llama';
import { SentencePieceTokenizer } from '../../../src-main/engines/editx/text/sentencepiece';
import { parseSpModel } from '../../../src-main/engines/editx/text/sp-model';

const FIX = join(__dirname, '../../fixtures/editx');

// Typed from the spec, on purpose not imported from the source.
const SYSTEM =
  '<s><|BOT|>system\n' +
  'As a highly skilled audio editing and tuning specialist, you excel in interpreting user instructions and applying precise adjustments to meet their needs. Your expertise spans a wide range of enhancement capabilities, including but not limited to:\n' +
  '# Emotional Enhancement\n' +
  '# Speaking Style Transfer\n' +
  '# Non-linguistic Adjustments\n' +
  '# Audio Tuning & Editing\n' +
  'Note: You will receive instructions in natural language and are expected to accurately interpret and execute the most suitable audio edits and enhancements.\n' +
  '<|EOT|>';
const AUDIO = '<audio_1><audio_2><audio_1030><audio_1031><audio_5119>';
const TAIL = `\n${AUDIO}\n<|EOT|><|BOT|>assistant\n`;
const T = 'The weather is so nice today.';

describe('prompt text: hand-written goldens, one per instruction form', () => {
  const cases: [string, EditPromptInput, string][] = [
    [
      'emotion (other than remove)',
      { task: 'emotion', option: 'happy', text: T, audioTokens: AUDIO },
      'Make the following audio more happy. The text corresponding to the audio is: The weather is so nice today.\n',
    ],
    [
      'emotion remove',
      { task: 'emotion', option: 'remove', text: T, audioTokens: AUDIO },
      'Remove any emotion in the following audio and the reference text is: The weather is so nice today.\n',
    ],
    [
      'style (other than remove)',
      { task: 'style', option: 'act_coy', text: T, audioTokens: AUDIO },
      'Make the following audio more act_coy style. The text corresponding to the audio is: The weather is so nice today.\n',
    ],
    [
      'style remove',
      { task: 'style', option: 'remove', text: T, audioTokens: AUDIO },
      'Remove any speaking styles in the following audio and the reference text is: The weather is so nice today.\n',
    ],
    [
      'speed faster',
      { task: 'speed', option: 'faster', text: T, audioTokens: AUDIO },
      'Make the following audio more faster. The text corresponding to the audio is: The weather is so nice today.\n',
    ],
    [
      'speed "more faster" (reads "more more faster")',
      { task: 'speed', option: 'more faster', text: T, audioTokens: AUDIO },
      'Make the following audio more more faster. The text corresponding to the audio is: The weather is so nice today.\n',
    ],
    [
      'speed "more slower"',
      { task: 'speed', option: 'more slower', text: T, audioTokens: AUDIO },
      'Make the following audio more more slower. The text corresponding to the audio is: The weather is so nice today.\n',
    ],
    [
      'denoise',
      { task: 'denoise', text: '', audioTokens: AUDIO },
      'Remove any noise from the given audio while preserving the voice content clearly. Ensure that the speech quality remains intact with minimal distortion, and eliminate all noise from the audio.\n',
    ],
    [
      'vad',
      { task: 'vad', text: '', audioTokens: AUDIO },
      'Remove any silent portions from the given audio while preserving the voice content clearly. Ensure that the speech quality remains intact with minimal distortion, and eliminate all silence from the audio.\n',
    ],
    [
      'paralinguistic (space before the colon, two spaces after the first newline)',
      {
        task: 'paralinguistic',
        text: 'Great, the weather is so nice today.',
        newText: 'Great[Laughter], the weather is so nice today[Surprise-ah].',
        audioTokens: AUDIO,
      },
      'Add some non-verbal sounds to make the audio more natural, the new text is : Great[Laughter], the weather is so nice today[Surprise-ah].\n  The text corresponding to the audio is: Great, the weather is so nice today.\n',
    ],
  ];
  it.each(cases)('%s', (_name, input, instruction) => {
    expect(buildEditPrompt(input)).toBe(`${SYSTEM}<|BOT|>human\n${instruction}${TAIL}`);
    expect(buildInstruction(input)).toBe(instruction);
  });

  it('strips the transcript and the audio tokens as Python str.strip() does', () => {
    expect(
      buildEditPrompt({ task: 'emotion', option: 'sad', text: '\u3000 hello \u0085\n', audioTokens: `  ${AUDIO}\n\n` }),
    ).toBe(
      `${SYSTEM}<|BOT|>human\nMake the following audio more sad. The text corresponding to the audio is: hello\n${TAIL}`,
    );
    expect(pythonStrip('\u001c\u001d x \u001e\u001f')).toBe('x');
    expect(pythonStrip('\ufeffx\ufeff')).toBe('\ufeffx\ufeff');
  });

  it('clone: the system prompt keeps its trailing spaces and the target text goes in the human turn', () => {
    const input: ClonePromptInput = {
      speaker: 'clone_0123456789abcdef',
      promptText: 'His political stance was conservative.',
      promptAudioTokens: AUDIO,
      targetText: '[Cantonese]今日天氣好好。',
    };
    expect(buildClonePrompt(input)).toBe(
      '<s><|BOT|>system\n' +
        'Generate audio with the following timbre, prosody and speaking style\n' +
        '\n' +
        '[speaker_start]\n' +
        'speaker name: clone_0123456789abcdef\n' +
        'speaker prompt text: \n' +
        'His political stance was conservative.\n' +
        'speaker audio tokens: \n' +
        '<audio_1><audio_2><audio_1030><audio_1031><audio_5119>\n' +
        '[speaker_end]\n' +
        '<|EOT|><|BOT|>human\n' +
        '[Cantonese]今日天氣好好。' +
        '<|EOT|><|BOT|>assistant\n',
    );
  });
});

interface PromptGoldens {
  audioCodes: number[];
  edit: (EditPromptInput & { prompt: string })[];
  clone: (ClonePromptInput & { prompt: string })[];
  ids: {
    model: string;
    tokenizer: TokenizerMode;
    addBos: boolean;
    addDummyPrefix: 'model' | 'never' | 'always';
    instructionCall: 'own' | 'joined';
    kind: 'edit' | 'clone';
    input: EditPromptInput & ClonePromptInput;
    ids: number[];
  }[];
  chatTemplate: ChatTemplate;
  chat: { model: string; kind: 'edit' | 'clone'; input: EditPromptInput & ClonePromptInput; text: string; ids: number[] }[];
}
const goldens = JSON.parse(readFileSync(join(FIX, 'prompt-goldens.json'), 'utf8')) as PromptGoldens;

describe('prompt text: every task and option against the independent Python build', () => {
  it('covers every option of every task with options, and every task', () => {
    const seen = new Set(goldens.edit.map((e) => `${e.task}/${e.option ?? ''}`));
    for (const id of EDITX_TASK_IDS) {
      if (id === 'clone') continue;
      const opts = EDITX_TASKS[id].options;
      if (opts.length === 0) expect(seen).toContain(`${id}/`);
      for (const o of opts) expect(seen).toContain(`${id}/${o}`);
    }
    expect(EDITX_TASKS.emotion.options).toHaveLength(15);
    expect(EDITX_TASKS.style.options).toHaveLength(33);
    expect(goldens.clone.length).toBeGreaterThan(0);
  });

  it.each(goldens.edit.map((e) => [`${e.task} ${e.option ?? ''}`.trim(), e] as const))('%s', (_n, e) => {
    const { prompt, ...input } = e;
    expect(buildEditPrompt(input)).toBe(prompt);
  });

  it.each(goldens.clone.map((c) => [c.speaker, c] as const))('clone %s', (_n, c) => {
    const { prompt, ...input } = c;
    expect(buildClonePrompt(input)).toBe(prompt);
  });
});

const tokenizers = new Map<string, SentencePieceTokenizer | FastLlamaTokenizer>();
function tok(file: string, mode: TokenizerMode = 'sentencepiece'): SentencePieceTokenizer | FastLlamaTokenizer {
  let t = tokenizers.get(`${mode} ${file}`);
  if (!t) {
    const model = parseSpModel(readFileSync(join(FIX, file)));
    t = mode === 'sentencepiece' ? new SentencePieceTokenizer(model) : new FastLlamaTokenizer(model);
    tokenizers.set(`${mode} ${file}`, t);
  }
  return t;
}

describe('prompt ids against the Python references on the same assembly', () => {
  it('covers both tokenizer modes and every per-call setting', () => {
    const seen = new Set(goldens.ids.map((g) => `${g.tokenizer} bos=${g.addBos} ${g.instructionCall}`));
    for (const k of ['transformers-fast bos=false own', 'transformers-fast bos=true own', 'transformers-fast bos=false joined', 'sentencepiece bos=true own']) {
      expect(seen).toContain(k);
    }
  });

  it.each(
    goldens.ids.map(
      (g) =>
        [`${g.model} ${g.tokenizer} ${g.kind} bos=${g.addBos} dummy=${g.addDummyPrefix} instruction=${g.instructionCall}`, g] as const,
    ),
  )('%s', (_n, g) => {
    const settings = {
      ...DEFAULT_PROMPT_ENCODING,
      tokenizer: g.tokenizer,
      addBos: g.addBos,
      addDummyPrefix: g.addDummyPrefix,
      instructionCall: g.instructionCall,
    };
    const t = tok(g.model, g.tokenizer);
    const ids = g.kind === 'edit' ? buildEditPromptIds(t, g.input, settings) : buildClonePromptIds(t, g.input, settings);
    expect(ids).toEqual(g.ids);
  });

  it('writes the special ids where the assembly says', () => {
    const t = tok('sp/uni-identity.model');
    const ids = buildEditPromptIds(t, { task: 'vad', text: '', audioTokens: '<audio_7>' });
    expect(ids.slice(0, 2)).toEqual([1, 4]);
    expect(ids.filter((i) => i === 4)).toHaveLength(3);
    expect(ids.filter((i) => i === 3)).toHaveLength(2);
    expect(ids).toContain(t.pieceToId('<audio_7>'));
    const custom = { ...DEFAULT_PROMPT_ENCODING, specialIds: { bos: 101, bot: 104, eot: 103 } };
    const ids2 = buildEditPromptIds(t, { task: 'vad', text: '', audioTokens: '<audio_7>' }, custom);
    expect(ids2.slice(0, 2)).toEqual([101, 104]);
  });

  it('gives the instruction a ▁ in its own call and none when joined to the human line (fast mode)', () => {
    const t = tok('sp/uni-identity.model', 'transformers-fast') as FastLlamaTokenizer;
    const input = { task: 'emotion', option: 'happy', text: T, audioTokens: '<audio_7>' };
    const own = buildEditPromptIds(t, input);
    const joined = buildEditPromptIds(t, input, { ...DEFAULT_PROMPT_ENCODING, instructionCall: 'joined' });
    const turnOwn = t.encodePieces(`${buildInstruction(input)}\n<audio_7>\n`);
    const turnJoined = t.encodePieces(`human\n${buildInstruction(input)}\n<audio_7>\n`);
    expect(turnOwn[0]!.startsWith('\u2581')).toBe(true);
    // (this vocabulary has no newline piece: it is the byte piece <0x0A>)
    expect(turnJoined.join('')).toBe(`\u2581human<0x0A>${turnOwn.join('').slice(1)}`);
    expect(own).not.toEqual(joined);
    // The text form is the same either way.
    expect(buildEditPrompt(input, { ...DEFAULT_PROMPT_ENCODING, instructionCall: 'joined' })).toBe(buildEditPrompt(input));
  });
});

describe('2026 profile: the chat template rendered like jinja2, tokenized as one string', () => {
  const settings = { ...DEFAULT_PROMPT_ENCODING, profile: '2026' as const, chatTemplate: goldens.chatTemplate };

  it('uses a template of the published shape', () => {
    const t = goldens.chatTemplate.template;
    for (const construct of ['for message in messages', "'human'", '<|BOT|>', '<|EOT|>', 'add_generation_prompt', 'bos_token']) {
      expect(t).toContain(construct);
    }
    expect(goldens.chat.length).toBe(6);
  });

  it.each(goldens.chat.map((c) => [`${c.kind} ${c.input.task ?? c.input.speaker}`, c] as const))('%s', (_n, c) => {
    const t = tok(c.model, 'transformers-fast');
    const text = c.kind === 'edit' ? buildEditPrompt(c.input, settings) : buildClonePrompt(c.input, settings);
    expect(text).toBe(c.text);
    const ids = c.kind === 'edit' ? buildEditPromptIds(t, c.input, settings) : buildClonePromptIds(t, c.input, settings);
    expect(ids).toEqual(c.ids);
    // This template writes the same characters as the 2025-12 assembly; only the tokenization differs.
    const old = c.kind === 'edit' ? buildEditPrompt(c.input) : buildClonePrompt(c.input);
    expect(text).toBe(old);
    const perCall = c.kind === 'edit' ? buildEditPromptIds(t, c.input) : buildClonePromptIds(t, c.input);
    expect(ids).not.toEqual(perCall);
  });

  it('refuses without a template, with the sentencepiece mode, and names a template error', () => {
    const input = { task: 'vad', text: '', audioTokens: '<audio_7>' };
    expect(() => buildEditPrompt(input, { ...settings, chatTemplate: null })).toThrow(
      expect.objectContaining({ code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(/records none/) }),
    );
    expect(() => buildEditPromptIds(tok('sp/uni-identity.model'), input, settings)).toThrow(
      expect.objectContaining({ code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(/transformers-fast tokenizer mode/) }),
    );
    const bad = { template: '{% for m in messages %}{{ raise_exception("no " + m.role) }}{% endfor %}', specialTokens: {} };
    expect(() => buildEditPrompt(input, { ...settings, chatTemplate: bad })).toThrow(
      expect.objectContaining({ code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(/failed on this conversation \(no system\)/) }),
    );
    expect(() => buildEditPrompt(input, { ...settings, chatTemplate: { template: '{% if %}', specialTokens: {} } })).toThrow(
      expect.objectContaining({ code: 'E_ENGINE_UNAVAILABLE', message: expect.stringMatching(/cannot be read/) }),
    );
  });
});

describe('validation', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(RetakeError);
      return (e as RetakeError).code;
    }
    return 'no error';
  };
  it('rejects unknown tasks and options, and missing texts', () => {
    expect(code(() => buildEditPrompt({ task: 'karaoke', text: T, audioTokens: '' }))).toBe('E_UNKNOWN_TASK');
    expect(code(() => buildEditPrompt({ task: 'clone', text: T, audioTokens: '' }))).toBe('E_UNKNOWN_TASK');
    expect(code(() => buildEditPrompt({ task: 'emotion', option: 'joyful', text: T, audioTokens: '' }))).toBe(
      'E_UNKNOWN_OPTION',
    );
    expect(code(() => buildEditPrompt({ task: 'emotion', text: T, audioTokens: '' }))).toBe('E_UNKNOWN_OPTION');
    expect(code(() => buildEditPrompt({ task: 'speed', option: 'remove', text: T, audioTokens: '' }))).toBe(
      'E_UNKNOWN_OPTION',
    );
    expect(code(() => buildEditPrompt({ task: 'denoise', option: 'strong', text: '', audioTokens: '' }))).toBe(
      'E_UNKNOWN_OPTION',
    );
    expect(code(() => buildEditPrompt({ task: 'style', option: 'warm', text: ' \n', audioTokens: '' }))).toBe(
      'E_TEXT_REQUIRED',
    );
    expect(code(() => buildEditPrompt({ task: 'emotion', option: 'happy', audioTokens: '' }))).toBe('E_TEXT_REQUIRED');
    expect(code(() => buildEditPrompt({ task: 'paralinguistic', text: T, audioTokens: '' }))).toBe('E_TEXT_REQUIRED');
    const clone = { speaker: 'clone_x', promptText: 'p', promptAudioTokens: '', targetText: 't' };
    expect(code(() => buildClonePrompt({ ...clone, promptText: '' }))).toBe('E_TEXT_REQUIRED');
    expect(code(() => buildClonePrompt({ ...clone, targetText: '  ' }))).toBe('E_TEXT_REQUIRED');
  });

  it('keeps placeholders typed by the user literal', () => {
    expect(buildInstruction({ task: 'paralinguistic', text: '{new_text}', newText: '{audio_text}' })).toBe(
      'Add some non-verbal sounds to make the audio more natural, the new text is : {audio_text}\n  The text corresponding to the audio is: {new_text}\n',
    );
  });
});

describe('task tables', () => {
  it('publish the capabilities of each task', () => {
    const info = editxTaskInfo();
    expect(Object.keys(info).sort()).toEqual(['clone', 'denoise', 'emotion', 'paralinguistic', 'speed', 'style', 'vad']);
    expect(info.speed.options).toEqual(['faster', 'slower', 'more faster', 'more slower']);
    expect(info.paralinguistic).toEqual({ options: [], needsText: true, needsNewText: true, intensity: false });
    expect(info.denoise).toEqual({ options: [], needsText: false, needsNewText: false, intensity: false });
    expect(PARALINGUISTIC_TAGS).toHaveLength(10);
    expect(PARALINGUISTIC_TAGS).toContain('[Dissatisfaction-hnn]');
  });
});

// ---- cases found by mutation testing (npm run mutation -- prompt) ---------------------------------------------------

describe('instruction details', () => {
  const failure = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(RetakeError);
      return `${(e as RetakeError).code}: ${(e as RetakeError).message}`;
    }
    return 'no error';
  };

  it('strips only Python whitespace, from both ends, and leaves an all-space string empty', () => {
    expect(pythonStrip('\u3000\t a b \u2029\n')).toBe('a b');
    expect(pythonStrip('\ufeffx\ufeff')).toBe('\ufeffx\ufeff');
    expect(pythonStrip(' \u00a0 ')).toBe('');
    expect(pythonStrip('x')).toBe('x');
    expect(pythonStrip('')).toBe('');
  });

  it('words each refusal with the task, the option and what to use instead', () => {
    const opts = EDITX_TASKS.emotion.options.join(', ');
    expect(failure(() => buildInstruction({ task: 'karaoke', text: T }))).toBe(
      `E_UNKNOWN_TASK: "karaoke" is not an EditX task; use one of ${Object.keys(EDITX_TASKS).join(', ')}.`,
    );
    expect(failure(() => buildInstruction({ task: 'clone', text: T }))).toBe(
      'E_UNKNOWN_TASK: "clone" has no edit instruction; build its prompt with buildClonePrompt.',
    );
    expect(failure(() => buildInstruction({ task: 'emotion', text: T }))).toBe(`E_UNKNOWN_OPTION: No option given for emotion; use one of: ${opts}.`);
    expect(failure(() => buildInstruction({ task: 'emotion', option: 'joyful', text: T }))).toBe(
      `E_UNKNOWN_OPTION: "joyful" is not an option for emotion; use one of: ${opts}.`,
    );
    expect(failure(() => buildInstruction({ task: 'denoise', option: 'strong', text: '' }))).toBe('E_UNKNOWN_OPTION: denoise takes no option (got "strong").');
    expect(failure(() => buildInstruction({ task: 'style', option: 'warm', text: ' ' }))).toBe('E_TEXT_REQUIRED: The style edit needs the transcript of the audio.');
    expect(failure(() => buildInstruction({ task: 'paralinguistic', text: T }))).toBe(
      'E_TEXT_REQUIRED: The paralinguistic edit needs the new text (the transcript with its tags).',
    );
    const clone = { speaker: 'clone_x', promptText: 'p', promptAudioTokens: '', targetText: 't' };
    expect(failure(() => buildClonePrompt({ ...clone, promptText: '' }))).toBe('E_TEXT_REQUIRED: Cloning needs the transcript of the prompt audio.');
    expect(failure(() => buildClonePrompt({ ...clone, targetText: '' }))).toBe('E_TEXT_REQUIRED: Cloning needs the text to speak.');
  });

  it('fills an absent transcript, option or new text with nothing, not with a placeholder', () => {
    for (const task of EDITX_TASK_IDS) {
      const spec = EDITX_TASKS[task];
      if (!spec.instruction || spec.needsText || spec.needsNewText || spec.options.length > 0) continue;
      const line = buildInstruction({ task });
      expect(line, task).not.toMatch(/undefined|\{|Stryker/);
      expect(buildInstruction({ task, text: '' }), task).toBe(line);
    }
    // The clone's target text is the human turn's text, and it ends the prompt before the assistant turn.
    const c = buildClonePrompt({ speaker: 'clone_x', promptText: 'p', promptAudioTokens: '<audio_1>', targetText: 'Say this.' });
    expect(c).toContain('human\nSay this.<|EOT|>');
  });
});
