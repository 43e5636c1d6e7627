// Broadcast WAV for exports: the RIFF header with the `bext` chunk (EBU Tech 3285 v2: description, originator, dates,
// time reference, loudness fields, coding history) and an `iXML` chunk ahead of the samples, written before the samples
// are known (sizes come from the frame count) and patched once the file's loudness is measured; PCM blocks encoded
// exactly as encodeWav encodes them (its fmt/fact conventions are taken from an empty encodeWav file, so both writers
// agree); and readers that parse the chunks back (tests, `retake` tools).

import { RetakeError } from '../../contract/errors';
import { encodeWav, type WavEncodeFormat } from '../wav';

export interface BextInfo {
  /** Free text, ASCII, at most 256 bytes (longer text is cut). */
  description: string;
  originator: string;
  originatorReference: string;
  /** yyyy-mm-dd and hh:mm:ss. */
  originationDate: string;
  originationTime: string;
  /** First sample's position in samples since midnight (here: its timeline position). */
  timeReference: number;
  /** BS.1770 figures of the file (EBU Tech 3285 v2), null when unknown. */
  loudnessValue: number | null;
  loudnessRange: number | null;
  maxTruePeakLevel: number | null;
  codingHistory: string;
}

/** Byte offsets of the fixed bext fields (EBU Tech 3285 §2.3). */
const BEXT = {
  description: [0, 256],
  originator: [256, 32],
  originatorReference: [288, 32],
  originationDate: [320, 10],
  originationTime: [330, 8],
  timeReferenceLow: 338,
  timeReferenceHigh: 342,
  version: 346,
  umid: 348,
  loudnessValue: 412,
  loudnessRange: 414,
  maxTruePeakLevel: 416,
  maxMomentaryLoudness: 418,
  maxShortTermLoudness: 420,
  reserved: 422,
  codingHistory: 602,
} as const;
/** Loudness fields are int16 in hundredths; 0x7fff marks "not given" (Tech 3285 v2). */
const LOUDNESS_UNSET = 0x7fff;

function ascii(s: string): string {
  // bext text fields are ASCII: keep printable ASCII, replace the rest.
  return s.replace(/[^\x20-\x7e\r\n]/g, '?');
}

function putText(out: Uint8Array, off: number, len: number, s: string): void {
  const t = ascii(s);
  for (let i = 0; i < Math.min(len, t.length); i++) out[off + i] = t.charCodeAt(i);
}

function hundredths(v: number | null): number {
  return v === null || !Number.isFinite(v) ? LOUDNESS_UNSET : Math.max(-32768, Math.min(32767, Math.round(v * 100)));
}

/** The bext chunk's payload (without the chunk header). */
export function bextPayload(b: BextInfo): Uint8Array {
  const history = ascii(b.codingHistory.endsWith('\r\n') ? b.codingHistory : `${b.codingHistory}\r\n`);
  const out = new Uint8Array(BEXT.codingHistory + history.length);
  const v = new DataView(out.buffer);
  putText(out, BEXT.description[0], BEXT.description[1], b.description);
  putText(out, BEXT.originator[0], BEXT.originator[1], b.originator);
  putText(out, BEXT.originatorReference[0], BEXT.originatorReference[1], b.originatorReference);
  putText(out, BEXT.originationDate[0], BEXT.originationDate[1], b.originationDate);
  putText(out, BEXT.originationTime[0], BEXT.originationTime[1], b.originationTime);
  const t = Math.max(0, Math.floor(b.timeReference));
  v.setUint32(BEXT.timeReferenceLow, t % 2 ** 32, true);
  v.setUint32(BEXT.timeReferenceHigh, Math.floor(t / 2 ** 32), true);
  v.setUint16(BEXT.version, 2, true);
  writeBextLoudness(out, 0, b);
  v.setInt16(BEXT.maxMomentaryLoudness, LOUDNESS_UNSET, true);
  v.setInt16(BEXT.maxShortTermLoudness, LOUDNESS_UNSET, true);
  for (let i = 0; i < history.length; i++) out[BEXT.codingHistory + i] = history.charCodeAt(i);
  return out;
}

/** Writes the loudness fields into a bext payload that starts at `off` of `buf` (used to patch a written header). */
export function writeBextLoudness(buf: Uint8Array, off: number, b: Pick<BextInfo, 'loudnessValue' | 'loudnessRange' | 'maxTruePeakLevel'>): void {
  const v = new DataView(buf.buffer, buf.byteOffset + off);
  v.setInt16(BEXT.loudnessValue, hundredths(b.loudnessValue), true);
  v.setInt16(BEXT.loudnessRange, hundredths(b.loudnessRange), true);
  v.setInt16(BEXT.maxTruePeakLevel, hundredths(b.maxTruePeakLevel), true);
}

function text(bytes: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

export function parseBext(payload: Uint8Array): BextInfo & { version: number } {
  if (payload.length < BEXT.codingHistory) throw new RetakeError('E_CORRUPT_AUDIO', 'The bext chunk is shorter than its fixed fields.');
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const loud = (off: number) => {
    const x = v.getInt16(off, true);
    return x === LOUDNESS_UNSET ? null : x / 100;
  };
  return {
    description: text(payload, ...BEXT.description),
    originator: text(payload, ...BEXT.originator),
    originatorReference: text(payload, ...BEXT.originatorReference),
    originationDate: text(payload, ...BEXT.originationDate),
    originationTime: text(payload, ...BEXT.originationTime),
    timeReference: v.getUint32(BEXT.timeReferenceLow, true) + v.getUint32(BEXT.timeReferenceHigh, true) * 2 ** 32,
    version: v.getUint16(BEXT.version, true),
    loudnessValue: loud(BEXT.loudnessValue),
    loudnessRange: loud(BEXT.loudnessRange),
    maxTruePeakLevel: loud(BEXT.maxTruePeakLevel),
    codingHistory: text(payload, BEXT.codingHistory, payload.length - BEXT.codingHistory),
  };
}

export interface RiffChunk {
  id: string;
  /** Offset of the payload in the file. */
  offset: number;
  size: number;
}

/** The chunks of a RIFF/WAVE file in order (payload offsets and sizes). */
export function readRiffChunks(bytes: Uint8Array): RiffChunk[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new RetakeError('E_UNSUPPORTED_AUDIO', 'Not a RIFF/WAVE file.');
  const out: RiffChunk[] = [];
  let o = 12;
  while (o + 8 <= bytes.length) {
    const size = v.getUint32(o + 4, true);
    out.push({ id: tag(o), offset: o + 8, size });
    o += 8 + size + (size & 1);
  }
  return out;
}

/** The fmt (and, for float, fact) chunks encodeWav writes for this format: taken from an empty file it encodes. */
function formatChunks(format: WavEncodeFormat, channels: number, sampleRate: number, frames: number): Uint8Array[] {
  const empty = encodeWav({ sampleRate, channels: Array.from({ length: channels }, () => new Float32Array(0)) }, format);
  const out: Uint8Array[] = [];
  for (const c of readRiffChunks(empty)) {
    if (c.id === 'data') continue;
    const chunk = empty.slice(c.offset - 8, c.offset + c.size + (c.size & 1));
    // The fact chunk holds the frame count.
    if (c.id === 'fact') new DataView(chunk.buffer).setUint32(8, frames, true);
    out.push(chunk);
  }
  return out;
}

function chunk(id: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length + (payload.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

export const BYTES_PER_SAMPLE: Record<WavEncodeFormat, number> = { pcm16: 2, pcm24: 3, float32: 4 };

export interface WavHeader {
  bytes: Uint8Array;
  /** Where the bext payload starts in the header (to patch its loudness fields). */
  bextOffset: number;
  dataBytes: number;
}

/** A BWF header for `frames` frames: fmt (+ fact), bext, iXML, then the data chunk's header. */
export function wavHeader(o: {
  format: WavEncodeFormat;
  channels: number;
  sampleRate: number;
  frames: number;
  bext: BextInfo;
  ixml: string;
}): WavHeader {
  const dataBytes = o.frames * o.channels * BYTES_PER_SAMPLE[o.format];
  const parts = formatChunks(o.format, o.channels, o.sampleRate, o.frames);
  const bextStart = 12 + parts.reduce((a, p) => a + p.length, 0) + 8;
  parts.push(chunk('bext', bextPayload(o.bext)));
  parts.push(chunk('iXML', new TextEncoder().encode(o.ixml)));
  const dataHeader = new Uint8Array(8);
  dataHeader.set([0x64, 0x61, 0x74, 0x61]);
  new DataView(dataHeader.buffer).setUint32(4, dataBytes, true);
  parts.push(dataHeader);
  const headerLen = 12 + parts.reduce((a, p) => a + p.length, 0);
  const riffSize = headerLen - 8 + dataBytes + (dataBytes & 1);
  if (riffSize > 0xffffffff) {
    throw new RetakeError(
      'E_INPUT_TOO_LONG',
      `This export is too long for one WAV file (${dataBytes} bytes of samples; WAV holds at most 4 GiB). Export FLAC, stems, a shorter range or a lower bit depth.`,
    );
  }
  const bytes = new Uint8Array(headerLen);
  bytes.set([0x52, 0x49, 0x46, 0x46]);
  new DataView(bytes.buffer).setUint32(4, riffSize, true);
  bytes.set([0x57, 0x41, 0x56, 0x45], 8);
  let o2 = 12;
  for (const p of parts) {
    bytes.set(p, o2);
    o2 += p.length;
  }
  return { bytes, bextOffset: bextStart, dataBytes };
}

/** Interleaved sample bytes of a block, converted as encodeWav converts (round to nearest, clamp; float as is). */
export function encodeBlock(block: readonly Float32Array[], format: WavEncodeFormat): Uint8Array {
  const nc = block.length;
  const n = block[0]?.length ?? 0;
  const bps = BYTES_PER_SAMPLE[format];
  const out = new Uint8Array(n * nc * bps);
  const view = new DataView(out.buffer);
  for (let c = 0; c < nc; c++) {
    const ch = block[c]!;
    let p = c * bps;
    const step = nc * bps;
    if (format === 'float32') {
      for (let i = 0; i < n; i++, p += step) view.setFloat32(p, ch[i]!, true);
    } else if (format === 'pcm16') {
      for (let i = 0; i < n; i++, p += step) {
        const q = Math.round(ch[i]! * 32768);
        view.setInt16(p, q > 32767 ? 32767 : q < -32768 ? -32768 : q, true);
      }
    } else {
      for (let i = 0; i < n; i++, p += step) {
        let q = Math.round(ch[i]! * 8388608);
        q = q > 8388607 ? 8388607 : q < -8388608 ? -8388608 : q;
        out[p] = q & 0xff;
        out[p + 1] = (q >> 8) & 0xff;
        out[p + 2] = (q >> 16) & 0xff;
      }
    }
  }
  return out;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An iXML document (iXML 2.10 element names where one exists; the full provenance as JSON in RETAKE_PROVENANCE). */
export function ixmlDocument(o: { project: string; note: string; tracks: string[]; provenance: unknown }): string {
  const tracks = o.tracks
    .map((name, i) => `<TRACK><CHANNEL_INDEX>${i + 1}</CHANNEL_INDEX><INTERLEAVE_INDEX>${i + 1}</INTERLEAVE_INDEX><NAME>${xmlEscape(name)}</NAME></TRACK>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<BWFXML><IXML_VERSION>2.10</IXML_VERSION>' +
    `<PROJECT>${xmlEscape(o.project)}</PROJECT><NOTE>${xmlEscape(o.note)}</NOTE>` +
    `<TRACK_LIST><TRACK_COUNT>${o.tracks.length}</TRACK_COUNT>${tracks}</TRACK_LIST>` +
    `<USER>${xmlEscape('Written by Retake; the provenance of every take is in RETAKE_PROVENANCE (JSON).')}</USER>` +
    `<RETAKE_PROVENANCE>${xmlEscape(JSON.stringify(o.provenance))}</RETAKE_PROVENANCE></BWFXML>\n`
  );
}

/** The text content of the first element `name` of an iXML document, unescaped (null when absent). */
export function ixmlElement(doc: string, name: string): string | null {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(doc);
  if (!m) return null;
  return m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}
