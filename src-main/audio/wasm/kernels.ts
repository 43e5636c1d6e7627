// The audio front ends' WebAssembly SIMD kernels (sources in ./assembly/kernels.ts, compiled into the committed
// ./kernels.generated.ts by scripts/build-wasm.mjs): compiles the module once per thread and gives each user its own
// instance, whose linear memory that user lays out (`Kernels.reserve` grows it; views must be taken after reserving).
//
// There is no JavaScript fallback on purpose: every runtime Retake supports has WebAssembly SIMD (Node ≥ 16.4, which
// package.json's engines field exceeds, and every Electron since 13), so a second implementation could only drift from
// the first untested. Where SIMD is missing anyway, the kernels fail with a clear error instead of a crash.

import { RetakeError } from '../../contract/errors';
import { KERNELS_WASM_BASE64 } from './kernels.generated';
import { wasm, type WasmMemory, type WasmModule } from './webassembly';

/** The module's exports (see ./assembly/kernels.ts for what each does; offsets are bytes into `memory`). */
export interface KernelExports {
  memory: WasmMemory;
  resampleInterior(
    x: number,
    table: number,
    width: number,
    rowStart: number,
    y: number,
    count: number,
    q0: number,
    r0: number,
    qStep: number,
    rStep: number,
    M: number,
  ): void;
  configure(
    frameLength: number,
    hop: number,
    fftSize: number,
    specBins: number,
    melBins: number,
    removeDc: number,
    magnitude: number,
    inputScale: number,
    preEmphasis: number,
    magnitudeEpsilon: number,
    logScale: number,
    logFloor: number,
    windowAt: number,
    bufA: number,
    bufB: number,
    stagesAt: number,
    nStages: number,
    specA: number,
    specB: number,
    melStart: number,
    melLength: number,
    melOffset: number,
    melWeights: number,
  ): void;
  spectrogram(x: number, frames: number, out: number): void;
  resetMax(): void;
  getMax(): number;
}

let compiled: WasmModule | null = null;

function kernelModule(): WasmModule {
  if (!compiled) {
    try {
      compiled = new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    } catch (e) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `The audio kernels need WebAssembly with SIMD, which this runtime cannot compile (${(e as Error).message}).`,
      );
    }
  }
  return compiled;
}

const PAGE = 65536;

/** One instance of the kernels with its own linear memory. */
export class Kernels {
  readonly exports: KernelExports;

  constructor() {
    this.exports = new wasm.Instance(kernelModule(), {}).exports as unknown as KernelExports;
  }

  /** Grows the memory to at least `bytes`; views of the memory taken before a growth are detached by it. */
  reserve(bytes: number): ArrayBuffer {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    return memory.buffer;
  }
}

/** Rounds a byte offset up to a multiple of 16 (v128 alignment). */
export function align16(n: number): number {
  return (n + 15) & ~15;
}
