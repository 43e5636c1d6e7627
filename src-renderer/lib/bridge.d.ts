// The surface the Electron preload exposes to the renderer (contextBridge.exposeInMainWorld('retakeBridge', …)).
// The web shell has no bridge; the renderer talks WebSocket there (see transport-web.ts).

import type { EventMessage } from '../../src-main/contract';

export interface RetakeBridge {
  /** Calls a contract method; rejects with `{ code, message, details? }` (an ErrorPayload). */
  call(method: string, params: unknown): Promise<unknown>;
  /** Subscribes to every core event; returns the unsubscribe. */
  onEvent(cb: (msg: EventMessage) => void): () => void;
  /** The absolute path of a File from a picker or a drop (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** Asks for a folder with the system's dialog; null when cancelled. */
  pickFolder(): Promise<string | null>;
  /** process.platform of the main process: 'darwin', 'win32', 'linux'. */
  platform: string;
}

declare global {
  interface Window {
    retakeBridge?: RetakeBridge;
    TONE_SILENCE_LOGGING?: boolean;
  }
}
