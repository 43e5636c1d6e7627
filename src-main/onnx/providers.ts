// Which execution providers a session is opened with, in which order, and the sentence that says what was chosen
// and why. CUDA where onnxruntime-node ships it (linux x64, win32 x64), DirectML on Windows, CoreML on macOS, the
// CPU everywhere. A GPU provider that cannot start (e.g. the CUDA libraries are absent) moves on to the next; 'gpu'
// never falls back to a silent CPU session, 'auto' does and says why.

import type { ProviderConfig } from './runtime';

/**
 * What a caller asks for: 'cpu'; 'gpu' (the platform's GPU providers, each with the CPU after it for the nodes it
 * does not take; an error when none starts); 'auto' (the GPU providers, then the CPU alone); `{ prefer: 'cuda' }`
 * (that provider with the CPU after it, then the CPU alone: the Settings choice of one provider, which falls back
 * to the CPU and says why); or an explicit list used as given, in one attempt.
 */
export type ProviderChoice = 'cpu' | 'gpu' | 'auto' | { prefer: string } | readonly ProviderConfig[];

/** The user's setting (Settings → execution provider), as the contract names it. */
export type ProviderSetting = 'auto' | 'cpu' | 'cuda' | 'directml' | 'coreml';

/** onnxruntime's name of each provider a setting can name. */
const SETTING_PROVIDER: Record<Exclude<ProviderSetting, 'auto' | 'cpu'>, string> = { cuda: 'cuda', directml: 'dml', coreml: 'coreml' };

/** The choice a model stage opens its session with under the user's setting. */
export function choiceForSetting(setting: ProviderSetting): ProviderChoice {
  if (setting === 'auto' || setting === 'cpu') return setting;
  return { prefer: SETTING_PROVIDER[setting] };
}

/** The execution providers for a device on a platform, in order of preference, 'cpu' last. */
export function executionProvidersFor(
  device: 'cpu' | 'gpu',
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string[] {
  if (device === 'cpu') return ['cpu'];
  const gpu: string[] = [];
  if ((platform === 'linux' || platform === 'win32') && arch === 'x64') gpu.push('cuda');
  if (platform === 'win32') gpu.push('dml');
  if (platform === 'darwin') gpu.push('coreml');
  return [...gpu, 'cpu'];
}

export function providerName(p: ProviderConfig): string {
  return typeof p === 'string' ? p : p.name;
}

const PRETTY: Record<string, string> = { cpu: 'the CPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', tensorrt: 'TensorRT' };

/** A provider as a user reads it: 'CUDA', 'DirectML', 'CoreML', 'the CPU'. */
export function providerTitle(p: ProviderConfig): string {
  const n = providerName(p);
  return PRETTY[n] ?? n;
}

/** The provider lists to try in turn; empty when the choice cannot be served on this platform ('gpu' without one). */
export function providerAttempts(
  choice: ProviderChoice,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): ProviderConfig[][] {
  if (isPreference(choice)) return [[choice.prefer, 'cpu'], ['cpu']];
  if (typeof choice !== 'string') return [[...choice]];
  if (choice === 'cpu') return [['cpu']];
  const gpu = executionProvidersFor('gpu', platform, arch).filter((p) => p !== 'cpu');
  const attempts: ProviderConfig[][] = gpu.map((p) => [p, 'cpu']);
  if (choice === 'auto') attempts.push(['cpu']);
  return attempts;
}

/** How an attempt is named in notes: 'cuda+cpu'. */
export function attemptName(eps: readonly ProviderConfig[]): string {
  return eps.map(providerName).join('+');
}

/** An attempt that did not start, and onnxruntime's reason (its first line). */
export interface ProviderFailure {
  attempt: readonly ProviderConfig[];
  reason: string;
}

/** The failures as the notes of an error message: 'cuda+cpu: <reason>'. */
export function failureNotes(failures: readonly ProviderFailure[]): string[] {
  return failures.map((f) => `${attemptName(f.attempt)}: ${f.reason}`);
}

// What onnxruntime says when a GPU provider cannot start, by cause. Its messages name the failing call, not what the
// user should do: onnxruntime-node 1.30 reports a provider library it cannot load (not installed, or one of the CUDA 12
// / cuDNN 9 libraries it loads absent) as "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared
// library"; CUDA errors carry the CUDA runtime's own text ("out of memory", "CUDA driver version is insufficient …",
// "no CUDA-capable device is detected"); the BFC arena says "Failed to allocate memory"; DirectML's device errors are
// HRESULT names.
const OUT_OF_MEMORY = /out of memory|failed to allocate|cudaErrorMemoryAllocation|\bCUDA failure 2\b|bad_alloc|E_OUTOFMEMORY|0x8007000E/i;
const DRIVER =
  /driver|no CUDA-capable device|cudaErrorNoDevice|cudaErrorInsufficientDriver|\bCUDA failure (35|100)\b|libcuda\.so|nvcuda\.dll|DXGI_ERROR_(DEVICE_REMOVED|UNSUPPORTED)/i;
const NOT_LOADED = /failed to load (shared )?librar|cannot open shared object|LoadLibrary|error loading|not available|backend not found|not supported|not (been )?registered|unknown (execution )?provider/i;

/** Whether onnxruntime's message says a device (or the process) ran out of memory. */
export function isOutOfMemory(reason: string): boolean {
  return OUT_OF_MEMORY.test(reason);
}

/**
 * Why a provider did not start, as a user can act on it (the three causes Settings and the take name: the driver,
 * the provider not installed, out of memory), from onnxruntime's message; null when the message says none of them.
 */
export function failureCause(provider: ProviderConfig, reason: string): string | null {
  const name = providerName(provider);
  const cuda = name === 'cuda' || name === 'tensorrt';
  if (OUT_OF_MEMORY.test(reason)) return `${cuda ? 'the GPU' : providerTitle(provider)} ran out of memory (a smaller model variant, or closing other GPU programs, may help)`;
  if (DRIVER.test(reason)) {
    return cuda
      ? 'no usable NVIDIA GPU driver was found (install or update the NVIDIA driver: CUDA 12 needs version 525 or later)'
      : `the GPU driver did not give ${providerTitle(provider)} a device`;
  }
  if (NOT_LOADED.test(reason)) {
    if (cuda) {
      return 'onnxruntime\'s CUDA provider, or the CUDA 12 and cuDNN 9 libraries it loads, is not installed (run "npm run setup:gpu" for the provider; CUDA 12 and cuDNN 9 come from NVIDIA)';
    }
    return `this onnxruntime build has no ${providerTitle(provider)} provider`;
  }
  return null;
}

/** How one failed attempt reads in a sentence: "CUDA did not start: <cause> (<onnxruntime's words>)". */
function failureText(f: ProviderFailure): string {
  const provider = f.attempt[0] ?? 'cpu';
  const cause = failureCause(provider, f.reason);
  return `${providerTitle(provider)} did not start${cause ? `: ${cause}` : ''} (${f.reason})`;
}

/**
 * The sentence a log or the UI shows: which provider runs the model and, when earlier choices did not start, why.
 * E.g. "runs on the CPU because CUDA did not start: onnxruntime's CUDA provider, or the CUDA 12 and cuDNN 9 libraries
 * it loads, is not installed (…) (OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library)".
 */
export function providerReason(choice: ProviderChoice, used: ProviderConfig, failures: readonly ProviderFailure[]): string {
  const on = `runs on ${providerTitle(used)}`;
  if (failures.length > 0) {
    return `${on} because ${failures.map(failureText).join('; ')}`;
  }
  if (isPreference(choice)) return `${on} (${providerTitle(choice.prefer)} was asked for)`;
  if (typeof choice !== 'string') return `${on} (providers given: ${attemptName(choice)})`;
  if (choice === 'cpu') return `${on} (the CPU was asked for)`;
  return `${on} (the first choice for ${process.platform} ${process.arch})`;
}

export function isPreference(choice: ProviderChoice): choice is { prefer: string } {
  return typeof choice === 'object' && !Array.isArray(choice) && 'prefer' in choice;
}
