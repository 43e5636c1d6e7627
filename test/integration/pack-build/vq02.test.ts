// The vq02 template against the Python exporter: the Paraformer chunk-step graph built in TypeScript from the tiny
// tokenizer written in the published Step-Audio-Tokenizer layout (its model.pt holding more than the encoder) must
// give exactly the outputs of the graph `tokenizer --from` made from the same folder, bit for bit; am.mvn, the
// codebook and the S3 tokenizer (vq06) are copied as published, and the manifest entries are the exporter's. The
// template names the tokenizer's own folder, found beside the EditX folder given as --from. The settings come from the
// Paraformer's config.yaml: its LFR step and dither reach the manifest, and sizes baked into the graph must agree.

import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { load as yamlLoad } from 'js-yaml';
import { RetakeError } from '../../../src-main/contract/errors';
import { buildPack } from '../../../src-main/engines/editx/pack/build';
import type { PackManifest } from '../../../src-main/engines/editx/pack/manifest';
import { tempDir } from '../../helpers/tmp';
import { PUBLISHED, PUBLISHED_TOKENIZER, PYTHON_VQ02, VQ02_TEMPLATE, requirePackBuildFixtures, lcgValues, readManifest, runGraph } from './fixtures';

const root = tempDir('retake-pack-build-vq02-');
let built: string;

const manifest = readManifest;



beforeAll(async () => {
  requirePackBuildFixtures();
  built = join(root, 'pack');
  // --from is the EditX folder; the tokenizer's folder is found beside it.
  await buildPack({ from: PUBLISHED, templates: [VQ02_TEMPLATE], out: built });
}, 120_000);

describe('a vq02 built from the published Step-Audio-Tokenizer equals the Python export', () => {
  it('the chunk-step graph gives identical outputs on the same inputs and state, bit for bit', async () => {
    const v = manifest(built).components.vq02!;
    const { inputSize, numBlocks, attentionHeads, outputSize } = v.config;
    const past = 16;
    const feeds = {
      feats: new ort.Tensor('float32', lcgValues(4 * inputSize, 1), [1, 4, inputSize]),
      offset: new ort.Tensor('int64', BigInt64Array.of(8n), [1]),
      overlap: new ort.Tensor('float32', lcgValues(5 * inputSize, 2), [1, 5, inputSize]),
      cache: new ort.Tensor('float32', lcgValues(numBlocks * 2 * attentionHeads * past * (outputSize / attentionHeads), 3), [numBlocks, 2, attentionHeads, past, outputSize / attentionHeads]),
    };
    const [ours, python] = [await runGraph(join(built, 'vq02.onnx'), feeds), await runGraph(join(PYTHON_VQ02, 'vq02.onnx'), feeds)];
    expect(Object.keys(ours).sort()).toEqual(['enc', 'next_cache', 'next_offset', 'next_overlap']);
    const enc = new Float32Array(ours.enc!.buffer, ours.enc!.byteOffset, ours.enc!.length / 4);
    expect(new Set(enc).size).toBeGreaterThan(20);
    for (const k of Object.keys(python)) expect(ours[k]!.equals(python[k]!), `${k} differs`).toBe(true);
  });

  it('copies am.mvn, the codebook and vq06 as published and writes the exporter\'s entries', () => {
    const ours = manifest(built).components;
    const python = manifest(PYTHON_VQ02).components;
    const strip = (v: NonNullable<PackManifest['components']['vq02']>) => ({ ...v, encoder: { ...v.encoder, files: undefined } });
    expect(strip(ours.vq02!)).toEqual(strip(python.vq02!));
    expect(ours.vq02!.encoder.files.map((f) => f.path)).toEqual(['vq02.onnx', 'vq02.onnx.data']);
    expect(ours.vq02!.checkpointTensors).toBe(python.vq02!.checkpointTensors);
    // The stand-in is the tiny layout's speech_tokenizer_v1.onnx: the exporter cannot tell, the tiny template says so.
    expect({ ...ours.vq06!, standIn: undefined }).toEqual({ ...python.vq06!, standIn: undefined });
    expect(ours.vq06!.standIn).toBe(true);
    expect(readFileSync(join(built, 'vq06.onnx')).equals(readFileSync(join(PUBLISHED_TOKENIZER, 'speech_tokenizer_v1.onnx')))).toBe(true);
  });

  /** A copy of the tiny tokenizer folder whose config.yaml is edited, built with --from that copy. */
  async function buildEdited(name: string, edit: (conf: Record<string, any>) => void): Promise<string | RetakeError> {
    const tok = join(root, name, 'Step-Audio-Tokenizer');
    cpSync(PUBLISHED_TOKENIZER, tok, { recursive: true });
    const conf = readdirSync(tok, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('config.yaml'))!;
    const doc = JSON.parse(JSON.stringify(yamlLoad(readFileSync(join(tok, conf), 'utf8')))) as Record<string, any>;
    edit(doc);
    // JSON is YAML: the edited configuration written back without a YAML writer.
    writeFileSync(join(tok, conf), JSON.stringify(doc, null, 1));
    const out = join(root, name, 'pack');
    return buildPack({ from: tok, templates: [VQ02_TEMPLATE], out }).then(
      () => out,
      (e: unknown) => e as RetakeError,
    );
  }

  it('takes the LFR step and the dither from config.yaml, and refuses sizes the graph was not built for, naming the key', async () => {
    const out = await buildEdited('lfr', (c) => {
      c.frontend_conf.lfr_n = 5;
      c.frontend_conf.dither = 0.5;
    });
    expect(typeof out).toBe('string');
    expect(manifest(out as string).components.vq02!.frontend).toEqual({ ...manifest(PYTHON_VQ02).components.vq02!.frontend, lfrN: 5, referenceDither: 0.5 });
    const heads = await buildEdited('heads', (c) => {
      c.encoder_conf.attention_heads += 1;
    });
    expect(heads).toBeInstanceOf(RetakeError);
    expect((heads as RetakeError).message).toMatch(/config\.yaml says encoder_conf\.attention_heads \d+, the template is for \d+/);
    const lfr = await buildEdited('lfr-m', (c) => {
      c.frontend_conf.lfr_m = 5;
    });
    expect((lfr as RetakeError).message).toMatch(/config\.yaml says frontend_conf\.lfr_m 5, the template is for 7/);
  }, 60_000);
});
