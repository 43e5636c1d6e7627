// The link to the core as the UI shows it: the transport's state, whether the first sync has answered (until then a
// splash, so the start screen never flashes), the banner shown while the link is down, and the reconnect signal
// that makes the app sync again once the link is back.

import type { Client, ConnectionState } from './client';
import { Disposables, Signal } from './disposables';
import { t } from './i18n.svelte';

export class ConnectionController {
  state = $state<ConnectionState>('connecting');
  /** False until the first sync with the core has answered. */
  ready = $state(false);
  /** The link was lost after the app had loaded: say so, the project is safe. */
  bannerVisible = $derived(this.ready && this.state !== 'open');
  splashMessage = $derived(this.state === 'closed' ? t('connection.retrying') : t('connection.connecting'));
  /** Fires each time the link comes back after it was lost. */
  readonly reconnected = new Signal();
  private readonly owner = new Disposables();

  constructor(client: Client) {
    this.state = client.connection;
    let wasDown = false;
    this.owner.add(
      client.onConnection((s) => {
        this.state = s;
        if (s === 'closed') wasDown = true;
        if (s === 'open' && wasDown) {
          wasDown = false;
          this.reconnected.emit();
        }
      }),
    );
  }

  markReady(): void {
    this.ready = true;
  }

  dispose(): void {
    this.owner.dispose();
    this.reconnected.clear();
  }
}
