// `retake debug prompt`: the exact EditX prompt for a task, as text or (with a model pack) as token ids.
//
// Returns the prompt text with special tokens written `<s>`, `<|BOT|>`, `<|EOT|>` (it ends with "assistant\n"), or with
// `pack` and `ids` the ids as a JSON array (no trailing newline), encoded by the pack's text tokenizer (the file of
// `components.textTokenizer` in its manifest, checked as the engine checks it) with that component's prompt-encoding
// settings. Only the tokenizer's files are verified, so a pack folder without its LM graphs works too.
//
// Arguments by task:
// - edit tasks: `text` = transcript of the audio, `newText` = tagged text (paralinguistic), `audioTokens` = its codes;
// - clone: `text` = transcript of the prompt audio, `newText` = the text to speak, `audioTokens` = the prompt's codes,
//   `speaker` = the speaker name; without it the name is computed as for a prompt wav with no samples
//   (cloneSpeakerName(text, empty audio)), since no audio is given here.
// `audioTokens` is either the `<audio_N>` text itself or comma/space-separated codes 0..5119 (token ids 65536..70655
// are accepted too); see parseAudioTokens. Absent means no audio tokens.

import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { loadPack } from '../engines/editx/pack/load';
import { openPackTokenizer } from '../engines/editx/pack/text-tokenizer';
import { audioTokenText, parseAudioTokens } from '../engines/editx/prompt/audio-tokens';
import {
  buildClonePrompt,
  buildClonePromptIds,
  buildEditPrompt,
  buildEditPromptIds,
  type ClonePromptInput,
  type EditPromptInput,
} from '../engines/editx/prompt/prompt';
import { cloneSpeakerName } from '../engines/editx/prompt/speaker';
import { defineCommand, UsageError } from './table';

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
  const pack = await loadPack(path.resolve(args.pack!), { verify: 'size', variants: [] });
  const { tokenizer, promptEncoding } = await openPackTokenizer(pack);
  const ids = clone
    ? buildClonePromptIds(tokenizer, clone, promptEncoding)
    : buildEditPromptIds(tokenizer, edit!, promptEncoding);
  return JSON.stringify(ids);
}

export const debugPromptCommand = defineCommand({
  name: 'debug prompt',
  options: {
    task: { type: 'string', usage: '--task TASK' },
    option: { type: 'string', usage: '[--option O]' },
    text: { type: 'string', usage: '--text "…"' },
    'new-text': { type: 'string', usage: '[--new-text "…"]' },
    'audio-tokens': { type: 'string', usage: '[--audio-tokens "…"]' },
    pack: { type: 'string', usage: '[--pack DIR --ids]' },
    ids: { type: 'boolean' },
  },
  async run({ values: v, out }) {
    if (typeof v.task !== 'string') throw new UsageError('debug prompt needs --task.');
    if (v.ids && typeof v.pack !== 'string') throw new UsageError('--ids needs --pack DIR (the tokenizer comes from the pack).');
    const text = await debugPrompt({
      task: v.task,
      text: typeof v.text === 'string' ? v.text : '',
      ...(typeof v.option === 'string' ? { option: v.option } : {}),
      ...(typeof v['new-text'] === 'string' ? { newText: v['new-text'] } : {}),
      ...(typeof v['audio-tokens'] === 'string' ? { audioTokens: v['audio-tokens'] } : {}),
      ...(typeof v.pack === 'string' ? { pack: v.pack } : {}),
      ...(v.ids ? { ids: true } : {}),
    });
    // The prompt text ends with its own newline; `out` adds one, so print it byte-exact.
    out(text.endsWith('\n') ? text.slice(0, -1) : text);
  },
});
