// What is said in the clips: a clip's transcript typed in the inspector (`clips.setTranscript`, one undoable step), and
// a script (SRT, or TSV of start / end / text) read from a file and written into the transcripts of the clips each
// line overlaps (`transcripts.import`, one undoable step) — dubbing work starts from a script. Lines the core could not
// read are kept with their line numbers for the inspector to show.

import type { Clip, ScriptProblem } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import type { Client } from './client';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

export interface ScriptImport {
  file: string;
  /** Lines read, and clips whose transcript they changed. */
  lines: number;
  clips: number;
  problems: ScriptProblem[];
}

/** The script format from a file name (the core guesses from the content when it is neither). */
export function scriptFormat(name: string): 'srt' | 'tsv' | undefined {
  const ext = name.toLowerCase().split('.').pop();
  return ext === 'srt' ? 'srt' : ext === 'tsv' || ext === 'tab' || ext === 'txt' ? 'tsv' : undefined;
}

export class TranscriptsController {
  private readonly client: Client;
  private readonly arrangement: ArrangementController;
  private readonly errors: ErrorsController;
  importing = $state(false);
  /** The last script read, for the inspector (null once dismissed). */
  lastImport = $state.raw<ScriptImport | null>(null);

  constructor(client: Client, deps: { arrangement: ArrangementController; errors: ErrorsController }) {
    this.client = client;
    this.arrangement = deps.arrangement;
    this.errors = deps.errors;
  }

  /** Sets a clip's transcript (empty clears it); nothing happens when it is already that. */
  async save(clip: Clip, text: string): Promise<void> {
    const next = text.trim() ? text.trim() : null;
    if (next === (clip.transcript?.trim() || null)) return;
    await this.errors.guard(t('ctx.setTranscript', { name: clip.name }), async () => {
      this.arrangement.replace(await this.client.call('clips.setTranscript', { clipId: clip.id, text: next }));
    });
  }

  /** Reads a script file into the transcripts of the clips its lines overlap (all tracks, or `trackId`'s). */
  async importScript(file: File, opts: { trackId?: number } = {}): Promise<void> {
    this.importing = true;
    try {
      await this.errors.guard(t('ctx.importScript', { name: file.name }), async () => {
        const content = await file.text();
        const format = scriptFormat(file.name);
        const r = await this.client.call('transcripts.import', {
          content,
          ...(format ? { format } : {}),
          ...(opts.trackId !== undefined ? { trackId: opts.trackId } : {}),
        });
        this.arrangement.replace(...r.clips);
        this.lastImport = { file: file.name, lines: r.lines, clips: r.clips.length, problems: r.problems };
      });
    } finally {
      this.importing = false;
    }
  }

  dismissImport(): void {
    this.lastImport = null;
  }
}
