// A minimal reader of zip archives as torch.save writes them (`flow.pt`, `hift.pt`): the central directory (ZIP64
// when the archive or an entry passes 4 GiB) gives each entry's name, method, sizes and local header; an entry's data
// starts after its local header's name and extra field. torch stores entries uncompressed, so a tensor's storage is a
// byte range of the archive; deflated entries are accepted for small files (the pickle) only.

import { stat } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { FileReader, modelError } from './tensors';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's data (after its local header) in the archive. */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end-of-central-directory record (22 bytes) may be followed by a comment of up to 65,535 bytes. */
const EOCD_SEARCH = 22 + 65535;
/** The largest entry read into memory whole (the pickle of a state dict is kilobytes). */
const MAX_INFLATE = 256 * 1024 * 1024;

function u64(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('a 64-bit zip field is too large');
  return Number(v);
}

export async function readZipDirectory(file: string, reader: FileReader): Promise<Map<string, ZipEntry>> {
  const size = (await stat(file)).size;
  const bad = (why: string) => modelError(`${file} is not a readable zip archive (a torch checkpoint): ${why}.`);
  const tailLen = Math.min(size, EOCD_SEARCH);
  const tail = await reader.read(file, size - tailLen, tailLen);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record (truncated?)');
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR) throw bad('ZIP64 fields without a ZIP64 locator');
    const recAt = u64(tv, loc + 8);
    const rec = await reader.read(file, recAt, 56);
    const rv = new DataView(rec.buffer, rec.byteOffset, 56);
    if (rv.getUint32(0, true) !== ZIP64_EOCD) throw bad('the ZIP64 end record is missing');
    count = u64(rv, 32);
    cdSize = u64(rv, 40);
    cdOffset = u64(rv, 48);
  }
  if (cdOffset + cdSize > size) throw bad(`the central directory (${cdOffset}+${cdSize}) lies beyond the file's ${size} bytes (truncated?)`);
  const cd = await reader.read(file, cdOffset, cdSize);
  const dv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  const utf8 = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== CENTRAL) throw bad(`central directory entry ${i} is damaged`);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let uncompressed = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field (id 1): the 64-bit values, in this order, of those whose 32-bit field is 0xFFFFFFFF.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        if (uncompressed === 0xffffffff) {
          uncompressed = u64(dv, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(dv, q);
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(dv, q);
      }
      e += 4 + len;
    }
    p = extraEnd + commentLen;
    const local = await reader.read(file, localOffset, 30);
    const lv = new DataView(local.buffer, local.byteOffset, 30);
    if (lv.getUint32(0, true) !== LOCAL) throw bad(`the local header of ${name} is damaged`);
    const dataOffset = localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (dataOffset + compressedSize > size) {
      throw modelError(`${file} is truncated: ${name} ends at byte ${dataOffset + compressedSize}, the file has ${size} (download it again).`);
    }
    entries.set(name, { name, method, compressedSize, size: uncompressed, dataOffset });
  }
  return entries;
}

/** A (small) entry's contents, inflated when deflated. */
export async function readZipEntry(file: string, reader: FileReader, entry: ZipEntry): Promise<Uint8Array> {
  if (entry.method === 0) return reader.read(file, entry.dataOffset, entry.size);
  if (entry.method === 8 && entry.size <= MAX_INFLATE) {
    const raw = await reader.read(file, entry.dataOffset, entry.compressedSize);
    try {
      return new Uint8Array(inflateRawSync(raw));
    } catch (e) {
      throw modelError(`${file}: ${entry.name} cannot be inflated (${(e as Error).message}).`);
    }
  }
  throw modelError(`${file}: ${entry.name} uses zip method ${entry.method}, which this reader does not handle.`);
}
