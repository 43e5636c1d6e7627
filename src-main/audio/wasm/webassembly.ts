// The WebAssembly API as the main process uses it (the in-house kernels, ./kernels.ts, and the bundled Signalsmith
// Stretch, ../dsp/stretch.ts). The project's TypeScript lib has no DOM/WebAssembly declarations; these are the members
// used, declared once.

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmModule {
  readonly __wasmModule: unique symbol;
}

interface WasmNamespace {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<{ exports: unknown }>;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
