// The pack builder's readers against files torch and numpy wrote (tools/export, pack_build_fixtures.py): torch.save
// archives through the safe unpickler (tensors of every dtype, views at a storage offset, a module's state dict, a
// training checkpoint), pickles naming any other class refused by name, .npy arrays, and truncated files named.

import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { FileReader, PickleError, readNpy, readTorchCheckpoint, unpickle } from '../../../src-main/engines/editx/pack/build';
import { toFloat32 } from '../../../src-main/engines/editx/pack/build/dtypes';
import type { TensorRef } from '../../../src-main/engines/editx/pack/build';
import { PyDict, TensorValue } from '../../../src-main/engines/editx/pack/build/pickle';
import { tempDir } from '../../helpers/tmp';
import { PACK_BUILD, requirePackBuildFixtures } from '../../integration/pack-build/fixtures';

const reader = new FileReader();
afterAll(() => reader.close());
const tmp = tempDir('retake-readers-');

async function values(t: TensorRef): Promise<number[]> {
  const raw = await reader.tensor(t);
  if (t.dtype === 'int64') return [...new BigInt64Array(raw.slice().buffer)].map(Number);
  return [...toFloat32(raw, t.dtype)];
}

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

describe('torch checkpoints', () => {
  requirePackBuildFixtures();
  const dir = join(PACK_BUILD, 'torch');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, any>;

  for (const file of ['state.pt', 'module.pt', 'checkpoint.pt']) {
    it(`${file}: every tensor's name, dtype, shape and values as torch saved them`, async () => {
      const set = await readTorchCheckpoint(join(dir, file), reader);
      const want = expected[file] as Record<string, { dtype: string; shape: number[]; values: number[] }>;
      expect([...set.tensors.keys()]).toEqual(Object.keys(want));
      for (const [name, w] of Object.entries(want)) {
        const t = set.tensors.get(name)!;
        expect([name, t.dtype, t.shape]).toEqual([name, w.dtype, w.shape]);
        expect(await values(t)).toEqual(w.values);
      }
    });
  }

  for (const file of ['evil.pt', 'custom.pt']) {
    it(`${file}: a pickle naming a class beyond tensor storage is refused, naming it`, async () => {
      const e = await failure(readTorchCheckpoint(join(dir, file), reader));
      expect(e.code).toBe('E_MODEL_INVALID');
      expect(e.message).toContain(`${file} is refused: it names ${expected[file].refused}, which is not a tensor storage or a plain container`);
    });
  }

  it('names a truncated archive', async () => {
    const f = join(tmp, 'cut.pt');
    copyFileSync(join(dir, 'state.pt'), f);
    truncateSync(f, statSync(f).size - 40);
    const e = await failure(readTorchCheckpoint(f, reader));
    expect(e.message).toMatch(/cut\.pt is not a readable zip archive \(a torch checkpoint\): no end-of-central-directory record \(truncated\?\)/);
  });

  it('refuses a file that is not a zip archive (a legacy torch.save)', async () => {
    const f = join(tmp, 'legacy.pt');
    writeFileSync(f, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
    expect((await failure(readTorchCheckpoint(f, reader))).code).toBe('E_MODEL_INVALID');
  });
});

describe('the unpickler', () => {
  const bytes = (...parts: (number[] | string)[]) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

  it('refuses GLOBAL and STACK_GLOBAL of anything else before building it', () => {
    // GLOBAL 'builtins\neval\n'
    expect(() => unpickle(bytes([0x80, 2, 0x63], 'builtins\neval\n', [0x2e]))).toThrow(/names builtins\.eval/);
    // STACK_GLOBAL with 'os', 'system'
    expect(() => unpickle(bytes([0x80, 4, 0x8c, 2], 'os', [0x8c, 6], 'system', [0x93, 0x2e]))).toThrow(/names os\.system/);
    expect(() => unpickle(bytes([0x80, 2, 0x63], 'torch\nload\n', [0x2e]))).toThrow(/names torch\.load/);
  });

  it('refuses opcodes a state dict does not use, and damage', () => {
    // INST (0x69) would call a class by name in protocol 0.
    expect(() => unpickle(bytes([0x80, 2, 0x28, 0x69], 'os\nsystem\n', [0x2e]))).toThrow(PickleError);
    expect(() => unpickle(bytes([0x80, 2, 0x69], 'os\nsystem\n'))).toThrow(/opcode 0x69/);
    expect(() => unpickle(bytes([0x80, 2, 0x58, 0xff, 0xff, 0, 0]))).toThrow(/ends early/);
    expect(() => unpickle(bytes([0x80, 2, 0x68, 7, 0x2e]))).toThrow(/memo entry 7/);
  });

  it('reads plain data: dicts, lists, tuples, numbers, strings, None, booleans', () => {
    // {'a': [1, -2, 3.5, None, True], 'b': (1 << 70)} in protocol 2, written by hand.
    const p = bytes(
      [0x80, 2, 0x7d, 0x28, 0x58, 1, 0, 0, 0],
      'a',
      [0x5d, 0x28, 0x4b, 1, 0x4a, 0xfe, 0xff, 0xff, 0xff, 0x47, 0x40, 0x0c, 0, 0, 0, 0, 0, 0, 0x4e, 0x88, 0x65],
      [0x58, 1, 0, 0, 0],
      'b',
      [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40],
      [0x75, 0x2e],
    );
    const v = unpickle(p) as PyDict;
    expect(v.map.get('a')).toEqual([1, -2, 3.5, null, true]);
    expect(v.map.get('b')).toBe(1n << 70n);
  });

  it('accepts a storage only inside a persistent id', () => {
    // GLOBAL torch.FloatStorage then REDUCE with () must not build anything.
    expect(() => unpickle(bytes([0x80, 2, 0x63], 'torch\nFloatStorage\n', [0x29, 0x52, 0x2e]))).toThrow(/outside a persistent id/);
    // A tensor from a persistent id: _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 6), 0, (2, 3), (3, 1), False, OrderedDict())
    const p = bytes(
      [0x80, 2, 0x63],
      'torch._utils\n_rebuild_tensor_v2\n',
      [0x28, 0x28, 0x58, 7, 0, 0, 0],
      'storage',
      [0x63],
      'torch\nFloatStorage\n',
      [0x58, 1, 0, 0, 0],
      '0',
      [0x58, 3, 0, 0, 0],
      'cpu',
      [0x4b, 6, 0x74, 0x51, 0x4b, 0, 0x4b, 2, 0x4b, 3, 0x86, 0x4b, 3, 0x4b, 1, 0x86, 0x89, 0x63],
      'collections\nOrderedDict\n',
      [0x29, 0x52, 0x74, 0x52, 0x2e],
    );
    const t = unpickle(p) as TensorValue;
    expect(t).toBeInstanceOf(TensorValue);
    expect([t.storage.dtype, t.storage.key, t.shape, t.stride]).toEqual(['float32', '0', [2, 3], [3, 1]]);
  });
});

describe('.npy arrays', () => {
  const dir = join(PACK_BUILD, 'npy');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, any>;

  for (const file of ['codebook.npy', 'v2.npy']) {
    it(`${file}: dtype, shape and values as numpy saved them`, async () => {
      const t = await readNpy(join(dir, file), reader, 'array');
      expect([t.dtype, t.shape]).toEqual([expected[file].dtype, expected[file].shape]);
      expect(await values(t)).toEqual(expected[file].values);
    });
  }

  it('names a truncated array and one in Fortran order', async () => {
    const cut = join(tmp, 'cut.npy');
    copyFileSync(join(dir, 'codebook.npy'), cut);
    truncateSync(cut, statSync(cut).size - 4);
    expect((await failure(readNpy(cut, reader, 'array'))).message).toMatch(/cut\.npy is truncated: tensor array ends at byte \d+, the file has \d+/);
    const fortran = join(tmp, 'f.npy');
    const header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }".padEnd(117, ' ') + '\n';
    writeFileSync(fortran, Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]), Buffer.from(header), Buffer.alloc(24)]));
    expect((await failure(readNpy(fortran, reader, 'array'))).message).toMatch(/Fortran order/);
  });
});
