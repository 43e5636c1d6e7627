// The pack builder's conversions and transforms: float32 → float16 bit for bit as numpy's astype (the Python
// exporter's conversion) and → bfloat16 as torch, over every exponent range, ties, subnormals and NaNs (goldens from
// tools/export); the bf16 → fp16 table; and the weight transforms on small tensors checked by hand.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertBytes, f16ToF32Bits, f32BitsToBf16, f32BitsToF16, type Overflow } from '../../../src-main/engines/editx/pack/build/dtypes';
import { applyOps, opsOutputShape, transposeBand, transposeConvertBand } from '../../../src-main/engines/editx/pack/build/ops';
import { PACK_BUILD, requirePackBuildFixtures } from '../../integration/pack-build/fixtures';

describe('float conversions against numpy and torch', () => {
  requirePackBuildFixtures();
  const buf = readFileSync(join(PACK_BUILD, 'conversions.bin'));
  const n = buf.readUInt32LE(0);
  const f32 = new Uint32Array(buf.buffer.slice(buf.byteOffset + 4, buf.byteOffset + 4 + 4 * n));
  const f16 = new Uint16Array(buf.buffer.slice(buf.byteOffset + 4 + 4 * n, buf.byteOffset + 4 + 6 * n));
  const bf16 = new Uint16Array(buf.buffer.slice(buf.byteOffset + 4 + 6 * n, buf.byteOffset + 4 + 8 * n));

  it(`float32 → float16 equals numpy for ${n} patterns`, () => {
    expect(n).toBeGreaterThan(290_000);
    let bad = 0;
    let first = '';
    for (let i = 0; i < n; i++) {
      const got = f32BitsToF16(f32[i]!);
      if (got !== f16[i]) {
        if (!bad) first = `0x${f32[i]!.toString(16)} → 0x${got.toString(16)}, numpy 0x${f16[i]!.toString(16)}`;
        bad++;
      }
    }
    expect([bad, first]).toEqual([0, '']);
  });

  it(`float32 → bfloat16 equals torch for ${n} patterns (NaN stays a NaN; torch's payload varies by code path)`, () => {
    let bad = 0;
    let nans = 0;
    for (let i = 0; i < n; i++) {
      const f = f32[i]!;
      const got = f32BitsToBf16(f);
      if ((f & 0x7f800000) === 0x7f800000 && (f & 0x7fffff) !== 0) {
        nans++;
        if ((got & 0x7f80) !== 0x7f80 || (got & 0x7f) === 0) bad++;
      } else if (got !== bf16[i]) bad++;
    }
    expect(nans).toBeGreaterThan(100);
    expect(bad).toBe(0);
  });

  it('float16 → float32 is exact (every fp16 pattern round-trips)', () => {
    for (let h = 0; h < 65536; h++) {
      const isNan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNan) expect(f32BitsToF16(f16ToF32Bits(h) >>> 0)).toBe(h);
    }
  });

  it('the bf16 → fp16 table equals the conversion through fp32, and counts overflows of finite values only', () => {
    const all = new Uint8Array(65536 * 2);
    for (let b = 0; b < 65536; b++) {
      all[2 * b] = b & 0xff;
      all[2 * b + 1] = b >>> 8;
    }
    const o: Overflow = { count: 0, example: 0 };
    const out = convertBytes(all, 'bfloat16', 'float16', o);
    for (let b = 0; b < 65536; b++) expect(out[2 * b]! | (out[2 * b + 1]! << 8)).toBe(f32BitsToF16((b << 16) >>> 0));
    // Finite bf16 values of magnitude ≥ 65520 round to infinity in fp16: exponents 143..254, both signs.
    let expectOverflow = 0;
    for (let b = 0; b < 65536; b++) {
      const exp = (b >>> 7) & 0xff;
      if (exp !== 0xff && Math.abs(new Float32Array(new Uint32Array([(b << 16) >>> 0]).buffer)[0]!) >= 65520) expectOverflow++;
    }
    expect(o.count).toBe(expectOverflow);
    expect(o.count).toBeGreaterThan(0);
  });

  it('bf16 → fp32 widens exactly', () => {
    const o: Overflow = { count: 0, example: 0 };
    const out = convertBytes(new Uint8Array([0x80, 0x3f, 0x49, 0xc0]), 'bfloat16', 'float32', o);
    expect([...new Float32Array(out.buffer)]).toEqual([1, -3.140625]);
  });
});

describe('weight transforms', () => {
  const t = (shape: number[], values: number[]) => ({ shape, data: Float32Array.from(values) });

  it('transposes 2-D raw elements in bands, and N-d values by any permutation', () => {
    const m = new Uint8Array(new Uint16Array([1, 2, 3, 4, 5, 6]).buffer); // 2 × 3
    expect([...new Uint16Array(transposeBand(m, 2, 3, 2, 0, 3).buffer)]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...new Uint16Array(transposeBand(m, 2, 3, 2, 1, 3).buffer)]).toEqual([2, 5, 3, 6]);
    const x = t([2, 3, 2], [...Array(12).keys()]);
    const y = applyOps([x], [{ op: 'transpose', perm: [2, 0, 1] }]);
    expect(y.shape).toEqual([2, 2, 3]);
    expect([...y.data]).toEqual([0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]);
  });

  it('the fused transpose + conversion of bf16 equals transposing then converting, overflows counted alike', () => {
    const rows = 130;
    const cols = 70;
    const raw = new Uint8Array(rows * cols * 2);
    let x = 12345;
    for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    for (const to of ['float16', 'float32'] as const) {
      for (const [r0, r1] of [[0, 70], [3, 67]] as const) {
        const a: Overflow = { count: 0, example: 0 };
        const b: Overflow = { count: 0, example: 0 };
        const fused = transposeConvertBand(raw, rows, cols, 'bfloat16', to, r0, r1, a)!;
        const twoPass = convertBytes(transposeBand(raw, rows, cols, 2, r0, r1), 'bfloat16', to, b);
        expect(Buffer.from(fused).equals(Buffer.from(twoPass))).toBe(true);
        expect(a.count).toBe(b.count);
        if (to === 'float16') expect(a.count).toBeGreaterThan(0);
      }
    }
    expect(transposeConvertBand(raw, rows, cols, 'float16', 'float32', 0, 1, { count: 0, example: 0 })).toBeNull();
  });

  it('concatenates, slices and reshapes', () => {
    const a = t([2, 1], [1, 2]);
    const b = t([2, 2], [3, 4, 5, 6]);
    const c = applyOps([a, b], [{ op: 'concat', axis: 1 }]);
    expect([c.shape, [...c.data]]).toEqual([[2, 3], [1, 3, 4, 2, 5, 6]]);
    const s = applyOps([c], [{ op: 'slice', axis: 1, start: 1, end: 3 }, { op: 'reshape', shape: [4] }]);
    expect([s.shape, [...s.data]]).toEqual([[4], [3, 4, 5, 6]]);
  });

  it('folds weight norm: w = g · v / ‖v‖ over every dim but dim 0', () => {
    const g = t([2, 1, 1], [2, 10]);
    const v = t([2, 1, 2], [3, 4, 0, 5]);
    const w = applyOps([g, v], [{ op: 'weightNorm', dim: 0 }]);
    expect([...w.data]).toEqual([1.2000000476837158, 1.600000023841858, 0, 10]);
  });

  it('says why ops do not fit their inputs', () => {
    expect(opsOutputShape([[3, 4]], [{ op: 'transpose', perm: [1, 0] }])).toEqual([4, 3]);
    expect(opsOutputShape([[3, 4]], [{ op: 'reshape', shape: [5] }])).toMatch(/reshape to \[5\] does not fit/);
    expect(opsOutputShape([[3, 4], [3, 4]], [])).toMatch(/2 tensors remain/);
    expect(opsOutputShape([[2], [2, 3]], [{ op: 'weightNorm', dim: 0 }])).toEqual([2, 3]);
  });
});
