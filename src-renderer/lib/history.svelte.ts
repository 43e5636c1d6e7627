// Undo and redo as the toolbar shows them: the core's history state (labels of the next undo and redo), kept in step
// with `history.changed`, and the two actions. `applied` tells the views to reload what an undo or redo changed.

import type { HistoryState } from '../../src-main/contract';
import type { Client } from './client';
import { Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

const NO_HISTORY: HistoryState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };

export class HistoryController {
  state = $state.raw<HistoryState>(NO_HISTORY);
  /** An undo or redo went through; awaited before the action resolves. */
  readonly applied = new Signal();
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly owner = new Disposables();

  constructor(client: Client, errors: ErrorsController) {
    this.client = client;
    this.errors = errors;
    this.owner.add(client.on('history.changed', (h) => (this.state = h)));
  }

  async load(): Promise<void> {
    this.state = await this.client.call('history.state', {});
  }

  reset(): void {
    this.state = NO_HISTORY;
  }

  async undo(): Promise<void> {
    if (!this.state.canUndo) return;
    await this.errors.guard(t('ctx.undo'), async () => {
      this.state = await this.client.call('history.undo', {});
      await this.applied.emitAsync();
    });
  }

  async redo(): Promise<void> {
    if (!this.state.canRedo) return;
    await this.errors.guard(t('ctx.redo'), async () => {
      this.state = await this.client.call('history.redo', {});
      await this.applied.emitAsync();
    });
  }

  dispose(): void {
    this.owner.dispose();
    this.applied.clear();
  }
}
