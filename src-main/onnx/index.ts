// The one onnxruntime layer (see docs/architecture.md, "ONNX"): lazy runtime import, execution-provider choice with
// fallback and a reason, sessions checked against a declared spec, runs that name their inputs on failure, and a
// per-pack registry of sessions by stage.

export { loadOnnxRuntime, firstLine } from './runtime';
export type { OnnxTensor, OnnxTensorType, TypedOnnxTensor, OnnxDataOf, ProviderConfig, ValueMetadata } from './runtime';
export {
  choiceForSetting,
  executionProvidersFor,
  isPreference,
  providerAttempts,
  providerName,
  providerReason,
  providerTitle,
  type ProviderChoice,
  type ProviderFailure,
  type ProviderSetting,
} from './providers';
export { cudaProviderInstalled, providerOptions, recentChoices, recordChoice, type ProviderOption, type SessionChoice } from './choices';
export { checkGraphIo, type Dim, type GraphSpec, type SessionIo, type TensorSpec, type InputName, type OutputName } from './spec';
export { openSession, describeTensors, OnnxSession, type Feeds, type Fetches, type Outputs, type OpenSessionOptions } from './session';
export { SessionRegistry, type StageDefinition, type StageStats } from './registry';
export { failureCause, isOutOfMemory } from './providers';
