// The pack builder: graph templates filled with the weights of published files (safetensors, torch .pt, .npy, ready
// ONNX files), without Python. See ./builder.ts.

export { buildPack, partialDir, type BuildOptions, type BuildProgress, type BuildResult } from './builder';
export { loadTemplate, graphsFor, type LoadedTemplate, type TemplateSet, type WeightMap } from './template';
export { readSafetensorsFolder, readSafetensorsHeader } from './safetensors';
export { readTorchCheckpoint } from './torch-checkpoint';
export { readNpy } from './npy';
export { unpickle, PickleError } from './pickle';
export { FileReader, type TensorRef, type TensorSet } from './tensors';
