// Listening to the selected clip: which takes are on the A and B decks, and the actions of the takes panel (play a
// take, make it the active one, play/pause, A/B, seek), each reporting its failure as a toast. The sound itself is the
// PlaybackController's (on the output it shares with the timeline transport); selecting another clip stops it and
// brings B back.

import type { SharedOutput } from '../audio/shared-output';
import type { Client } from './client';
import { Disposables } from './disposables';
import type { ArrangementController } from './arrangement.svelte';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';
import { PlaybackController } from './playback.svelte';
import type { SelectionController } from './selection.svelte';
import type { TakesController } from './takes.svelte';
import { decksFor, type Decks } from './takes-tree';

const NO_DECKS: Decks = { a: null, b: null };

export class AuditionController {
  private readonly selection: SelectionController;
  private readonly takes: TakesController;
  private readonly arrangement: ArrangementController;
  private readonly errors: ErrorsController;
  private readonly owner = new Disposables();
  readonly playback: PlaybackController;
  /** Source take (A) and the take under audition (B) of the selected clip, once its takes are loaded. */
  decks: Decks = $derived.by(() => {
    const clip = this.selection.clip;
    if (!clip || this.takes.clipId !== clip.id) return NO_DECKS;
    return decksFor(clip.activeTakeId, this.takes.takes, this.selection.takeId);
  });

  constructor(
    client: Client,
    deps: { selection: SelectionController; takes: TakesController; arrangement: ArrangementController; errors: ErrorsController; output: SharedOutput },
  ) {
    this.selection = deps.selection;
    this.takes = deps.takes;
    this.arrangement = deps.arrangement;
    this.errors = deps.errors;
    this.playback = new PlaybackController(
      () => this.decks,
      (url) => client.resolveUrl(url),
      deps.output,
    );
    this.owner.add(() => this.playback.dispose());
    this.owner.add(
      deps.selection.clipChanged.on(() => {
        this.playback.stop();
        this.playback.side = 'b';
        this.playback.prune();
      }),
    );
  }

  /** Plays a take from its start: on A when it is the source being compared, else as the take under audition. */
  async play(takeId: number): Promise<void> {
    if (this.decks.a?.id === takeId) {
      await this.errors.guard(t('ctx.playTake'), () => this.playback.playFrom('a'));
      return;
    }
    this.selection.auditionTake(takeId);
    this.playback.prune();
    await this.errors.guard(t('ctx.playTake'), () => this.playback.playFrom('b'));
  }

  /** Makes a take the selected clip's active one, and the take under audition. */
  async setActive(takeId: number): Promise<void> {
    const clip = this.selection.clip;
    if (!clip) return;
    this.selection.auditionTake(takeId);
    this.playback.prune();
    if (clip.activeTakeId === takeId) return;
    await this.errors.guard(t('ctx.chooseTake'), async () => {
      this.arrangement.replace(await this.takes.setActive(clip.id, takeId));
    });
  }

  toggle(): Promise<void | undefined> {
    return this.errors.guard(t('ctx.audition'), () => this.playback.toggle());
  }

  toggleAB(): Promise<void | undefined> {
    return this.errors.guard(t('ctx.ab'), () => this.playback.toggleAB());
  }

  seek(sec: number): Promise<void | undefined> {
    return this.errors.guard(t('ctx.seek'), () => this.playback.seek(sec));
  }

  dispose(): void {
    this.owner.dispose();
  }
}
