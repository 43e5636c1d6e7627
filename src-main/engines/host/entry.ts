// Entry of the engine host process. Runs under child_process.fork (process.send) or as an Electron utilityProcess
// (process.parentPort); the same bundle serves both.

import type { HostMessage, HostRequest } from './protocol';
import { HostWorker } from './worker';

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(msg: HostMessage): void {
  if (parentPort) parentPort.postMessage(msg);
  else if (process.send) process.send(msg);
}

if (!parentPort && !process.send) {
  console.error('The engine host must be started by Retake (it talks to its parent over IPC).');
  process.exit(2);
}

const worker = new HostWorker(send);

if (parentPort) parentPort.on('message', (e) => worker.handle(e.data as HostRequest));
else {
  process.on('message', (m) => worker.handle(m as HostRequest));
  // The parent is gone (e.g. the app was killed): nobody can receive results, so stop.
  process.on('disconnect', () => process.exit(0));
}

process.on('uncaughtException', (e) => {
  console.error('Engine host: uncaught exception', e);
  process.exit(1);
});

send({ type: 'ready', pid: process.pid });
