// The onnx layer on a real graph (Silero VAD, shipped with the app): spec mismatches name the tensor, a failed run
// names every input's dtype and shape, provider choice falls back with a reason, and the registry opens each stage
// once and releases on a switch of owner.

import { describe, expect, it } from 'vitest';
import { vadModelPath } from '../../../src-main/audio/analysis/vad';
import { RetakeError } from '../../../src-main/contract/errors';
import { failureCause, isOutOfMemory, openSession, providerAttempts, providerReason, SessionRegistry, type GraphSpec } from '../../../src-main/onnx';

const VAD = {
  inputs: [
    { name: 'input', dtype: 'float32', shape: ['batch', 'sequence'] },
    { name: 'state', dtype: 'float32', shape: [2, 'batch', 128] },
    { name: 'sr', dtype: 'int64', shape: [] },
  ],
  outputs: [
    { name: 'output', dtype: 'float32', shape: ['batch', 1] },
    { name: 'stateN', dtype: 'float32' },
  ],
} as const satisfies GraphSpec;

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

describe('openSession', () => {
  it('opens a graph that matches its spec, runs it with typed outputs, and refuses runs after release', async () => {
    const s = await openSession(vadModelPath(), VAD, { intraOpNumThreads: 1 });
    expect(s.provider).toBe('cpu');
    expect(s.providerReason).toBe('runs on the CPU (the CPU was asked for)');
    const out = await s.run({
      input: s.tensor('float32', new Float32Array(576), [1, 576]),
      state: s.tensor('float32', new Float32Array(256), [2, 1, 128]),
      sr: s.tensor('int64', BigInt64Array.from([16000n]), []),
    });
    expect(out.output.dims).toEqual([1, 1]);
    expect(out.stateN.dims).toEqual([2, 1, 128]);
    await s.release();
    await s.release();
    const e = await failure(s.run({ input: out.output, state: out.stateN, sr: out.output }));
    expect(e.code).toBe('E_INTERNAL');
    expect(e.message).toMatch(/already released/);
  });

  it('names each input and output that does not match the spec', async () => {
    const wrong = {
      inputs: [
        { name: 'input', dtype: 'float32', shape: ['batch', 'sequence'] },
        { name: 'state', dtype: 'float32', shape: [2, 'batch', 64] },
        { name: 'sr', dtype: 'int32' },
        { name: 'audio', dtype: 'float32' },
      ],
      outputs: [{ name: 'output', dtype: 'float32', shape: ['batch'] }],
    } as const satisfies GraphSpec;
    const e = await failure(openSession(vadModelPath(), wrong, { label: 'the test model', declaredIn: 'manifest', mismatchHint: 'Re-export it.' }));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/^The test model does not match its manifest: /);
    expect(e.message).toContain('inputs missing in the graph: audio');
    expect(e.message).toContain('input state has dimension 2 of 128 in the graph but 64 in the manifest');
    expect(e.message).toContain('input sr is int64 in the graph but int32 in the manifest');
    expect(e.message).toContain('outputs not in the manifest: stateN');
    expect(e.message).toContain('output output has 2 dimensions in the graph but 1 in the manifest');
    expect(e.message).toMatch(/Re-export it\.$/);
  });

  it('names the dtype and shape of every input when a run fails', async () => {
    const s = await openSession(vadModelPath(), VAD, { label: 'the voice-activity model' });
    try {
      const e = await failure(
        s.run({
          input: s.tensor('float32', new Float32Array(576), [1, 576]),
          state: s.tensor('float32', new Float32Array(128), [2, 1, 64]),
          sr: s.tensor('int64', BigInt64Array.from([16000n]), []),
        }),
      );
      expect(e.code).toBe('E_ENGINE_FAILED');
      expect(e.message).toMatch(/^The voice-activity model failed to run: .+\. Inputs: input float32 \[1,576\], state float32 \[2,1,64\], sr int64 \[\]\.$/);
      expect(e.details).toEqual({
        inputs: [
          { name: 'input', dtype: 'float32', dims: [1, 576] },
          { name: 'state', dtype: 'float32', dims: [2, 1, 64] },
          { name: 'sr', dtype: 'int64', dims: [] },
        ],
      });
      // The session survives a failed run.
      const ok = await s.run({
        input: s.tensor('float32', new Float32Array(576), [1, 576]),
        state: s.tensor('float32', new Float32Array(256), [2, 1, 128]),
        sr: s.tensor('int64', BigInt64Array.from([16000n]), []),
      });
      expect(ok.output.dims).toEqual([1, 1]);
    } finally {
      await s.release();
    }
  });
});

describe('execution providers', () => {
  it('tries the platform GPU providers with the CPU behind each, and the CPU alone last only for auto', () => {
    expect(providerAttempts('cpu', 'linux', 'x64')).toEqual([['cpu']]);
    expect(providerAttempts('gpu', 'linux', 'x64')).toEqual([['cuda', 'cpu']]);
    expect(providerAttempts('auto', 'linux', 'x64')).toEqual([['cuda', 'cpu'], ['cpu']]);
    expect(providerAttempts('gpu', 'win32', 'x64')).toEqual([['cuda', 'cpu'], ['dml', 'cpu']]);
    expect(providerAttempts('auto', 'darwin', 'arm64')).toEqual([['coreml', 'cpu'], ['cpu']]);
    expect(providerAttempts('gpu', 'linux', 'arm64')).toEqual([]);
    expect(providerAttempts(['nosuch', 'cpu'], 'linux', 'x64')).toEqual([['nosuch', 'cpu']]);
  });

  it('auto falls back to the CPU and says why the GPU provider did not start', async () => {
    expect(`${process.platform} ${process.arch}`).toBe('linux x64');
    const s = await openSession(vadModelPath(), VAD, { providers: 'auto' });
    try {
      if (s.provider === 'cuda') {
        // A machine with onnxruntime's CUDA provider installed: the first choice started.
        expect(s.providerNotes).toEqual([]);
        expect(s.providerReason).toBe('runs on CUDA (the first choice for linux x64)');
      } else {
        expect(s.provider).toBe('cpu');
        expect(s.providerNotes).toHaveLength(1);
        expect(s.providerNotes[0]).toMatch(/^cuda\+cpu: \S/);
        expect(s.providerReason).toMatch(/^runs on the CPU because CUDA did not start(: [^(]+\(.*\))? \(\S.*\)$/);
        // onnxruntime-node without its CUDA provider (this machine: "npm run setup:gpu" was never run) is named as that.
        if (/Failed to load shared library/.test(s.providerNotes[0]!)) expect(s.providerReason).toMatch(/CUDA provider.*is not installed \(run "npm run setup:gpu"/);
        // eslint-disable-next-line no-control-regex -- the terminal colour code onnxruntime's log starts with
        expect(s.providerReason).not.toMatch(/\n|\u001b/);
      }
    } finally {
      await s.release();
    }
  });

  it('says why a GPU provider did not start as the user can act on it: not installed, the driver, out of memory', () => {
    const cases: [string, string, RegExp | null][] = [
      // onnxruntime-node 1.30 without libonnxruntime_providers_cuda.so (measured here), or without CUDA 12 / cuDNN 9.
      ['cuda', 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library', /^onnxruntime's CUDA provider, or the CUDA 12 and cuDNN 9 libraries it loads, is not installed \(run "npm run setup:gpu"/],
      ['cuda', 'Failed to load library libonnxruntime_providers_cuda.so with error: libcudart.so.12: cannot open shared object file', /CUDA provider.*is not installed/],
      // The driver: libcuda comes with it; the CUDA runtime's errors 35 and 100.
      ['cuda', 'Failed to load library libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file', /^no usable NVIDIA GPU driver was found/],
      ['cuda', 'CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=0', /^no usable NVIDIA GPU driver/],
      ['cuda', 'CUDA failure 100: no CUDA-capable device is detected ; GPU=-1', /^no usable NVIDIA GPU driver/],
      ['tensorrt', 'CUDA failure 2: out of memory ; GPU=0 ; hostname=x', /^the GPU ran out of memory/],
      ['cuda', 'BFCArena::AllocateRawInternal Failed to allocate memory for requested buffer of size 7340032000', /^the GPU ran out of memory/],
      ['dml', 'DXGI_ERROR_DEVICE_REMOVED', /^the GPU driver did not give DirectML a device$/],
      ['dml', 'E_OUTOFMEMORY', /^DirectML ran out of memory/],
      ['coreml', 'backend not found', /^this onnxruntime build has no CoreML provider$/],
      ['cuda', 'Non-zero status code returned while running Conv node', null],
    ];
    for (const [provider, reason, cause] of cases) {
      const got = failureCause(provider, reason);
      if (cause === null) expect(got, reason).toBeNull();
      else expect(got, reason).toMatch(cause);
    }
    expect(isOutOfMemory('CUDA failure 2: out of memory')).toBe(true);
    expect(isOutOfMemory('CUDA failure 35: CUDA driver version is insufficient')).toBe(false);
    // In the sentence: the cause, then onnxruntime's own words; a reason without a known cause keeps only those.
    expect(providerReason('auto', 'cpu', [{ attempt: ['cuda', 'cpu'], reason: 'CUDA failure 2: out of memory' }])).toMatch(
      /^runs on the CPU because CUDA did not start: the GPU ran out of memory \(.*\) \(CUDA failure 2: out of memory\)$/,
    );
    expect(providerReason('auto', 'cpu', [{ attempt: ['cuda', 'cpu'], reason: 'something else' }])).toBe('runs on the CPU because CUDA did not start (something else)');
  });

  it('names each provider tried and why it failed when none starts', async () => {
    const e = await failure(openSession(vadModelPath(), VAD, { providers: ['nosuch'], label: 'the test model' }));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/^onnxruntime could not load the test model with nosuch \(nosuch: \S.*\)\.$/);
  });
});

describe('SessionRegistry', () => {
  it('opens a stage once on first get, logs its memory, and releases everything when the owner changes', async () => {
    const lines: string[] = [];
    const reg = new SessionRegistry<'vad' | 'other'>({ log: (l) => lines.push(l) });
    const stages = { vad: { file: vadModelPath(), spec: VAD }, other: { file: vadModelPath(), spec: VAD } };
    await reg.use('pack-a', stages);
    const [a, b] = await Promise.all([reg.get('vad'), reg.get('vad')]);
    expect(a).toBe(b);
    expect(reg.opened()).toEqual(['vad']);
    await a.run({
      input: a.tensor('float32', new Float32Array(576), [1, 576]),
      state: a.tensor('float32', new Float32Array(256), [2, 1, 128]),
      sr: a.tensor('int64', BigInt64Array.from([16000n]), []),
    });
    const [st] = reg.stats();
    expect(st).toMatchObject({ stage: 'vad', provider: 'cpu', runs: 1 });
    expect(st!.peakRss).toBeGreaterThanOrEqual(st!.rssAfterOpen * 0.5);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^onnx: pack-a vad opened in \d+ ms, runs on the CPU .*; RSS \d+ MB → \d+ MB, peak \d+ MB$/);
    // The same owner keeps its sessions; another one releases them.
    await reg.use('pack-a', stages);
    expect(await reg.get('vad')).toBe(a);
    await reg.use('pack-b', stages);
    expect(a.isReleased).toBe(true);
    expect(reg.opened()).toEqual([]);
    expect(lines[1]).toMatch(/^onnx: pack-a vad released after 1 runs; peak RSS while open \d+ MB$/);
    const c = await reg.get('vad');
    expect(c).not.toBe(a);
    await reg.releaseAll();
    expect(c.isReleased).toBe(true);
  });

  it('names the stages it has for an unknown one, and retries a stage whose open failed', async () => {
    const reg = new SessionRegistry<string>({ log: () => {} });
    await reg.use('pack-c', { vad: { file: '/nonexistent/model.onnx', spec: VAD } });
    const e = await failure(reg.get('decoder'));
    expect(e.message).toBe('The model pack pack-c has no stage "decoder" (it has vad).');
    expect((await failure(reg.get('vad'))).code).toBe('E_ENGINE_UNAVAILABLE');
    expect(reg.opened()).toEqual([]);
    await reg.use('pack-c', { vad: { file: vadModelPath(), spec: VAD } });
    expect((await reg.get('vad')).provider).toBe('cpu');
    await reg.releaseAll();
  });
});
