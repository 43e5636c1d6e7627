// `retake debug prompt`: the exact EditX prompt for a task, as text or (with a model pack) as token ids.
//
// Returns the prompt text with special tokens written `<s>`, `<|BOT|>`, `<|EOT|>` (it ends with "assistant\n"), or with
// `pack` and `ids` the ids as a JSON array (no trailing newline), encoded by `DIR/tokenizer.model` with the
// prompt-encoding settings of `DIR/manifest.json` (defaults when the manifest or the keys are absent).
//
// Arguments by task:
// - edit tasks: `text` = transcript of the audio, `newText` = tagged text (paralinguistic), `audioTokens` = its codes;
// - clone: `text` = transcript of the prompt audio, `newText` = the text to speak, `audioTokens` = the prompt's codes,
//   `speaker` = the speaker name; without it the name is computed as for a prompt wav with no samples
//   (cloneSpeakerName(text, empty audio)), since no audio is given here.
// `audioTokens` is either the `<audio_N>` text itself or comma/space-separated codes 0..5119 (token ids 65536..70655
// are accepted too); see parseAudioTokens. Absent means no audio tokens.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { audioTokenText, parseAudioTokens } from '../engines/editx/prompt/audio-tokens';
import {
  buildClonePrompt,
  buildClonePromptIds,
  buildEditPrompt,
  buildEditPromptIds,
  type ClonePromptInput,
  type EditPromptInput,
} from '../engines/editx/prompt/prompt';
import { promptEncodingFromManifest } from '../engines/editx/prompt/settings';
import { cloneSpeakerName } from '../engines/editx/prompt/speaker';
import { SentencePieceTokenizer } from '../engines/editx/text/sentencepiece';

export interface DebugPromptArgs {
  task: string;
  option?: string;
  text: string;
  newText?: string;
  audioTokens?: string;
  pack?: string;
  ids?: boolean;
  speaker?: string;
}

async function readManifest(dir: string): Promise<unknown> {
  const file = path.join(dir, 'manifest.json');
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new RetakeError('E_IO', `The model pack manifest ${file} could not be read: ${(e as Error).message}.`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack manifest ${file} is not valid JSON. Reinstall the model pack.`);
  }
}

async function loadPackTokenizer(dir: string): Promise<SentencePieceTokenizer> {
  const file = path.join(dir, 'tokenizer.model');
  try {
    return await SentencePieceTokenizer.fromFile(file);
  } catch (e) {
    if (RetakeError.is(e, 'E_FILE_NOT_FOUND')) {
      throw new RetakeError('E_FILE_NOT_FOUND', `No tokenizer in the model pack: ${file} does not exist.`);
    }
    throw e;
  }
}

export async function debugPrompt(args: DebugPromptArgs): Promise<string> {
  if (args.ids && args.pack === undefined) {
    throw new RetakeError('E_VALIDATION', '--ids needs --pack DIR (the tokenizer comes from the model pack).');
  }
  const audio = audioTokenText(parseAudioTokens(args.audioTokens ?? ''));
  let clone: ClonePromptInput | null = null;
  let edit: EditPromptInput | null = null;
  if (args.task === 'clone') {
    if (args.option !== undefined) throw new RetakeError('E_UNKNOWN_OPTION', `clone takes no option (got "${args.option}").`);
    clone = {
      speaker: args.speaker ?? cloneSpeakerName(args.text, { sampleRate: 24000, channels: [new Float32Array(0)] }),
      promptText: args.text,
      promptAudioTokens: audio,
      targetText: args.newText ?? '',
    };
  } else {
    edit = {
      task: args.task,
      text: args.text,
      audioTokens: audio,
      ...(args.option !== undefined ? { option: args.option } : {}),
      ...(args.newText !== undefined ? { newText: args.newText } : {}),
    };
  }
  // Validate the task and texts before touching the pack, so that usage errors come first.
  const text = clone ? buildClonePrompt(clone) : buildEditPrompt(edit!);
  if (!args.ids) return text;
  const dir = path.resolve(args.pack!);
  const tokenizer = await loadPackTokenizer(dir);
  const settings = promptEncodingFromManifest(await readManifest(dir));
  const ids = clone ? buildClonePromptIds(tokenizer, clone, settings) : buildEditPromptIds(tokenizer, edit!, settings);
  return JSON.stringify(ids);
}
