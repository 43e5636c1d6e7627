// Weight-only block quantization into onnxruntime's MatMulNBits layout, byte for byte what the exporter writes
// (tools/export/retake_export/lm/quantize.py, where the two schemes are defined), for the pack builder to make int8 /
// int4 LM variants from published weights; and the repacking of published AWQ 4-bit tensors into the same layout
// without re-quantizing (lm/awq.py). Checked against the exporter's bytes (test/fixtures/editx/quant).
//
// Every step is float32 arithmetic: each division of two float32 values is rounded to float32 with Math.fround
// (a double division rounded once to float32 is the correctly rounded float32 quotient), and codes round half to even,
// as numpy's rint does.

export interface QuantScheme {
  bits: 4 | 8;
  /** Weights per block along K, a power of two ≥ 16. */
  blockSize: number;
  symmetric: boolean;
}

/** One matrix in MatMulNBits form: B (N, blocks, blockSize·bits/8), scales (N, blocks), zero points (N, ⌈blocks·bits/8⌉). */
export interface NBitsMatrix {
  n: number;
  k: number;
  blocks: number;
  b: Uint8Array;
  scales: Float32Array;
  /** Absent for symmetric schemes (the operator then uses 2^(bits−1)). */
  zeroPoints: Uint8Array | null;
}

function rintEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

function packInto(dst: Uint8Array, at: number, codes: Uint8Array, bits: 4 | 8): void {
  if (bits === 8) dst.set(codes, at);
  else for (let j = 0; j < codes.length; j += 2) dst[at + (j >> 1)] = (codes[j] as number) | ((codes[j + 1] as number) << 4);
}

/**
 * Quantizes `rows` (N × K float32, row-major: the checkpoint's (out, in) layout, which is MatMulNBits' own
 * orientation) along K in blocks of `scheme.blockSize`; K is padded with zeros to whole blocks.
 */
export function quantizeRows(rows: Float32Array, n: number, k: number, scheme: QuantScheme): NBitsMatrix {
  if (rows.length !== n * k) throw new RangeError(`rows hold ${rows.length} values, not ${n} × ${k}`);
  const { bits, blockSize: bs, symmetric } = scheme;
  if (bs < 16 || (bs & (bs - 1)) !== 0) throw new RangeError(`block size ${bs} is not a power of two ≥ 16`);
  const blocks = Math.ceil(k / bs);
  const blob = (bs * bits) / 8;
  const qmax = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  const zpRow = Math.ceil((blocks * bits) / 8);
  const b = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zeroPoints = symmetric ? null : new Uint8Array(n * zpRow);
  const block = new Float32Array(bs);
  const codes = new Uint8Array(bs);
  for (let o = 0; o < n; o++) {
    for (let blk = 0; blk < blocks; blk++) {
      block.fill(0);
      const from = o * k + blk * bs;
      block.set(rows.subarray(from, from + Math.min(bs, k - blk * bs)));
      let scale: number;
      if (symmetric) {
        let m = 0;
        for (let j = 0; j < bs; j++) if (Math.abs(block[j] as number) > Math.abs(m)) m = block[j] as number;
        scale = Math.fround(m / -half);
        const safe = scale === 0 ? 1 : scale;
        for (let j = 0; j < bs; j++) {
          codes[j] = scale === 0 ? half : clip(rintEven(Math.fround((block[j] as number) / safe)), -half, half - 1) + half;
        }
      } else {
        let lo = 0;
        let hi = 0;
        for (let j = 0; j < bs; j++) {
          lo = Math.min(lo, block[j] as number);
          hi = Math.max(hi, block[j] as number);
        }
        scale = Math.fround(Math.fround(hi - lo) / qmax);
        const safe = scale === 0 ? 1 : scale;
        const zp = scale === 0 ? 0 : clip(rintEven(Math.fround(-lo / safe)), 0, qmax);
        for (let j = 0; j < bs; j++) codes[j] = clip(rintEven(Math.fround((block[j] as number) / safe)) + zp, 0, qmax);
        const zpAt = o * zpRow + ((blk * bits) >> 3);
        zeroPoints![zpAt] = bits === 8 ? zp : (zeroPoints![zpAt] as number) | (zp << (4 * (blk & 1)));
      }
      scales[o * blocks + blk] = scale;
      packInto(b, (o * blocks + blk) * blob, codes, bits);
    }
  }
  return { n, k, blocks, b, scales, zeroPoints };
}

/** Nibble i of each AWQ int32 holds column AWQ_ORDER[i] of its group of 8 (AutoAWQ's gemm packing, lm/awq.py). */
export const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7] as const;

/**
 * Published AWQ tensors of one Linear (gemm layout: qweight int32 (K, N/8), qzeros int32 (K/G, N/8), scales (K/G, N)
 * given here as float32, converted exactly from fp16) as MatMulNBits with block size G, 4 bits, asymmetric: the same
 * codes, zero points and scales, transposed and repacked. No value changes.
 */
export function awqToNBits(qweight: Int32Array, qzeros: Int32Array, scales: Float32Array, k: number, n: number, groupSize: number): NBitsMatrix {
  if (n % 8 !== 0 || k % groupSize !== 0) throw new RangeError(`AWQ needs N (${n}) a multiple of 8 and K (${k}) of the group size ${groupSize}`);
  const blocks = k / groupSize;
  if (qweight.length !== (k * n) / 8 || qzeros.length !== (blocks * n) / 8 || scales.length !== blocks * n) {
    throw new RangeError('qweight, qzeros or scales do not have the sizes of K × N in groups of the group size');
  }
  const nibble = (packed: Int32Array, row: number, col: number): number => {
    const word = packed[row * (n / 8) + (col >> 3)] as number;
    return (word >>> (4 * AWQ_ORDER.indexOf((col & 7) as (typeof AWQ_ORDER)[number]))) & 15;
  };
  const blob = groupSize / 2;
  const zpRow = Math.ceil(blocks / 2);
  const b = new Uint8Array(n * blocks * blob);
  const out = new Float32Array(n * blocks);
  const zeroPoints = new Uint8Array(n * zpRow);
  for (let o = 0; o < n; o++) {
    for (let blk = 0; blk < blocks; blk++) {
      out[o * blocks + blk] = scales[blk * n + o] as number;
      zeroPoints[o * zpRow + (blk >> 1)] = (zeroPoints[o * zpRow + (blk >> 1)] as number) | (nibble(qzeros, blk, o) << (4 * (blk & 1)));
      const at = (o * blocks + blk) * blob;
      for (let j = 0; j < groupSize; j += 2) {
        const kk = blk * groupSize + j;
        b[at + (j >> 1)] = nibble(qweight, kk, o) | (nibble(qweight, kk + 1, o) << 4);
      }
    }
  }
  return { n, k, blocks, b, scales: out, zeroPoints };
}
