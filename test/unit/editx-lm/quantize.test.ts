// The TypeScript MatMulNBits quantizer and AWQ repacking against the exporter's bytes
// (tools/export/retake_export/goldens/quant_goldens.py → test/fixtures/editx/quant/matmulnbits.json).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awqToNBits, quantizeRows } from '../../../src-main/engines/editx/pack/quantize';

interface Golden {
  inputs: Record<string, { n: number; k: number; data: string }>;
  cases: { input: string; bits: 4 | 8; blockSize: number; symmetric: boolean; b: string; scales: string; zeroPoints: string | null }[];
  awq: { k: number; n: number; groupSize: number; qweight: string; qzeros: string; scalesFp16: string; b: string; scales: string; zeroPoints: string };
}

const golden = JSON.parse(readFileSync(join(__dirname, '../../fixtures/editx/quant/matmulnbits.json'), 'utf8')) as Golden;
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const f32 = (s: string): Float32Array => {
  const u = bytes(s);
  return new Float32Array(u.buffer, u.byteOffset, u.byteLength / 4);
};

function fp16ToF32(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

describe('MatMulNBits quantization', () => {
  it.each(golden.cases.map((c) => [`${c.input} int${c.bits} b${c.blockSize} ${c.symmetric ? 'sym' : 'asym'}`, c] as const))(
    'makes the exporter\'s bytes: %s',
    (_, c) => {
      const inp = golden.inputs[c.input]!;
      const q = quantizeRows(f32(inp.data), inp.n, inp.k, c);
      expect(Buffer.from(q.b).toString('base64')).toBe(c.b);
      expect(Array.from(q.scales)).toEqual(Array.from(f32(c.scales)));
      expect(q.zeroPoints === null ? null : Buffer.from(q.zeroPoints).toString('base64')).toBe(c.zeroPoints);
    },
  );

  it('refuses sizes that do not fit', () => {
    expect(() => quantizeRows(new Float32Array(10), 2, 4, { bits: 4, blockSize: 32, symmetric: true })).toThrow(/not 2 × 4/);
    expect(() => quantizeRows(new Float32Array(8), 2, 4, { bits: 4, blockSize: 24, symmetric: true })).toThrow(/power of two/);
  });

  it('repacks AWQ tensors without changing a value', () => {
    const a = golden.awq;
    const qw = bytes(a.qweight);
    const qz = bytes(a.qzeros);
    const h = bytes(a.scalesFp16);
    const halves = new Uint16Array(h.buffer, h.byteOffset, h.byteLength / 2);
    const q = awqToNBits(
      new Int32Array(qw.buffer, qw.byteOffset, qw.byteLength / 4),
      new Int32Array(qz.buffer, qz.byteOffset, qz.byteLength / 4),
      Float32Array.from(halves, fp16ToF32),
      a.k,
      a.n,
      a.groupSize,
    );
    expect(Buffer.from(q.b).toString('base64')).toBe(a.b);
    expect(Array.from(q.scales)).toEqual(Array.from(f32(a.scales)));
    expect(Buffer.from(q.zeroPoints!).toString('base64')).toBe(a.zeroPoints);
  });
});
