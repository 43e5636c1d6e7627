// The one place the app loads onnxruntime-node: a lazy `import()` (the native binding costs ~100 ms and tens of MB, and
// most processes never need it), the types the rest of the app names tensors and metadata by, and the cleanup of the
// runtime's error texts. Every other module reaches onnxruntime through this folder (lint: `retake/layers`).

import type * as OrtModule from 'onnxruntime-node';
import { RetakeError } from '../contract/errors';

export type Ort = typeof OrtModule;
export type OnnxTensor = OrtModule.Tensor;
export type OnnxTensorType = OrtModule.Tensor.Type;
export type TypedOnnxTensor<T extends OnnxTensorType> = OrtModule.TypedTensor<T>;
export type OnnxDataOf<T extends OnnxTensorType> = OrtModule.Tensor.DataTypeMap[T];
export type ValueMetadata = OrtModule.InferenceSession.ValueMetadata;
export type ProviderConfig = OrtModule.InferenceSession.ExecutionProviderConfig;
export type RawSession = OrtModule.InferenceSession;
export type RawSessionOptions = OrtModule.InferenceSession.SessionOptions;

let loading: Promise<Ort> | null = null;
let loaded: Ort | null = null;

/** onnxruntime-node, imported on first use; a missing or broken install is an E_ENGINE_UNAVAILABLE sentence. */
export function loadOnnxRuntime(): Promise<Ort> {
  if (!loading) {
    loading = import('onnxruntime-node').then(
      (m) => (loaded = m),
      (e: unknown) => {
        loading = null;
        throw new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          `onnxruntime-node could not be loaded (${firstLine((e as Error)?.message ?? String(e))}); reinstall Retake or run npm install.`,
        );
      },
    );
  }
  return loading;
}

/** The runtime when it has been loaded already (a session exists), else null. */
export function loadedOnnxRuntime(): Ort | null {
  return loaded;
}

/**
 * The first line of an onnxruntime message: it appends its own log (starting with a terminal colour code) to some
 * messages, and what precedes it is what went wrong.
 */
export function firstLine(s: string): string {
  return (s.split(new RegExp('\\n|' + String.fromCharCode(0x1b) + '\\['))[0] ?? s).trim();
}
