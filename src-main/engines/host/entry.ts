// Entry of the engine host processes. Runs under child_process.fork (process.send) or as an Electron utilityProcess
// (process.parentPort); the same bundle serves both, and both roles: `--role=audio` (decode, peaks, analysis,
// export, the built-in engine) or `--role=model` (neural engines), or RETAKE_HOST_ROLE.

import { analyze } from '../../audio/analysis';
import { EngineRegistry } from '../registry';
import { parseHostRole, type HostMessage, type HostRequest } from './protocol';
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

const role = parseHostRole(process.argv.slice(2));
if (!role) {
  console.error('The engine host needs a role: --role=audio or --role=model (or RETAKE_HOST_ROLE).');
  process.exit(2);
}

const worker = new HostWorker(send, EngineRegistry.fromEnv(), analyze, role);

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

send({ type: 'ready', pid: process.pid, role });
