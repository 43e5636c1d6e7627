// The EditX prompts (EDITX-SPEC.md §3): the instruction line of each edit task, and the assembly of the edit and
// clone prompts as a list of parts (special ids and text runs) from which both forms are derived, so they cannot
// drift apart:
// - text: the parts joined, special ids written `<s>`, `<|BOT|>`, `<|EOT|>` (what `retake debug prompt` prints);
// - ids: special ids as they are, each text run encoded by its own tokenizer call, as the reference does:
//   edit  = [bos] [bot] enc("system\n" + EDIT_SYSTEM) [eot] [bot] enc("human\n") enc(instruction + "\n" + audio + "\n")
//           [eot] [bot] enc("assistant\n")
//   clone = [bos] [bot] enc("system\n" + CLONE_SYSTEM) [eot] [bot] enc("human\n") enc("\n" + target)[len(enc("\n")):]
//           [eot] [bot] enc("assistant\n")

import { RetakeError } from '../../../contract/errors';
import { EDITX_TASKS, isEditxTask, type EditxTaskId } from '../tasks';
import type { EncodeOptions } from '../text/sentencepiece';
import { DEFAULT_PROMPT_ENCODING, type PromptEncodingSettings } from './settings';
import { cloneSystemPrompt, EDIT_SYSTEM_PROMPT } from './templates';

/** Anything that encodes text like the model's sentencepiece tokenizer. */
export interface PromptTextEncoder {
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

export function editPromptParts(input: EditPromptInput): PromptPart[] {
  const instruction = buildInstruction(input);
  return [
    { kind: 'special', name: 'bos' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'system\n' + EDIT_SYSTEM_PROMPT },
    { kind: 'special', name: 'eot' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'human\n' },
    { kind: 'text', text: `${instruction}\n${pythonStrip(input.audioTokens)}\n` },
    { kind: 'special', name: 'eot' },
    { kind: 'special', name: 'bot' },
    { kind: 'text', text: 'assistant\n' },
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

export function partsToText(parts: readonly PromptPart[]): string {
  return parts.map((p) => (p.kind === 'special' ? SPECIAL_TEXT[p.name] : p.text)).join('');
}

export function partsToIds(
  encoder: PromptTextEncoder,
  parts: readonly PromptPart[],
  settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING,
): number[] {
  const opts: EncodeOptions = { addBos: settings.addBos, addDummyPrefix: settings.addDummyPrefix };
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

/** The edit prompt as text, special tokens written `<s>`, `<|BOT|>`, `<|EOT|>`. */
export function buildEditPrompt(input: EditPromptInput): string {
  return partsToText(editPromptParts(input));
}

export function buildEditPromptIds(
  encoder: PromptTextEncoder,
  input: EditPromptInput,
  settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING,
): number[] {
  return partsToIds(encoder, editPromptParts(input), settings);
}

/** The clone prompt as text, special tokens written `<s>`, `<|BOT|>`, `<|EOT|>`. */
export function buildClonePrompt(input: ClonePromptInput): string {
  return partsToText(clonePromptParts(input));
}

export function buildClonePromptIds(
  encoder: PromptTextEncoder,
  input: ClonePromptInput,
  settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING,
): number[] {
  return partsToIds(encoder, clonePromptParts(input), settings);
}
