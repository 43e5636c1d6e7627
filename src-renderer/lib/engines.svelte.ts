// The engines the core offers and what each can do (`engines.list`), kept in step with `engines.changed`. The edit
// form builds its choices from this list, never from a fixed one.

import type { EngineInfo } from '../../src-main/contract';
import type { Client } from './client';
import { Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

export class EnginesController {
  list = $state.raw<EngineInfo[]>([]);
  available = $derived(this.list.filter((e) => e.available));
  /** The list was replaced. */
  readonly changed = new Signal();
  private readonly client: Client;
  private readonly owner = new Disposables();

  constructor(client: Client, errors: ErrorsController) {
    this.client = client;
    this.owner.add(client.on('engines.changed', () => void errors.guard(t('ctx.listEngines'), () => this.load())));
  }

  async load(): Promise<void> {
    this.list = await this.client.call('engines.list', {});
    this.changed.emit();
  }

  dispose(): void {
    this.owner.dispose();
    this.changed.clear();
  }
}
