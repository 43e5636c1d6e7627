// The preload: a few lines exposing the typed client's transport (and the system's folder dialog) to the sandboxed
// renderer. No Node, no fs.
import { contextBridge, ipcRenderer, webUtils } from 'electron';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

contextBridge.exposeInMainWorld('retakeBridge', {
  call: async (method: string, params: unknown): Promise<unknown> => {
    const r = (await ipcRenderer.invoke('retake:call', method, params)) as Reply;
    if (r.ok) return r.result;
    throw r.error;
  },
  onEvent: (cb: (msg: unknown) => void): (() => void) => {
    const listener = (_e: unknown, msg: unknown) => cb(msg);
    ipcRenderer.on('retake:event', listener);
    return () => ipcRenderer.removeListener('retake:event', listener);
  },
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
  pickFolder: async (): Promise<string | null> => {
    const r = (await ipcRenderer.invoke('retake:pickFolder')) as string | null;
    return typeof r === 'string' ? r : null;
  },
  platform: process.platform,
});
