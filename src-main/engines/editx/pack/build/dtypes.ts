// Element types of the tensors the pack builder reads and writes, and the conversions between the float types:
// bf16 and fp16 widen to fp32 exactly; fp32 narrows to fp16 or bf16 with round-to-nearest-even, bit for bit as numpy's
// `astype(float16)` (the Python exporter's conversion) including NaN payloads; a finite value that overflows fp16 is
// reported, never silently made infinite. bf16 → fp16, the published LM's conversion, is one table lookup per value.

export type Dtype = 'bfloat16' | 'float16' | 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<Dtype, number> = {
  bfloat16: 2,
  float16: 2,
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export const FLOAT_DTYPES: readonly Dtype[] = ['bfloat16', 'float16', 'float32', 'float64'];

export function isFloat(d: Dtype): boolean {
  return FLOAT_DTYPES.includes(d);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** fp16 bits of an fp32 bit pattern, round to nearest even: numpy's npy_floatbits_to_halfbits step for step. */
export function f32BitsToF16(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = f & 0x7f800000;
  if (exp >= 0x47800000) {
    // Infinity, NaN, or a finite value too large for fp16 (→ infinity; the callers count those).
    const sig = f & 0x007fffff;
    if (exp === 0x7f800000 && sig !== 0) {
      let ret = 0x7c00 + (sig >>> 13);
      if (ret === 0x7c00) ret++; // keep it a NaN when the payload's top bits are zero
      return sign + ret;
    }
    return sign + 0x7c00;
  }
  if (exp <= 0x38000000) {
    // An fp16 subnormal or zero.
    if (exp < 0x33000000) return sign;
    const e = exp >>> 23;
    let sig = (0x00800000 + (f & 0x007fffff)) >>> (113 - e);
    // Ties to even; the shift above may have dropped up to 11 bits, which the second test looks at.
    if ((sig & 0x00003fff) !== 0x00001000 || (f & 0x000007ff) !== 0) sig += 0x00001000;
    return sign + (sig >>> 13); // a carry turns the largest subnormal into the smallest normal, correctly
  }
  const hexp = (exp - 0x38000000) >>> 13;
  let sig = f & 0x007fffff;
  if ((sig & 0x00003fff) !== 0x00001000) sig += 0x00001000;
  return sign + hexp + (sig >>> 13); // a carry increments the exponent (to infinity at the top)
}

/** fp32 bit pattern of fp16 bits (exact). */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const sig = h & 0x3ff;
  if (exp === 0x1f) return sign | 0x7f800000 | (sig << 13);
  if (exp !== 0) return sign | ((exp + 112) << 23) | (sig << 13);
  if (sig === 0) return sign;
  // Subnormal: normalise.
  let e = 113;
  let s = sig;
  while ((s & 0x400) === 0) {
    s <<= 1;
    e--;
  }
  return sign | (e << 23) | ((s & 0x3ff) << 13);
}

/** bf16 bits of an fp32 bit pattern, round to nearest even as torch's c10::BFloat16 (every NaN becomes 0x7FC0). */
export function f32BitsToBf16(f: number): number {
  if ((f & 0x7f800000) === 0x7f800000 && (f & 0x007fffff) !== 0) return 0x7fc0;
  return ((f + 0x7fff + ((f >>> 16) & 1)) >>> 16) & 0xffff;
}

let bf16ToF16Table: Uint16Array | null = null;
let bf16OverflowTable: Uint8Array | null = null;
/** The fp16 bits of every bf16 bit pattern, and 1 where a finite bf16 value overflows fp16. */
export function bf16ToF16Tables(): { f16: Uint16Array; overflow: Uint8Array } {
  if (!bf16ToF16Table || !bf16OverflowTable) {
    const t = new Uint16Array(65536);
    const o = new Uint8Array(65536);
    for (let b = 0; b < 65536; b++) {
      t[b] = f32BitsToF16((b << 16) >>> 0);
      o[b] = (t[b]! & 0x7fff) === 0x7c00 && (b & 0x7f80) !== 0x7f80 ? 1 : 0;
    }
    bf16ToF16Table = t;
    bf16OverflowTable = o;
  }
  return { f16: bf16ToF16Table, overflow: bf16OverflowTable };
}

/** A 16-bit view of little-endian bytes (copied when the bytes are not 2-byte aligned). */
function u16(bytes: Uint8Array): Uint16Array {
  const b = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength >>> 1);
}

function isFiniteF32Bits(f: number): boolean {
  return (f & 0x7f800000) !== 0x7f800000;
}

function isInfF16(h: number): boolean {
  return (h & 0x7fff) === 0x7c00;
}

/** Values of a float tensor's raw little-endian bytes as fp32 (bf16/fp16 exactly; fp64 rounded to nearest). */
export function toFloat32(bytes: Uint8Array, dtype: Dtype): Float32Array {
  const n = bytes.length / DTYPE_BYTES[dtype];
  const out = new Float32Array(n);
  const outBits = new Uint32Array(out.buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'bfloat16':
      for (let i = 0; i < n; i++) outBits[i] = (view.getUint16(2 * i, true) << 16) >>> 0;
      return out;
    case 'float16':
      for (let i = 0; i < n; i++) outBits[i] = f16ToF32Bits(view.getUint16(2 * i, true)) >>> 0;
      return out;
    case 'float32':
      for (let i = 0; i < n; i++) outBits[i] = view.getUint32(4 * i, true);
      return out;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    default:
      throw new Error(`toFloat32: ${dtype} is not a float type`);
  }
}

/** A conversion that produced an infinity from a finite value (fp16's range is ±65,504). */
export interface Overflow {
  count: number;
  /** First offending value. */
  example: number;
}

/** fp32 values as little-endian bytes of `dtype` (float32, float16 or bfloat16); counts fp16 overflows. */
export function fromFloat32(values: Float32Array, dtype: Dtype, overflow: Overflow): Uint8Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  switch (dtype) {
    case 'float32': {
      const out = new Uint8Array(n * 4);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < n; i++) dv.setUint32(4 * i, bits[i]!, true);
      return out;
    }
    case 'float16': {
      const out = new Uint8Array(n * 2);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < n; i++) {
        const f = bits[i]!;
        const h = f32BitsToF16(f);
        if (isInfF16(h) && isFiniteF32Bits(f)) {
          if (overflow.count === 0) overflow.example = values[i]!;
          overflow.count++;
        }
        dv.setUint16(2 * i, h, true);
      }
      return out;
    }
    case 'bfloat16': {
      const out = new Uint8Array(n * 2);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < n; i++) dv.setUint16(2 * i, f32BitsToBf16(bits[i]!), true);
      return out;
    }
    default:
      throw new Error(`fromFloat32: cannot write ${dtype}`);
  }
}

/**
 * Element-wise conversion of raw bytes from one float type to another, in pieces of any size (the streaming path of
 * a weight that needs no reshuffling). Same-type is a copy; bf16 → fp16 is a table lookup; others go through fp32.
 */
export function convertBytes(bytes: Uint8Array, from: Dtype, to: Dtype, overflow: Overflow): Uint8Array {
  if (from === to) return bytes;
  // Typed-array loops (one load, one table lookup, one store per value): the published LM is 3.5 B of them. This
  // and the rest of the builder assume a little-endian machine, as every platform Retake ships for is.
  if (from === 'bfloat16' && to === 'float16') {
    const { f16, overflow: over } = bf16ToF16Tables();
    const inp = u16(bytes);
    const n = inp.length;
    const out = new Uint16Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const b = inp[i]!;
      out[i] = f16[b]!;
      count += over[b]!;
    }
    if (count > 0) {
      if (overflow.count === 0) {
        const first = inp.findIndex((b) => over[b] === 1);
        u32[0] = (inp[first]! << 16) >>> 0;
        overflow.example = f32[0]!;
      }
      overflow.count += count;
    }
    return new Uint8Array(out.buffer);
  }
  if (from === 'bfloat16' && to === 'float32') {
    const inp = u16(bytes);
    const n = inp.length;
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = inp[i]! << 16;
    return new Uint8Array(out.buffer);
  }
  return fromFloat32(toFloat32(bytes, from), to, overflow);
}
