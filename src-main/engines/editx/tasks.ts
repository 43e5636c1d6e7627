// The EditX tasks as data (EDITX-SPEC.md §2, §3): exact option spellings, the instruction template of each task
// (placeholders {option}, {audio_text}, {new_text}; byte-exact, odd spacing and "more more faster" included), the
// paralinguistic tags and the clone-only text prefixes. Code reads these tables; nothing here is special-cased
// elsewhere, so a later upstream release that adds options or tags changes only this file.

import type { TaskInfo } from '../types';

export type EditxTaskId = 'clone' | 'emotion' | 'style' | 'speed' | 'paralinguistic' | 'denoise' | 'vad';

export interface EditxInstructionTemplates {
  /** Used for every option except `remove` (and for tasks without options). */
  default: string;
  /** Used when the option is `remove`. */
  remove?: string;
}

export interface EditxTaskSpec {
  id: EditxTaskId;
  label: string;
  /** Exact spellings, in the reference's order; empty when the task takes no option. */
  options: readonly string[];
  /** Null for clone, which has no instruction line (it uses the clone system prompt). */
  instruction: EditxInstructionTemplates | null;
  /** Needs the transcript of the input audio (`text`). */
  needsText: boolean;
  /** Needs a new text (`newText`): the text to speak (clone) or the transcript with inline tags (paralinguistic). */
  needsNewText: boolean;
}

const REMOVE_EMOTION = 'Remove any emotion in the following audio and the reference text is: {audio_text}\n';
const MORE = 'Make the following audio more {option}. The text corresponding to the audio is: {audio_text}\n';

export const EDITX_TASKS: Readonly<Record<EditxTaskId, EditxTaskSpec>> = {
  clone: {
    id: 'clone',
    label: 'Clone (zero-shot TTS)',
    options: [],
    instruction: null,
    needsText: true,
    needsNewText: true,
  },
  emotion: {
    id: 'emotion',
    label: 'Emotion',
    options: [
      'happy', 'angry', 'sad', 'humour', 'confusion', 'disgusted', 'empathy', 'embarrass', 'fear', 'surprised',
      'excited', 'depressed', 'coldness', 'admiration', 'remove',
    ],
    instruction: { default: MORE, remove: REMOVE_EMOTION },
    needsText: true,
    needsNewText: false,
  },
  style: {
    id: 'style',
    label: 'Speaking style',
    options: [
      'serious', 'arrogant', 'child', 'older', 'girl', 'pure', 'sister', 'sweet', 'ethereal', 'whisper', 'gentle',
      'recite', 'generous', 'act_coy', 'warm', 'shy', 'comfort', 'authority', 'chat', 'radio', 'soulful', 'story',
      'vivid', 'program', 'news', 'advertising', 'roar', 'murmur', 'shout', 'deeply', 'loudly', 'remove',
      'exaggerated',
    ],
    instruction: {
      default: 'Make the following audio more {option} style. The text corresponding to the audio is: {audio_text}\n',
      remove: 'Remove any speaking styles in the following audio and the reference text is: {audio_text}\n',
    },
    needsText: true,
    needsNewText: false,
  },
  speed: {
    id: 'speed',
    label: 'Speed',
    // "more faster" yields "Make the following audio more more faster. …": the reference's wording, kept as is.
    options: ['faster', 'slower', 'more faster', 'more slower'],
    // The reference shares the emotion branch with speed, `remove` included (no speed option reaches it today).
    instruction: { default: MORE, remove: REMOVE_EMOTION },
    needsText: true,
    needsNewText: false,
  },
  paralinguistic: {
    id: 'paralinguistic',
    label: 'Paralinguistic (non-verbal sounds)',
    options: [],
    instruction: {
      default:
        'Add some non-verbal sounds to make the audio more natural, the new text is : {new_text}\n  The text corresponding to the audio is: {audio_text}\n',
    },
    needsText: true,
    needsNewText: true,
  },
  denoise: {
    id: 'denoise',
    label: 'Denoise',
    options: [],
    instruction: {
      default:
        'Remove any noise from the given audio while preserving the voice content clearly. Ensure that the speech quality remains intact with minimal distortion, and eliminate all noise from the audio.\n',
    },
    needsText: false,
    needsNewText: false,
  },
  vad: {
    id: 'vad',
    label: 'Remove silences',
    options: [],
    instruction: {
      default:
        'Remove any silent portions from the given audio while preserving the voice content clearly. Ensure that the speech quality remains intact with minimal distortion, and eliminate all silence from the audio.\n',
    },
    needsText: false,
    needsNewText: false,
  },
};

export const EDITX_TASK_IDS = Object.keys(EDITX_TASKS) as EditxTaskId[];

/**
 * The paralinguistic tags each model revision was trained on (EDITX-SPEC.md §2), exact spellings without brackets; an
 * entry applies to weights released on or after its date (`from`), the first also to packs that record no revision.
 * The exporter writes the list into the manifest from its copy of this table
 * (tools/export/retake_export/text/paralinguistic_tags.json; test/unit/editx-prompt/tags.test.ts keeps the two equal);
 * the engine falls back on it for packs whose manifest has no list (the pack builder's, older exports), so a pack of
 * the 2026 weights never offers the 2025 spellings.
 */
export const PARALINGUISTIC_TAG_REVISIONS: readonly { from: string | null; tags: readonly string[] }[] = [
  {
    // The 2025-11 weights: the reference app's help and the published benchmark.
    from: null,
    tags: ['Breathing', 'Laughter', 'Surprise-oh', 'Confirmation-en', 'Uhm', 'Surprise-ah', 'Surprise-wa', 'Sigh', 'Question-ei', 'Dissatisfaction-hnn'],
  },
  {
    // The 2026-01-29 weights: the upstream README of 2026-04 (commit a652e87).
    from: '2026-01-29',
    tags: [
      'sigh', 'inhale', 'laugh', 'chuckle', 'exhale', 'clears throat', 'snort', 'giggle', 'cough', 'breath', 'uhm',
      'Confirmation-en', 'Surprise-oh', 'Surprise-ah', 'Surprise-wa', 'Surprise-yo', 'Dissatisfaction-hnn', 'Question-ei',
      'Question-ah', 'Question-en', 'Question-yi', 'Question-oh',
    ],
  },
];

/** The tag list of the newest entry that applies to a model revision (dates compare as text, as the exporter does). */
export function paralinguisticTagsFor(modelRevision: string | null | undefined): readonly string[] {
  let chosen = PARALINGUISTIC_TAG_REVISIONS[0]!;
  for (const r of PARALINGUISTIC_TAG_REVISIONS) {
    if (r.from !== null && modelRevision != null && modelRevision >= r.from) chosen = r;
  }
  return chosen.tags;
}

/** Tags written inline in the new text of a paralinguistic edit (the first published list), with their brackets. */
export const PARALINGUISTIC_TAGS: readonly string[] = PARALINGUISTIC_TAG_REVISIONS[0]!.tags.map((t) => `[${t}]`);

/** Prefixes of a clone target text that select a dialect or language. */
export const CLONE_TEXT_PREFIXES: readonly string[] = ['[Sichuanese]', '[Cantonese]', '[Japanese]', '[Korean]'];

export function isEditxTask(task: string): task is EditxTaskId {
  return Object.prototype.hasOwnProperty.call(EDITX_TASKS, task);
}

/** The task table in the shape of the engine capabilities. EditX has no intensity control (iterations instead). */
export function editxTaskInfo(): Record<EditxTaskId, TaskInfo> {
  const out = {} as Record<EditxTaskId, TaskInfo>;
  for (const id of EDITX_TASK_IDS) {
    const t = EDITX_TASKS[id];
    out[id] = { options: [...t.options], needsText: t.needsText, needsNewText: t.needsNewText, intensity: false };
  }
  return out;
}
