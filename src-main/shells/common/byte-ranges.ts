// Byte ranges of file responses (RFC 9110 §14), shared by both shells so media of any length starts playing at once:
// a media element asks for `bytes=N-` and seeks by asking again, instead of downloading an hour first.
//   * one range (`a-b`, `a-`, `-n`) → 206 Partial Content with Content-Range; past the end → 416 with `bytes */size`;
//   * several ranges → the whole file (200), which RFC 9110 allows (a server MAY ignore Range): browsers' media
//     elements ask for one range at a time, and multipart/byteranges would only add a second body format to get wrong;
//   * a malformed header, another unit, or an If-Range that no longer matches the file → the whole file (200);
//   * HEAD answers the same status and headers without a body.

export type RangePlan =
  /** The whole file. */
  | { status: 200 }
  /** Bytes start..end, both inclusive. */
  | { status: 206; start: number; end: number }
  /** Nothing of the file satisfies the range. */
  | { status: 416 };

/** What identifies the file's current content, for If-Range. */
export interface Validators {
  /** A strong entity tag, quoted (`"…"`). */
  etag?: string | undefined;
  /** Last-Modified as an HTTP date. */
  lastModified?: string | undefined;
}

const SPEC = /^(\d*)-(\d*)$/;

/**
 * How to answer a GET or HEAD for a file of `size` bytes, given the request's Range and If-Range headers and the
 * file's validators.
 */
export function planRange(size: number, range: string | undefined | null, ifRange?: string | null, validators: Validators = {}): RangePlan {
  if (!range) return { status: 200 };
  if (ifRange && !ifRangeMatches(ifRange.trim(), validators)) return { status: 200 };
  const eq = range.indexOf('=');
  if (eq < 0 || range.slice(0, eq).trim().toLowerCase() !== 'bytes') return { status: 200 };
  const specs = range
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return { status: 200 };
  const m = SPEC.exec(specs[0]!);
  if (!m || (m[1] === '' && m[2] === '')) return { status: 200 };
  if (m[1] === '') {
    // The last n bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { status: 416 };
    return { status: 206, start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  // A last position before the first makes the header invalid, which is ignored.
  if (last < start) return { status: 200 };
  if (start >= size) return { status: 416 };
  return { status: 206, start, end: Math.min(last, size - 1) };
}

/** If-Range holds an entity tag (strong comparison) or an HTTP date (exactly the Last-Modified sent). */
function ifRangeMatches(value: string, v: Validators): boolean {
  if (value.startsWith('"') || value.startsWith('W/')) return v.etag !== undefined && value === v.etag;
  return v.lastModified !== undefined && value === v.lastModified;
}

/** The headers of a planned answer for a file of `size` bytes (to add to the file's own). */
export function rangeHeaders(plan: RangePlan, size: number): Record<string, string> {
  const common = { 'Accept-Ranges': 'bytes' };
  switch (plan.status) {
    case 200:
      return { ...common, 'Content-Length': String(size) };
    case 206:
      return { ...common, 'Content-Range': `bytes ${plan.start}-${plan.end}/${size}`, 'Content-Length': String(plan.end - plan.start + 1) };
    case 416:
      return { ...common, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' };
  }
}

/** The media types of the audio the stores hold (by extension, with its dot). */
export const AUDIO_TYPES: Readonly<Record<string, string>> = {
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
};
