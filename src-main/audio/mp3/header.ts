// MPEG audio frame headers (ISO/IEC 11172-3 §2.4.2.3, 13818-3 §2.4.2.3, and the MPEG-2.5 extension that halves the
// MPEG-2 rates once more): what a 4-byte header says and how long its frame is. Free-format frames (bitrate index 0)
// are recognised so they can be refused by name; the reserved values are not headers at all.

/** Bitrates in kbit/s for bitrate index 1..14 (11172-3 Table 1 / 13818-3 Table 2). */
const BITRATES_MPEG1: readonly (readonly number[])[] = [
  [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // Layer I
  [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // Layer II
  [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // Layer III
];
const BITRATES_LSF: readonly (readonly number[])[] = [
  [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256], // Layer I
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160], // Layers II and III
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];
const MPEG1_RATES = [44100, 48000, 32000];

export const MODE_STEREO = 0;
export const MODE_JOINT = 1;
export const MODE_DUAL = 2;
export const MODE_MONO = 3;

export interface MpegHeader {
  /** MPEG-2 or MPEG-2.5 (low sampling frequencies: one granule per Layer III frame, other side info). */
  lsf: boolean;
  mpeg25: boolean;
  layer: 1 | 2 | 3;
  /** A CRC-16 follows the header. */
  crc: boolean;
  /** kbit/s; 0 for a free-format frame, whose length the header does not give. */
  bitrate: number;
  sampleRate: number;
  /** Index into ./tables RATES (0–2 MPEG-1, 3–5 MPEG-2, 6–8 MPEG-2.5). */
  rateIndex: number;
  padding: number;
  mode: number;
  modeExtension: number;
  channels: 1 | 2;
  /** Whole frame in bytes, header included (0 for free format). */
  frameBytes: number;
  /** PCM samples per channel the frame decodes to. */
  samples: number;
}

/** The header at `off`, or null when the four bytes there are not one (no sync word, or a reserved value). */
export function parseHeader(b: Uint8Array, off: number): MpegHeader | null {
  if (off + 4 > b.length) return null;
  const b1 = b[off + 1]!;
  const b2 = b[off + 2]!;
  const b3 = b[off + 3]!;
  if (b[off] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const versionBits = (b1 >> 3) & 3; // 0 MPEG-2.5, 1 reserved, 2 MPEG-2, 3 MPEG-1
  const layerBits = (b1 >> 1) & 3; // 0 reserved, 1 Layer III, 2 Layer II, 3 Layer I
  const bitrateIndex = b2 >> 4;
  const rateBits = (b2 >> 2) & 3;
  // Emphasis 2 is reserved too; rejecting it keeps random bytes from passing as headers a little more often.
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 15 || rateBits === 3 || (b3 & 3) === 2) return null;
  const lsf = versionBits !== 3;
  const mpeg25 = versionBits === 0;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const rateIndex = (lsf ? (mpeg25 ? 6 : 3) : 0) + rateBits;
  const sampleRate = MPEG1_RATES[rateBits]! >> (lsf ? (mpeg25 ? 2 : 1) : 0);
  const bitrate = bitrateIndex === 0 ? 0 : (lsf ? BITRATES_LSF : BITRATES_MPEG1)[layer - 1]![bitrateIndex - 1]!;
  const padding = (b2 >> 1) & 1;
  const mode = b3 >> 6;
  const samples = layer === 1 ? 384 : layer === 3 && lsf ? 576 : 1152;
  let frameBytes = 0;
  if (bitrate > 0) {
    // Slot counts of 11172-3 §2.4.3.1: 4-byte slots in Layer I, bytes otherwise; samples/8 bytes per bit/s.
    if (layer === 1) frameBytes = (Math.floor((12 * bitrate * 1000) / sampleRate) + padding) * 4;
    else frameBytes = Math.floor(((samples / 8) * bitrate * 1000) / sampleRate) + padding;
  }
  return {
    lsf,
    mpeg25,
    layer,
    crc: (b1 & 1) === 0,
    bitrate,
    sampleRate,
    rateIndex,
    padding,
    mode,
    modeExtension: (b3 >> 4) & 3,
    channels: mode === MODE_MONO ? 1 : 2,
    frameBytes,
    samples,
  };
}

/** Bytes of Layer III side information after the header (and its CRC): 11172-3 §2.4.1.7, 13818-3 §2.4.1.7. */
export function sideInfoBytes(h: MpegHeader): number {
  if (h.lsf) return h.channels === 1 ? 9 : 17;
  return h.channels === 1 ? 17 : 32;
}

/** Whether two headers belong to the same stream: the fields an encoder never changes between frames. */
export function sameStream(a: MpegHeader, b: MpegHeader): boolean {
  return a.layer === b.layer && a.rateIndex === b.rateIndex && a.channels === b.channels;
}
