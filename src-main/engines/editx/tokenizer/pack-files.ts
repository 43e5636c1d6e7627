// The audio tokenizers' data files inside a pack, as published: `am.mvn` (FunASR's CMVN, Kaldi nnet1 text) and
// `linguistic_tokenizer.npy` (the vq02 codebook, a float32 NumPy array). Each parser names the file and what is wrong
// with it; the formats themselves are read by audio/features, shared with the debug tools.

import { readFile } from 'node:fs/promises';
import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import type { FileEntry } from '../pack/manifest';
import { decodeNpy, parseAmMvn as parseKaldiAmMvn, type AmMvn } from '../../../audio/features';

/** FunASR's CMVN statistics: (x + addShift) * rescale, per input dimension. */
export type Cmvn = AmMvn;

const REEXPORT = 'Download the pack again or re-export it with tools/export.';

/** The bytes of a file the pack's manifest lists. */
export async function readPackFile(pack: ModelPack, entry: FileEntry): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(pack.path(entry)));
  } catch (e) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} cannot read ${entry.path} (${(e as Error).message}). ${REEXPORT}`);
  }
}

/** The pack's am.mvn (the shared Kaldi CMVN parser of audio/features); a damaged file makes the pack unusable. */
export function parseAmMvn(text: string, source: string): Cmvn {
  return asPackError(() => parseKaldiAmMvn(text, source));
}

/** A float32 C-order .npy of the pack (the shared reader of audio/features): its values and shape. */
export function parseNpy(bytes: Uint8Array, source: string): { data: Float32Array; shape: number[] } {
  return asPackError(() => decodeNpy(bytes, source));
}

/** A file of the pack that does not parse is a pack to download or export again, not a bad request. */
function asPackError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RetakeError) throw new RetakeError('E_ENGINE_UNAVAILABLE', `${e.message} ${REEXPORT}`);
    throw e;
  }
}
