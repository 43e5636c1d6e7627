// The EditX prompts (EDITX-SPEC.md §3): the instruction line of each edit task, and the assembly of the edit and
// clone prompts in the two reference profiles.
//
// 2025-12 (tts.py): a list of parts (special ids and text runs) from which both forms are derived, so they cannot
// drift apart:
// - text: the parts joined, special ids written `<s>`, `<|BOT|>`, `<|EOT|>` (what `retake debug prompt` prints);
// - ids: special ids as they are, each text run encoded by its own tokenizer call, as the reference does:
//   edit  = [bos] [bot] enc("system\n" + EDIT_SYSTEM) [eot] [bot] enc("human\n") enc(instruction + "\n" + audio + "\n")
//           [eot] [bot] enc("assistant\n")
//   clone = [bos] [bot] enc("system\n" + CLONE_SYSTEM) [eot] [bot] enc("human\n") enc("\n" + target)[len(enc("\n")):]
//           [eot] [bot] enc("assistant\n")
//   With instructionCall "joined" the edit's `human\n` and instruction runs are one call (no `▁` before `Make`).
// 2026 (vLLM): the conversation [system: EDIT_SYSTEM or CLONE_SYSTEM, user: the same human-turn text as above] is
// rendered with the pack's chat template (add_generation_prompt on), and that one string is the text form; its ids
// are one call of the transformers-fast tokenizer, which reads `<s>`, `<|BOT|>`, `<|EOT|>` and `<audio_N>` inside it.

import { RetakeError } from '../../../contract/errors';
import type { TokenizerMode } from '../pack/manifest';
import { EDITX_TASKS, isEditxTask, type EditxTaskId } from '../tasks';
import type { EncodeOptions } from '../text/sentencepiece';
import { renderChatTemplate, type ChatMessage } from './chat-template';
import { DEFAULT_PROMPT_ENCODING, type InstructionCall, type PromptEncodingSettings } from './settings';
import { cloneSystemPrompt, EDIT_SYSTEM_PROMPT } from './templates';

/** The pack's text tokenizer in either mode (text/fast-llama.ts, text/sentencepiece.ts). */
export interface PromptTextEncoder {
  readonly mode: TokenizerMode;
  encode(text: string, options?: EncodeOptions): number[];
}

export interface EditPromptInput {
  task: string;
  option?: string;
  /** Transcript of the audio being edited (stripped of surrounding whitespace, as the reference does). */
  text?: string;
  /** Paralinguistic: the transcript with inline tags. */
  newText?: string;
  /** The `<audio_N>` text of the audio being edited (surrounding whitespace is stripped). */
  audioTokens: string;
}

export interface ClonePromptInput {
  /** See cloneSpeakerName. */
  speaker: string;
  /** Transcript of the prompt audio. */
  promptText: string;
  /** The `<audio_N>` text of the prompt audio. */
  promptAudioTokens: string;
  /** The text to speak in the prompt's voice (may start with a dialect prefix such as `[Cantonese]`). */
  targetText: string;
}

export type PromptPart =
  | { kind: 'special'; name: 'bos' | 'bot' | 'eot' }
  | { kind: 'text'; text: string }
  /** Encoded as `enc("\n" + text)` minus the ids of `enc("\n")`: the target text without a dummy prefix. */
  | { kind: 'textAfterNewline'; text: string };

const SPECIAL_TEXT = { bos: '<s>', bot: '<|BOT|>', eot: '<|EOT|>' } as const;

// Python's str.isspace() set: what the reference's `.strip()` removes (JavaScript's trim() differs on U+FEFF,
// U+0085 and U+001C..U+001F).
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** `str.strip()` of Python: removes leading and trailing characters for which `isspace()` is true. */
export function pythonStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && PY_SPACE.has(s.charCodeAt(a))) a++;
  while (b > a && PY_SPACE.has(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function taskOf(task: string): EditxTaskId {
  if (!isEditxTask(task)) {
    throw new RetakeError(
      'E_UNKNOWN_TASK',
      `"${task}" is not an EditX task; use one of ${Object.keys(EDITX_TASKS).join(', ')}.`,
    );
  }
  return task;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || pythonStrip(value).length === 0) throw new RetakeError('E_TEXT_REQUIRED', what);
  return value;
}

/** The instruction line of an edit task, with validation of task, option and texts. */
export function buildInstruction(input: Omit<EditPromptInput, 'audioTokens'>): string {
  const id = taskOf(input.task);
  const spec = EDITX_TASKS[id];
  if (!spec.instruction) {
    throw new RetakeError('E_UNKNOWN_TASK', `"${id}" has no edit instruction; build its prompt with buildClonePrompt.`);
  }
  const option = input.option;
  if (spec.options.length > 0) {
    if (option === undefined || !spec.options.includes(option)) {
      throw new RetakeError(
        'E_UNKNOWN_OPTION',
        `${option === undefined ? 'No option given' : `"${option}" is not an option`} for ${id}; use one of: ${spec.options.join(', ')}.`,
      );
    }
  } else if (option !== undefined) {
    throw new RetakeError('E_UNKNOWN_OPTION', `${id} takes no option (got "${option}").`);
  }
  if (spec.needsText) required(input.text, `The ${id} edit needs the transcript of the audio.`);
  if (spec.needsNewText) required(input.newText, `The ${id} edit needs the new text (the transcript with its tags).`);
  const template = option === 'remove' && spec.instruction.remove ? spec.instruction.remove : spec.instruction.default;
  const values: Record<string, string> = {
    option: option ?? '',
    audio_text: pythonStrip(input.text ?? ''),
    new_text: input.newText ?? '',
  };
  // One pass, so placeholders inside the user's texts stay literal.
  return template.replace(/\{(option|audio_text|new_text)\}/g, (_, k: string) => values[k]!);
}

function humanEditTurn(input: EditPromptInput): string {
  return `${buildInstruction(input)}\n${pythonStrip(input.audioTokens)}\n`;
}

export function editPromptParts(input: EditPromptInput, instructionCall: InstructionCall = 'own'): PromptPart[] {
  const human = humanEditTurn(input);
  return [
    { kind: 'special', name: 'bos' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'system\n' + EDIT_SYSTEM_PROMPT },
    { kind: 'special', name: 'eot' },
    { kind: 'special', name: 'bot' },
    ...(instructionCall === 'own'
      ? [{ kind: 'text', text: 'human\n' } as const, { kind: 'text', text: human } as const]
      : [{ kind: 'text', text: 'human\n' + human } as const]),
    { kind: 'special', name: 'eot' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'assistant\n' },
  ];
}

/** The edit conversation of the 2026 profile (the chat template adds the turn markers and the assistant opening). */
export function editMessages(input: EditPromptInput): ChatMessage[] {
  return [
    { role: 'system', content: EDIT_SYSTEM_PROMPT },
    { role: 'user', content: humanEditTurn(input) },
  ];
}

export function clonePromptParts(input: ClonePromptInput): PromptPart[] {
  required(input.promptText, 'Cloning needs the transcript of the prompt audio.');
  required(input.targetText, 'Cloning needs the text to speak.');
  return [
    { kind: 'special', name: 'bos' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'system\n' + cloneSystemPrompt(input.speaker, input.promptText, input.promptAudioTokens) },
    { kind: 'special', name: 'eot' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'human\n' },
    { kind: 'textAfterNewline', text: input.targetText },
    { kind: 'special', name: 'eot' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'assistant\n' },
  ];
}

/** The clone conversation of the 2026 profile. */
export function cloneMessages(input: ClonePromptInput): ChatMessage[] {
  required(input.promptText, 'Cloning needs the transcript of the prompt audio.');
  required(input.targetText, 'Cloning needs the text to speak.');
  return [
    { role: 'system', content: cloneSystemPrompt(input.speaker, input.promptText, input.promptAudioTokens) },
    { role: 'user', content: input.targetText },
  ];
}

export function partsToText(parts: readonly PromptPart[]): string {
  return parts.map((p) => (p.kind === 'special' ? SPECIAL_TEXT[p.name] : p.text)).join('');
}

export function partsToIds(
  encoder: PromptTextEncoder,
  parts: readonly PromptPart[],
  settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING,
): number[] {
  // The dummy-prefix override is a sentencepiece-mode setting; the fast tokenizer always prepends per call.
  const opts: EncodeOptions =
    encoder.mode === 'sentencepiece' ? { addBos: settings.addBos, addDummyPrefix: settings.addDummyPrefix } : { addBos: settings.addBos };
  const ids: number[] = [];
  for (const p of parts) {
    if (p.kind === 'special') ids.push(settings.specialIds[p.name]);
    else if (p.kind === 'text') ids.push(...encoder.encode(p.text, opts));
    else {
      const skip = encoder.encode('\n', opts).length;
      ids.push(...encoder.encode('\n' + p.text, opts).slice(skip));
    }
  }
  return ids;
}

function rendered(messages: ChatMessage[], settings: PromptEncodingSettings): string {
  if (!settings.chatTemplate) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      'The 2026 prompt profile renders the model pack\'s chat template, and this pack records none (components.textTokenizer.chatTemplate). Re-export it with the model\'s tokenizer_config.json, or use the 2025-12 profile.',
    );
  }
  return renderChatTemplate(settings.chatTemplate, messages);
}

/** One call of the fast tokenizer over the rendered conversation (2026 profile). */
function renderedIds(encoder: PromptTextEncoder, text: string): number[] {
  if (encoder.mode !== 'transformers-fast') {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      'The 2026 prompt profile tokenizes the rendered chat template as one string, which needs the transformers-fast tokenizer mode (sentencepiece does not read <|BOT|> and <s> inside text).',
    );
  }
  return encoder.encode(text);
}

/** The edit prompt as text: special tokens written `<s>`, `<|BOT|>`, `<|EOT|>` (2025-12) or the rendered template (2026). */
export function buildEditPrompt(input: EditPromptInput, settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING): string {
  if (settings.profile === '2026') return rendered(editMessages(input), settings);
  return partsToText(editPromptParts(input, settings.instructionCall));
}

export function buildEditPromptIds(
  encoder: PromptTextEncoder,
  input: EditPromptInput,
  settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING,
): number[] {
  if (settings.profile === '2026') return renderedIds(encoder, rendered(editMessages(input), settings));
  return partsToIds(encoder, editPromptParts(input, settings.instructionCall), settings);
}

/** The clone prompt as text (see buildEditPrompt). */
export function buildClonePrompt(input: ClonePromptInput, settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING): string {
  if (settings.profile === '2026') return rendered(cloneMessages(input), settings);
  return partsToText(clonePromptParts(input));
}

export function buildClonePromptIds(
  encoder: PromptTextEncoder,
  input: ClonePromptInput,
  settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING,
): number[] {
  if (settings.profile === '2026') return renderedIds(encoder, rendered(cloneMessages(input), settings));
  return partsToIds(encoder, clonePromptParts(input), settings);
}
