// Free memory of the devices the LM can run on, for the "auto" variant choice (./variant-choice.ts): RAM as the
// kernel counts what a new process can take (Linux MemAvailable: free plus reclaimable page cache), and an NVIDIA
// GPU's free memory from nvidia-smi (onnxruntime-node has no API for it). null when unknown.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** MemAvailable from /proc/meminfo text, in bytes, or null. */
export function parseMemAvailable(meminfo: string): number | null {
  const m = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : null;
}

export function freeRamBytes(): number {
  if (process.platform === 'linux') {
    try {
      const v = parseMemAvailable(readFileSync('/proc/meminfo', 'utf8'));
      if (v !== null) return v;
    } catch {
      // fall through to the portable figure
    }
  }
  return os.freemem();
}

/** The first GPU's free memory as `nvidia-smi --query-gpu=memory.free` reports it (MiB), in bytes. */
export function parseNvidiaSmiFree(out: string): number | null {
  const first = out.split('\n')[0]?.trim() ?? '';
  return /^\d+$/.test(first) ? Number(first) * 1024 * 1024 : null;
}

export function freeGpuBytes(): number | null {
  const r = spawnSync('nvidia-smi', ['--query-gpu=memory.free', '--format=csv,noheader,nounits'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return r.status === 0 ? parseNvidiaSmiFree(r.stdout) : null;
}
