// `retake debug prompt`: the exact EditX prompt for a task, as text or (with a model pack) as token ids.
//
// Returns the prompt text with special tokens written `<s>`, `<|BOT|>`, `<|EOT|>` (it ends with "assistant\n"), or with
// `pack` and `ids` the ids as a JSON array (no trailing newline), encoded by the pack's text tokenizer (the file of
// `components.textTokenizer` in its manifest, checked as the engine checks it) with that component's prompt-encoding
// settings. Only the tokenizer's files are verified, so a pack folder without its LM graphs works too.
// `profile` ("2025-12" | "2026") overrides the pack's prompt profile; without a pack the text follows 2025-12, and
// 2026 needs a pack (its chat template). In the 2026 profile the clone speaker is "debug", as the reference names it.
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
import { isPromptProfile, PROMPT_PROFILES, type PromptProfile } from '../engines/editx/pack/manifest';
import { openPackTokenizer, type PackTokenizer } from '../engines/editx/pack/text-tokenizer';
import { audioTokenText, parseAudioTokens } from '../engines/editx/prompt/audio-tokens';
import {
  buildClonePrompt,
  buildClonePromptIds,
  buildEditPrompt,
  buildEditPromptIds,
  type ClonePromptInput,
  type EditPromptInput,
} from '../engines/editx/prompt/prompt';
import { DEFAULT_PROMPT_ENCODING, promptEncodingFromManifest, type PromptEncodingSettings } from '../engines/editx/prompt/settings';
import { cloneSpeakerName, PROFILE_2026_SPEAKER } from '../engines/editx/prompt/speaker';
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
  profile?: PromptProfile;
}

export async function debugPrompt(args: DebugPromptArgs): Promise<string> {
  if (args.ids && args.pack === undefined) {
    throw new RetakeError('E_VALIDATION', '--ids needs --pack DIR (the tokenizer comes from the model pack).');
  }
  const audio = audioTokenText(parseAudioTokens(args.audioTokens ?? ''));
  const cloneInput = (speaker: string): ClonePromptInput => ({
    speaker,
    promptText: args.text,
    promptAudioTokens: audio,
    targetText: args.newText ?? '',
  });
  let edit: EditPromptInput | null = null;
  if (args.task === 'clone') {
    if (args.option !== undefined) throw new RetakeError('E_UNKNOWN_OPTION', `clone takes no option (got "${args.option}").`);
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
  if (edit) buildEditPrompt(edit);
  else buildClonePrompt(cloneInput(PROFILE_2026_SPEAKER));
  let settings: PromptEncodingSettings = DEFAULT_PROMPT_ENCODING;
  let tokenizer: PackTokenizer | null = null;
  if (args.pack !== undefined) {
    const pack = await loadPack(path.resolve(args.pack), { verify: 'size', variants: [] });
    if (args.ids) ({ tokenizer, promptEncoding: settings } = await openPackTokenizer(pack));
    else settings = promptEncodingFromManifest(pack.manifest.components.textTokenizer);
  } else if (args.profile === '2026') {
    throw new RetakeError('E_VALIDATION', '--profile 2026 renders the chat template of a model pack: give --pack DIR.');
  }
  if (args.profile !== undefined) settings = { ...settings, profile: args.profile };
  const clone = edit
    ? null
    : cloneInput(
        args.speaker ??
          (settings.profile === '2026'
            ? PROFILE_2026_SPEAKER
            : cloneSpeakerName(args.text, { sampleRate: 24000, channels: [new Float32Array(0)] })),
      );
  if (!tokenizer) return clone ? buildClonePrompt(clone, settings) : buildEditPrompt(edit!, settings);
  const ids = clone ? buildClonePromptIds(tokenizer, clone, settings) : buildEditPromptIds(tokenizer, edit!, settings);
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
    pack: { type: 'string', usage: '[--pack DIR [--ids]]' },
    ids: { type: 'boolean' },
    profile: { type: 'string', usage: `[--profile ${PROMPT_PROFILES.join('|')}]` },
  },
  async run({ values: v, out }) {
    if (typeof v.task !== 'string') throw new UsageError('debug prompt needs --task.');
    const profile = v.profile;
    if (profile !== undefined && !isPromptProfile(profile)) {
      throw new UsageError(`--profile must be one of ${PROMPT_PROFILES.join(', ')} (got "${String(profile)}").`);
    }
    if (v.ids && typeof v.pack !== 'string') throw new UsageError('--ids needs --pack DIR (the tokenizer comes from the pack).');
    const text = await debugPrompt({
      task: v.task,
      text: typeof v.text === 'string' ? v.text : '',
      ...(typeof v.option === 'string' ? { option: v.option } : {}),
      ...(typeof v['new-text'] === 'string' ? { newText: v['new-text'] } : {}),
      ...(typeof v['audio-tokens'] === 'string' ? { audioTokens: v['audio-tokens'] } : {}),
      ...(typeof v.pack === 'string' ? { pack: v.pack } : {}),
      ...(v.ids ? { ids: true } : {}),
      ...(profile !== undefined ? { profile } : {}),
    });
    // The prompt text ends with its own newline; `out` adds one, so print it byte-exact.
    out(text.endsWith('\n') ? text.slice(0, -1) : text);
  },
});
