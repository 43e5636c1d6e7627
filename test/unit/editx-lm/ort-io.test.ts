// The pure parts of the onnxruntime runner: which execution providers a device gets on each platform, and the check of
// a graph's declared inputs/outputs against the manifest.

import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkIo, executionProvidersFor } from '../../../src-main/engines/editx/lm/ort-lm';
import type { LmVariant } from '../../../src-main/engines/editx/pack/manifest';

describe('executionProvidersFor', () => {
  it('keeps the CPU on the CPU everywhere', () => {
    for (const [platform, arch] of [['linux', 'x64'], ['win32', 'x64'], ['darwin', 'arm64']] as const) {
      expect(executionProvidersFor('cpu', platform, arch)).toEqual(['cpu']);
    }
  });

  it('puts the GPU providers of each platform first and the CPU last', () => {
    expect(executionProvidersFor('gpu', 'linux', 'x64')).toEqual(['cuda', 'cpu']);
    expect(executionProvidersFor('gpu', 'win32', 'x64')).toEqual(['cuda', 'dml', 'cpu']);
    expect(executionProvidersFor('gpu', 'win32', 'arm64')).toEqual(['dml', 'cpu']);
    expect(executionProvidersFor('gpu', 'darwin', 'arm64')).toEqual(['coreml', 'cpu']);
    expect(executionProvidersFor('gpu', 'darwin', 'x64')).toEqual(['coreml', 'cpu']);
    // No GPU provider: only the CPU, which create() refuses for device 'gpu'.
    expect(executionProvidersFor('gpu', 'linux', 'arm64')).toEqual(['cpu']);
  });
});

describe('checkIo', () => {
  const variant: LmVariant = {
    files: [{ path: 'lm.onnx', sha256: '0'.repeat(64), bytes: 1 }],
    dtype: 'fp16',
    kvDtype: 'float16',
    kvIo: 'append',
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: [1, 'new_len'] },
      { name: 'past_key_0', dtype: 'float16', shape: ['past_len', 4, 8] },
    ],
    outputs: [
      { name: 'logits', dtype: 'float32', shape: [1, 100] },
      { name: 'new_key_0', dtype: 'float16', shape: ['new_len', 4, 8] },
    ],
  };
  const meta = (name: string, type: string, shape: (number | string)[]): InferenceSession.ValueMetadata =>
    ({ name, isTensor: true, type, shape }) as InferenceSession.ValueMetadata;
  const session = (inputs: InferenceSession.ValueMetadata[], outputs: InferenceSession.ValueMetadata[]) => ({
    inputNames: inputs.map((m) => m.name),
    outputNames: outputs.map((m) => m.name),
    inputMetadata: inputs,
    outputMetadata: outputs,
  });
  const good = () =>
    session(
      [meta('input_ids', 'int64', [1, 'new_len']), meta('past_key_0', 'float16', ['past_len', 4, 8])],
      [meta('logits', 'float32', [1, 100]), meta('new_key_0', 'float16', ['new_len', 4, 8])],
    );

  it('accepts a graph that matches', () => {
    expect(checkIo(good(), variant)).toEqual([]);
  });

  it('names missing and extra tensors', () => {
    const s = good();
    s.inputNames = ['input_ids'];
    s.outputNames = [...s.outputNames, 'extra'];
    expect(checkIo(s, variant)).toEqual(['inputs missing in the graph: past_key_0', 'outputs not in the manifest: extra']);
  });

  it('compares element types, ranks and fixed dimensions', () => {
    const s = session(
      [meta('input_ids', 'int32', [1, 'new_len']), meta('past_key_0', 'float32', ['past_len', 4, 8])],
      [meta('logits', 'float32', [1, 99]), meta('new_key_0', 'float16', ['new_len', 32])],
    );
    expect(checkIo(s, variant)).toEqual([
      'input input_ids is int32 in the graph but int64 in the manifest',
      'input past_key_0 is float32 in the graph but float16 in the manifest',
      'output logits has dimension 1 of 99 in the graph but 100 in the manifest',
      'output new_key_0 has 2 dimensions in the graph but 3 in the manifest',
    ]);
  });

  it('skips shapes the graph does not declare, and works on names alone without metadata', () => {
    const s = good();
    s.outputMetadata = [meta('logits', 'float32', []), meta('new_key_0', 'float16', [])];
    expect(checkIo(s, variant)).toEqual([]);
    expect(checkIo({ inputNames: s.inputNames, outputNames: s.outputNames }, variant)).toEqual([]);
  });
});
