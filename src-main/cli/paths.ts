// File arguments of the CLI. Node decodes the command line as UTF-8, so a Linux file name that is not valid UTF-8
// arrives with replacement characters and names no file; its bytes are recovered from the raw command line
// (/proc/self/cmdline) and used as a Buffer path. Also: the output's folder and `.part` name for Buffer paths, and
// whether two paths are one file (an output that would overwrite the input).

import { readFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { FilePath } from '../audio/file-read';

const REPLACEMENT = '\uFFFD';

/**
 * The raw bytes of the arguments after the script (`args` as process.argv.slice(2) gives them), or null where they
 * cannot be had (not Linux, or the raw command line does not line up with `args`).
 */
export function rawArgs(args: readonly string[], cmdline: () => Buffer = () => readFileSync('/proc/self/cmdline')): Buffer[] | null {
  if (!args.some((a) => a.includes(REPLACEMENT))) return null;
  let all: Buffer;
  try {
    all = cmdline();
  } catch {
    return null;
  }
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === 0) {
      parts.push(all.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < all.length) parts.push(all.subarray(start));
  if (parts.length < args.length) return null;
  const tail = parts.slice(parts.length - args.length);
  return tail.every((b, i) => b.toString('utf8') === args[i]) ? tail : null;
}

/**
 * The absolute path a file argument names: `value` resolved against the working folder, or, when it holds
 * replacement characters and the raw argument is known, the raw bytes (after an `--option=` prefix) as a Buffer.
 */
export function argPath(value: string, raw: readonly Buffer[] | null): FilePath {
  if (!value.includes(REPLACEMENT) || !raw) return path.resolve(value);
  for (const r of raw) {
    const text = r.toString('utf8');
    if (!text.endsWith(value)) continue;
    const prefix = text.slice(0, text.length - value.length);
    // The whole argument, `--output=VALUE`, or a short option with its value attached (`-oVALUE`).
    if (prefix !== '' && !/^(--[\w-]+=|-\w)$/.test(prefix)) continue;
    const bytes = r.subarray(Buffer.byteLength(prefix, 'utf8'));
    if (bytes[0] === 0x2f) return bytes;
    return Buffer.concat([Buffer.from(process.cwd() + path.sep, 'utf8'), bytes]);
  }
  return path.resolve(value);
}

/** The folder holding a file. */
export function dirOf(p: FilePath): FilePath {
  if (typeof p === 'string') return path.dirname(p);
  const slash = p.lastIndexOf(0x2f);
  return slash <= 0 ? Buffer.from('/') : p.subarray(0, slash);
}

/** `p` with `suffix` appended to its name (e.g. '.part'). */
export function withSuffix(p: FilePath, suffix: string): FilePath {
  return typeof p === 'string' ? p + suffix : Buffer.concat([p, Buffer.from(suffix, 'utf8')]);
}

/** True when both paths exist and are the same file (through links, other spellings, hard links). */
export async function sameFile(a: FilePath, b: FilePath): Promise<boolean> {
  const [x, y] = await Promise.all([fsp.stat(a).catch(() => null), fsp.stat(b).catch(() => null)]);
  return !!x && !!y && x.dev === y.dev && x.ino === y.ino;
}
