// What a URL path names, the same in both shells: a `%`-escape that is not valid (`%zz`, `%E9` alone) is a bad request
// (400), never an internal error; an export is served only by a plain name of the exports folder that is not a
// render under way or left by a crash (`*.part`: a partial file is never served), a hidden file or a path.

import path from 'node:path';

/** Suffix of a file being written (renders, sidecars); renamed to its final name only when complete. */
export const PART_SUFFIX = '.part';

/** A URL path segment with its escapes decoded, or null when an escape is malformed. */
export function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * The file name an `/exports/NAME` request asks for, or the status to answer: 400 for a malformed escape, 404 when the
 * name may not be served (a path, a hidden file, a `.part` file).
 */
export function exportName(encoded: string): { name: string } | { status: 400 | 404 } {
  const name = decodeSegment(encoded);
  if (name === null) return { status: 400 };
  if (name === '' || name !== path.basename(name) || name.includes('\0') || name.startsWith('.')) return { status: 404 };
  if (name.toLowerCase().endsWith(PART_SUFFIX)) return { status: 404 };
  return { name };
}
