// Which execution provider each session of this process got, and why (the sentence of providers.ts): the last few,
// for Settings to show ("the language model runs on the CPU because CUDA did not start (…)"), and which providers
// this machine can offer at all (the platform's, and whether onnxruntime-node's CUDA libraries are installed).

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ProviderSetting } from './providers';

export interface SessionChoice {
  /** The model, as sessions name it ("the language model lm.fp16.onnx"). */
  label: string;
  provider: string;
  reason: string;
}

const KEEP = 20;
const choices: SessionChoice[] = [];

export function recordChoice(c: SessionChoice): void {
  const i = choices.findIndex((x) => x.label === c.label);
  if (i >= 0) choices.splice(i, 1);
  choices.unshift(c);
  choices.length = Math.min(choices.length, KEEP);
}

/** The latest choice per model, newest first. */
export function recentChoices(): SessionChoice[] {
  return choices.map((c) => ({ ...c }));
}

export interface ProviderOption {
  id: ProviderSetting;
  label: string;
  available: boolean;
  reason: string | null;
}

/** onnxruntime-node's folder of native libraries for this platform, or null when it cannot be found. */
function bindingDir(platform: string, arch: string): string | null {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const bin = join(pkg, 'bin');
    for (const napi of readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse()) {
      const dir = join(bin, napi, platform, arch);
      if (existsSync(dir)) return dir;
    }
  } catch {
    /* not installed where we can see it */
  }
  return null;
}

const CUDA_LIBRARY: Record<string, string> = { linux: 'libonnxruntime_providers_cuda.so', win32: 'onnxruntime_providers_cuda.dll' };

/** Whether onnxruntime-node's CUDA provider library is installed (npm run setup:gpu fetches it). */
export function cudaProviderInstalled(platform: string = process.platform, arch: string = process.arch): boolean {
  const dir = bindingDir(platform, arch);
  const lib = CUDA_LIBRARY[platform];
  return dir !== null && lib !== undefined && existsSync(join(dir, lib));
}

/** The settings this machine offers, each with why it cannot be used here. */
export function providerOptions(platform: string = process.platform, arch: string = process.arch): ProviderOption[] {
  const cudaPlatform = (platform === 'linux' || platform === 'win32') && arch === 'x64';
  const cudaInstalled = cudaPlatform && cudaProviderInstalled(platform, arch);
  return [
    { id: 'auto', label: 'Automatic (the GPU when one works, else the CPU)', available: true, reason: null },
    { id: 'cpu', label: 'CPU', available: true, reason: null },
    {
      id: 'cuda',
      label: 'CUDA (NVIDIA)',
      available: cudaInstalled,
      reason: !cudaPlatform
        ? `onnxruntime has no CUDA provider for ${platform} ${arch}.`
        : cudaInstalled
          ? null
          : 'onnxruntime\'s CUDA provider is not installed ("npm run setup:gpu", or the button below).',
    },
    {
      id: 'directml',
      label: 'DirectML (Windows)',
      available: platform === 'win32',
      reason: platform === 'win32' ? null : 'DirectML exists on Windows only.',
    },
    {
      id: 'coreml',
      label: 'CoreML (macOS)',
      available: platform === 'darwin',
      reason: platform === 'darwin' ? null : 'CoreML exists on macOS only.',
    },
  ];
}
