// The tokenizer components of a pack manifest (strict schemas) and the tokenizer's data files (am.mvn, .npy).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { parseManifest } from '../../../src-main/engines/editx/pack/load';
import { manifestFiles } from '../../../src-main/engines/editx/pack/manifest';
import { parseAmMvn, parseNpy } from '../../../src-main/engines/editx/tokenizer/pack-files';
import { GOLDENS } from '../../helpers/upstream-tokenizer';
import { requireTinyPack } from '../../integration/editx-lm/tiny-pack';

function tinyManifest(): Record<string, any> {
  return JSON.parse(readFileSync(join(requireTinyPack(), 'manifest.json'), 'utf8'));
}

function parse(m: Record<string, any>) {
  return parseManifest(JSON.stringify(m), 'manifest.json');
}

describe('manifest: vq02 and vq06 components', () => {
  it('the tiny pack’s components parse and their files are checked with the pack', () => {
    const m = parse(tinyManifest());
    expect(m.components.vq02?.config.numBlocks).toBe(4);
    expect(m.components.vq02?.streaming.chunkSize).toEqual([0, 4, 5]);
    expect(m.components.vq06?.standIn).toBe(true);
    const paths = manifestFiles(m).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['vq02.onnx', 'am.mvn', 'linguistic_tokenizer.npy', 'vq06.onnx']));
  });

  it('a misspelled setting is an error naming it', () => {
    const m = tinyManifest();
    m.components.vq02.streaming.lookback = 4;
    expect(() => parse(m)).toThrow(/lookback/);
  });

  it('sizes that do not fit together are refused', () => {
    let m = tinyManifest();
    m.components.vq02.codebook.dim = 32;
    expect(() => parse(m)).toThrow(/is 32, the encoder outputs 64\n {2}→ at components.vq02.codebook.dim/);
    m = tinyManifest();
    m.components.vq02.frontend.lfrM = 6;
    expect(() => parse(m)).toThrow(/80 mel bins × LFR 6 is not the encoder's input size 560/);
    m = tinyManifest();
    m.components.vq02.codebook.size = 512;
    expect(() => parse(m)).toThrow(RetakeError);
    m = tinyManifest();
    m.components.vq06.inputs[1].dtype = 'int64';
    expect(() => parse(m)).toThrow(/must be an int32 length vector/);
  });

  it('the same file listed twice with different hashes is refused', () => {
    const m = tinyManifest();
    m.components.vq06.files[0].path = 'vq02.onnx';
    expect(() => parse(m)).toThrow(/lists vq02.onnx twice with different hashes/);
  });
});

describe('tokenizer data files', () => {
  it('am.mvn: both vectors, in order', () => {
    const mvn = parseAmMvn(readFileSync(join(GOLDENS, 'am.mvn'), 'utf8'), 'am.mvn');
    expect(mvn.addShift.length).toBe(560);
    expect(mvn.rescale.length).toBe(560);
    expect(mvn.addShift.every((v) => v < 0)).toBe(true); // the goldens' shifts are negative log-mel means
    expect(mvn.rescale.every((v) => v > 0)).toBe(true);
  });

  it('am.mvn: a broken file names the file and the problem', () => {
    expect(() => parseAmMvn('<Nnet> <AddShift> 2 2 <LearnRateCoef> 0 [ 1 2 ] </Nnet>', 'x/am.mvn')).toThrow(
      /x\/am.mvn is not a Kaldi CMVN file \(am.mvn\): it has no <Rescale>.*\.\s+Download the pack again/,
    );
    expect(() => parseAmMvn('<AddShift> 3 3 <LearnRateCoef> 0 [ 1 2 ] <Rescale> 3 3 <LearnRateCoef> 0 [ 1 2 3 ]', 'm')).toThrow(
      /declares 3 values but lists 2/,
    );
  });

  it('.npy: the codebook reads with its shape; other dtypes are refused', () => {
    const cb = parseNpy(new Uint8Array(readFileSync(join(GOLDENS, 'linguistic_tokenizer.npy'))), 'cb.npy');
    expect(cb.shape).toEqual([1024, 64]);
    const bytes = new Uint8Array(readFileSync(join(GOLDENS, 'linguistic_tokenizer.npy')));
    const f8 = new Uint8Array(bytes);
    f8[new TextDecoder('latin1').decode(bytes.subarray(0, 128)).indexOf('<f4') + 2] = '8'.charCodeAt(0);
    expect(() => parseNpy(f8, 'cb.npy')).toThrow(/cb.npy is not a float32 .npy array: its dtype is <f8/);
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 4), 'cb.npy')).toThrow(/data bytes for 65536 values/);
  });
});
