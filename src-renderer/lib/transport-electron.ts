// Electron transport: the preload's `retakeBridge` (IPC). Files are imported by path; media URLs are already
// absolute `retake-media://` URLs served by the shell's protocol handler.

import type { EventMessage } from '../../src-main/contract';
import type { ImportSource } from '../../src-main/contract/methods';
import type { RetakeBridge } from './bridge';
import { ClientError, toClientError, type ConnectionState, type Transport } from './client';
import { t } from './i18n.svelte';

export class ElectronTransport implements Transport {
  readonly kind = 'electron' as const;
  readonly connection: ConnectionState = 'open';
  private readonly bridge: RetakeBridge;
  private unsubscribers = new Set<() => void>();

  constructor(bridge: RetakeBridge) {
    this.bridge = bridge;
  }

  async call(method: string, params: unknown): Promise<unknown> {
    try {
      return await this.bridge.call(method, params ?? {});
    } catch (e) {
      throw toClientError(e);
    }
  }

  onEvent(cb: (msg: EventMessage) => void): () => void {
    const off = this.bridge.onEvent(cb);
    this.unsubscribers.add(off);
    return () => {
      this.unsubscribers.delete(off);
      off();
    };
  }

  onConnection(_cb: (state: ConnectionState) => void): () => void {
    // IPC to the main process cannot drop while the window lives.
    return () => {};
  }

  async importSource(file: File): Promise<ImportSource> {
    const path = this.bridge.pathForFile(file);
    if (!path) {
      throw new ClientError('E_FILE_NOT_FOUND', t('error.noPath', { name: file.name }));
    }
    return { kind: 'path', path };
  }

  resolveUrl(url: string): string {
    return url;
  }

  dispose(): void {
    for (const off of this.unsubscribers) off();
    this.unsubscribers.clear();
  }
}
