// The pack builder: fills graph templates (./template.ts) with the weights of a folder of published files, without
// Python. It checks every tensor the templates read (name, shape, count; all problems in one error) and what the
// published config files must say, then writes each graph's .onnx (copied from the template) and its external data
// file byte for byte, tensor by tensor in the order of the weight map — converting bf16 to the variant's dtype, with
// transposes done in bands, and quantizing the weight-only int8/int4 LM's matrices in bands of rows (../quantize.ts;
// their quality gate: ./lm-gate.ts) — copies the files a pack carries verbatim (hash-checked when the template knows them),
// writes manifest.json from the template's fragment and checks the result opens (manifest schema, file sizes, text
// tokenizer). Everything is written into a temporary sibling folder that is renamed into place only when complete,
// so an interrupted build leaves no half pack. Memory stays bounded by the largest single tensor that needs
// reshuffling (459 MB for the published LM's lm_head in bf16), never the checkpoint.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RetakeError } from '../../../../contract/errors';
import { loadOnnxRuntime } from '../../../../onnx';
import { loadPack, parseManifest } from '../load';
import { variantQualityProblem } from '../quality';
import { measureQuantized } from './lm-gate';
import type { FileEntry, PackManifest } from '../manifest';
import { normalizerRecord, openPackTokenizer } from '../text-tokenizer';
import { parseSpModel } from '../../text/sp-model';
import { configValue, directiveTensors, resolveDirectives } from './directives';
import { parseHyperYaml } from './hyperyaml';
import { DTYPE_BYTES, convertBytes, elementCount, fromFloat32, isFloat, toFloat32, type Dtype, type Overflow } from './dtypes';
import { normalNoise } from './noise';
import { readNpy } from './npy';
import { applyOps, transposeBand, transposeConvertBand } from './ops';
import { readSafetensorsFolder } from './safetensors';
import { graphsFor, loadTemplate, type InitializerPlan, type LoadedTemplate, type TemplateSet, type TemplateSource, type WeightOp } from './template';
import { quantizeRows, type QuantScheme } from '../quantize';
import { FileReader, modelError, type TensorRef, type TensorSet } from './tensors';
import { readTorchCheckpoint } from './torch-checkpoint';

type MatMulNBitsOp = Extract<WeightOp, { op: 'matmulnbits' }>;

export interface BuildProgress {
  stage: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface BuildOptions {
  /** The folder of published files (e.g. a download of stepfun-ai/Step-Audio-EditX). */
  from: string;
  /** Template folders (models/templates/<id>). */
  templates: readonly string[];
  /** Variants to build (e.g. ['fp16']); default: every variant the templates have. */
  variants?: readonly string[];
  /** The pack folder to create; it must not exist (or be empty). */
  out: string;
  name?: string;
  description?: string;
  /** Release date of the weights (YYYY-MM-DD): picks the prompt profile (manifest.ts). */
  modelRevision?: string | null;
  /** The catalogue entry the files belong to, recorded in the manifest's origin. */
  model?: string;
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
  /** Bytes per read of a streamed tensor (default 8 MiB). */
  chunkBytes?: number;
  /** Free memory the quality gate of quantized LM variants assumes (tests); default: measured (./lm-gate.ts). */
  gateFreeBytes?: number;
}

export interface BuildResult {
  dir: string;
  manifest: PackManifest;
  /** Bytes written into the pack. */
  bytes: number;
  /** Weights written (initializers over all graphs), and their values. */
  weights: number;
  values: number;
  seconds: number;
}

interface OpenSources {
  root: string;
  tensors: Map<string, TensorSet>;
  json: Map<string, unknown>;
  files: Map<string, string | null>;
}

// Pieces of 8 MiB keep reads efficient while bounding the buffers of a streamed tensor to a few tens of MB.
const DEFAULT_CHUNK = 8 << 20;
const ZEROS = new Uint8Array(64 << 10);
const MAX_LISTED = 20;

function cancelled(): RetakeError {
  return new RetakeError('E_CANCELLED', 'Building the model pack was cancelled.');
}

function listed(names: string[]): string {
  return names.length > MAX_LISTED ? `${names.slice(0, MAX_LISTED).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a template's sources are. A template made for another published repository (vq02: Step-Audio-Tokenizer) names
 * that repository's folder; `from` may be that folder, or a folder holding it (a download of both repositories side
 * by side, or the EditX folder with the tokenizer's inside), or a folder beside it. Otherwise `from` itself.
 */
async function templateRoot(from: string, t: LoadedTemplate): Promise<string> {
  const folder = t.set.folder;
  if (!folder || basename(from) === folder) return from;
  for (const dir of [join(from, folder), join(dirname(from), folder)]) if (await exists(dir)) return dir;
  return from;
}

async function openSources(t: LoadedTemplate, root: string, reader: FileReader): Promise<OpenSources> {
  const out: OpenSources = { root, tensors: new Map(), json: new Map(), files: new Map() };
  const missingFile = (src: TemplateSource & { file: string }) =>
    modelError(
      `${root} is missing ${src.file}, which the template ${t.set.id} reads` +
        (t.set.folder && basename(root) !== t.set.folder ? ` (from the ${t.set.folder} folder, looked for inside and beside ${root}).` : '.'),
    );
  for (const [id, src] of Object.entries(t.set.sources)) {
    switch (src.kind) {
      case 'safetensors':
        out.tensors.set(id, await readSafetensorsFolder(root, reader, { ...(src.index ? { index: src.index } : {}), ...(src.pattern ? { pattern: src.pattern } : {}) }));
        break;
      case 'torch':
        if (!(await exists(join(root, src.file)))) throw missingFile(src);
        {
          const set = await readTorchCheckpoint(join(root, src.file), reader);
          // A checkpoint of a larger model (the Paraformer's model.pt: encoder, decoder, predictor): only the tensors
          // under the prefix are the template's, checked and counted.
          if (src.prefix) set.tensors = new Map([...set.tensors].filter(([n]) => n.startsWith(src.prefix!)));
          out.tensors.set(id, set);
        }
        break;
      case 'npy': {
        if (!(await exists(join(root, src.file)))) throw missingFile(src);
        const ref = await readNpy(join(root, src.file), reader, src.name);
        out.tensors.set(id, { tensors: new Map([[ref.name, ref]]), files: [ref.file] });
        break;
      }
      case 'json':
      case 'hyperyaml': {
        const p = join(root, src.file);
        if (!(await exists(p))) {
          if (!src.optional) throw missingFile(src);
          out.json.set(id, null);
          break;
        }
        const text = await readFile(p, 'utf8');
        try {
          out.json.set(id, src.kind === 'json' ? JSON.parse(text) : parseHyperYaml(text, p));
        } catch (e) {
          throw modelError(`${p} is not valid ${src.kind === 'json' ? 'JSON' : 'HyperPyYAML'} (${(e as Error).message}).`);
        }
        break;
      }
      case 'file': {
        const p = join(root, src.file);
        if (!(await exists(p))) {
          if (!src.optional) throw missingFile(src);
          out.files.set(id, null);
        } else out.files.set(id, p);
        break;
      }
    }
  }
  return out;
}

/** What the published config files must say for the template's graph (its sizes and, for the flow, its CFG rate are
 *  baked into the graph): each problem names the file and the key. */
function checkExpectations(t: LoadedTemplate, s: OpenSources): string[] {
  const problems: string[] = [];
  for (const [id, src] of Object.entries(t.set.sources)) {
    if (src.kind !== 'json' && src.kind !== 'hyperyaml') continue;
    const doc = s.json.get(id);
    if (!doc) continue;
    for (const e of src.expect) {
      const key = e.keys.find((k) => configValue(doc, k) !== undefined);
      const want = JSON.stringify(e.value);
      if (key === undefined) {
        if (e.default === undefined) problems.push(`${src.file} has no ${e.keys.join(' or ')}`);
        else if (JSON.stringify(e.default) !== want) {
          problems.push(`${src.file} has no ${e.keys.join(' or ')}, which means ${JSON.stringify(e.default)}; the template is for ${want}`);
        }
      } else if (JSON.stringify(configValue(doc, key)) !== want) {
        problems.push(`${src.file} says ${key} ${JSON.stringify(configValue(doc, key))}, the template is for ${want}`);
      }
    }
  }
  return problems;
}

/** Every tensor source against everything the template's graphs (all variants) read from it. */
function checkTensors(t: LoadedTemplate, s: OpenSources): string[] {
  const problems: string[] = [];
  for (const [id, src] of Object.entries(t.set.sources)) {
    const set = s.tensors.get(id);
    if (!set) continue;
    const want = new Map<string, number[]>();
    for (const m of t.maps.values()) {
      for (const w of m.initializers) {
        if (w.from.source !== id) continue;
        w.from.tensors.forEach((n, i) => want.set(n, w.from.shapes[i]!));
      }
    }
    // Tensors the manifest takes values from (e.g. HiFT's merge of its sines) are read too.
    for (const d of directiveTensors(t.set.manifest.components)) {
      if (d.source === id && !want.has(d.name)) want.set(d.name, d.shape ?? set.tensors.get(d.name)?.shape ?? []);
    }
    const have = set.tensors;
    const missing = [...want.keys()].filter((n) => !have.has(n));
    const unexpected = [...have.keys()].filter((n) => !want.has(n));
    const misshaped = [...want.entries()]
      .filter(([n, shape]) => have.has(n) && JSON.stringify(have.get(n)!.shape) !== JSON.stringify(shape))
      .map(([n, shape]) => `${n} [${have.get(n)!.shape.join(', ')}] (expected [${shape.join(', ')}])`);
    const notFloat = [...want.keys()].filter((n) => have.has(n) && !isFloat(have.get(n)!.dtype)).map((n) => `${n} (${have.get(n)!.dtype})`);
    const count = 'tensors' in src && typeof src.tensors === 'number' ? src.tensors : want.size;
    if (missing.length || unexpected.length || misshaped.length || notFloat.length || have.size !== count) {
      const lines = [`${set.files.length === 1 ? set.files[0] : `the ${src.kind} files in ${s.root}`}: ${have.size} tensors, the template ${t.set.id} expects ${count}`];
      if (missing.length) lines.push(`missing (${missing.length}): ${listed(missing)}`);
      if (unexpected.length) lines.push(`unexpected (${unexpected.length}): ${listed(unexpected)}`);
      if (misshaped.length) lines.push(`wrong shape (${misshaped.length}): ${listed(misshaped)}`);
      if (notFloat.length) lines.push(`not floating point (${notFloat.length}): ${listed(notFloat)}`);
      problems.push(lines.join('\n  '));
    }
  }
  return problems;
}

/** Appends bytes to one output file, hashing them, and reports progress. */
class Sink {
  readonly hash = createHash('sha256');
  written = 0;
  constructor(
    private readonly fh: FileHandle,
    private readonly advance: (n: number) => void,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.written + done);
      done += bytesWritten;
    }
    this.hash.update(bytes);
    this.written += bytes.length;
    this.advance(bytes.length);
  }

  async zeros(n: number): Promise<void> {
    while (n > 0) {
      const k = Math.min(n, ZEROS.length);
      await this.write(ZEROS.subarray(0, k));
      n -= k;
    }
  }
}

class Build {
  private readonly reader = new FileReader();
  private done = 0;
  private total = 0;
  private stage = '';
  private readonly chunk: number;
  private readonly files = new Map<string, FileEntry>();
  private weights = 0;
  private values = 0;
  /** The scales and zero points of the matrix last quantized (see writeQuantized). */
  private quantSide: { key: string; scales: Float32Array; zeroPoints: Uint8Array | null } | null = null;

  constructor(
    private readonly opts: BuildOptions,
    private readonly tmp: string,
  ) {
    this.chunk = Math.max(1 << 16, opts.chunkBytes ?? DEFAULT_CHUNK);
  }

  private check(): void {
    if (this.opts.signal?.aborted) throw cancelled();
  }

  private progress(stage?: string): void {
    if (stage !== undefined) this.stage = stage;
    this.opts.onProgress?.({ stage: this.stage, bytesDone: this.done, bytesTotal: this.total });
  }

  private sink(fh: FileHandle): Sink {
    return new Sink(fh, (n) => {
      this.done += n;
      this.progress();
    });
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  async run(): Promise<BuildResult> {
    const t0 = performance.now();
    const { opts } = this;
    const templates: LoadedTemplate[] = [];
    for (const dir of opts.templates) templates.push(await loadTemplate(dir));
    const allVariants = [...new Set(templates.flatMap((t) => Object.keys(t.set.variants)))];
    const variants = opts.variants && opts.variants.length > 0 ? [...new Set(opts.variants)] : allVariants;
    const unknown = variants.filter((v) => !allVariants.includes(v));
    if (unknown.length) {
      throw new RetakeError('E_VALIDATION', `No template offers the variant ${unknown.join(', ')} (they offer ${allVariants.join(', ') || 'none'}).`);
    }
    this.progress('checking the published files');
    const sources: OpenSources[] = [];
    const problems: string[] = [];
    for (const t of templates) {
      const s = await openSources(t, await templateRoot(resolve(opts.from), t), this.reader);
      problems.push(...checkExpectations(t, s), ...checkTensors(t, s));
      sources.push(s);
    }
    if (problems.length > 0) {
      throw modelError(`The files in ${resolve(opts.from)} do not match what the pack needs:\n  ${problems.join('\n  ')}`, { problems });
    }
    // Plan: graph data, graph files, copies and generated files, for the progress total.
    for (const t of templates) {
      for (const g of graphsFor(t, variants)) {
        this.total += t.maps.get(g)!.dataBytes + (await stat(join(t.dir, g))).size;
      }
      for (const c of t.set.copies) {
        const p = sources[templates.indexOf(t)]!.files.get(c.from);
        if (p) this.total += (await stat(p)).size;
      }
      for (const g of t.set.generated) this.total += 4 * g.shape.reduce((a, b) => a * b, 1);
    }
    for (const [i, t] of templates.entries()) {
      const s = sources[i]!;
      for (const g of graphsFor(t, variants)) {
        this.check();
        await this.copyFile(join(t.dir, g), g, null);
        await this.writeData(t, s, g);
      }
      for (const c of t.set.copies) {
        const p = s.files.get(c.from);
        if (!p) continue;
        const src = t.set.sources[c.from];
        await this.copyFile(p, c.to, src?.kind === 'file' && src.sha256 ? { sha256: src.sha256, bytes: src.bytes ?? null } : null);
      }
      for (const g of t.set.generated) await this.writeGenerated(g);
    }
    this.progress('writing the manifest');
    let manifest = await this.writeManifest(templates, sources, variants);
    manifest = await this.gateQuantized(manifest);
    this.progress('checking the pack');
    await this.verify();
    return { dir: opts.out, manifest, bytes: this.done, weights: this.weights, values: this.values, seconds: (performance.now() - t0) / 1000 };
  }

  /** Copies a file into the pack, hashing it; `expect` is a known hash (and size) the copy must have. */
  private async copyFile(src: string, packPath: string, expect: { sha256: string; bytes: number | null } | null): Promise<void> {
    this.progress(`copying ${packPath}`);
    const dest = join(this.tmp, packPath);
    await mkdir(dirname(dest), { recursive: true });
    const fh = await open(dest, 'w');
    const sink = this.sink(fh);
    try {
      for await (const piece of createReadStream(src, { highWaterMark: this.chunk }) as AsyncIterable<Buffer>) {
        this.check();
        await sink.write(piece);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = sink.hash.digest('hex');
    if (expect && (sha256 !== expect.sha256 || (expect.bytes !== null && sink.written !== expect.bytes))) {
      throw modelError(
        `${src} is not the published file: sha256 ${sha256} (${sink.written} bytes), expected ${expect.sha256}${expect.bytes !== null ? ` (${expect.bytes} bytes)` : ''}. It is damaged or another version; download it again.`,
      );
    }
    this.files.set(packPath, { path: packPath, sha256, bytes: sink.written });
  }

  /** A file the template asks for rather than reads (./noise.ts), hashed like the others. */
  private async writeGenerated(g: TemplateSet['generated'][number]): Promise<void> {
    this.progress(`generating ${g.to}`);
    const values = normalNoise(g.shape.reduce((a, b) => a * b, 1), g.seed, g.generator);
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    const fh = await open(join(this.tmp, g.to), 'w');
    const sink = this.sink(fh);
    try {
      for (let off = 0; off < bytes.length; off += this.chunk) {
        this.check();
        await sink.write(bytes.subarray(off, Math.min(bytes.length, off + this.chunk)));
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.files.set(g.to, { path: g.to, sha256: sink.hash.digest('hex'), bytes: sink.written });
  }

  private async writeData(t: LoadedTemplate, s: OpenSources, graph: string): Promise<void> {
    const map = t.maps.get(graph)!;
    this.progress(`writing ${map.data}`);
    const fh = await open(join(this.tmp, map.data), 'w');
    const sink = this.sink(fh);
    try {
      for (const w of map.initializers) {
        this.check();
        if (w.offset > sink.written) await sink.zeros(w.offset - sink.written);
        const srcs = w.from.tensors.map((n) => s.tensors.get(w.from.source)!.tensors.get(n)!);
        const before = sink.written;
        await this.writeInitializer(w, srcs, sink);
        if (sink.written - before !== w.bytes) {
          throw new RetakeError('E_INTERNAL', `${map.data}: ${w.name} came out as ${sink.written - before} bytes, the template says ${w.bytes}.`);
        }
        this.weights++;
        this.values += w.shape.reduce((a, b) => a * b, 1);
      }
      if (map.dataBytes > sink.written) await sink.zeros(map.dataBytes - sink.written);
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.files.set(map.data, { path: map.data, sha256: sink.hash.digest('hex'), bytes: sink.written });
  }

  private overflowError(w: InitializerPlan, o: Overflow): RetakeError {
    return modelError(
      `${o.count} values of ${w.from.tensors.join(' + ')} (e.g. ${o.example}) exceed the range of ${w.dtype}; build the fp32 variant instead.`,
    );
  }

  /**
   * One MatMulNBits input of a published (out, in) matrix, quantized in bands of rows (each output row is one row of
   * the source, so a band is read, quantized and written without the whole matrix in memory). B comes first in the
   * weight map; its pass keeps the scales and zero points (an eighth of the float32 matrix at most) for the entries
   * that follow it, so every matrix is read and quantized once.
   */
  private async writeQuantized(w: InitializerPlan, src: TensorRef, op: MatMulNBitsOp, sink: Sink): Promise<void> {
    const [n, k] = src.shape as [number, number];
    const scheme: QuantScheme = { bits: op.bits, blockSize: op.blockSize, symmetric: op.symmetric };
    const key = `${src.file}\0${src.offset}\0${op.bits}\0${op.blockSize}\0${op.symmetric}`;
    let side = this.quantSide?.key === key ? this.quantSide : null;
    if (op.output === 'b' || !side) {
      const blocks = Math.ceil(k / op.blockSize);
      const zpRow = Math.ceil((blocks * op.bits) / 8);
      const made = { key, scales: new Float32Array(n * blocks), zeroPoints: op.symmetric ? null : new Uint8Array(n * zpRow) };
      const elem = DTYPE_BYTES[src.dtype];
      const band = Math.max(1, Math.floor(this.chunk / (k * elem)));
      for (let r0 = 0; r0 < n; r0 += band) {
        this.check();
        const r1 = Math.min(n, r0 + band);
        const raw = await this.reader.read(src.file, src.offset + r0 * k * elem, (r1 - r0) * k * elem);
        const q = quantizeRows(toFloat32(raw, src.dtype), r1 - r0, k, scheme);
        made.scales.set(q.scales, r0 * blocks);
        if (made.zeroPoints && q.zeroPoints) made.zeroPoints.set(q.zeroPoints, r0 * zpRow);
        if (op.output === 'b') await sink.write(q.b);
      }
      side = made;
      this.quantSide = made;
    }
    if (op.output === 'scales') await sink.write(fromFloat32(side.scales, 'float32', { count: 0, example: 0 }));
    else if (op.output === 'zeroPoints') {
      if (!side.zeroPoints) throw new RetakeError('E_INTERNAL', `${w.name}: a symmetric scheme has no zero points (a template bug).`);
      await sink.write(side.zeroPoints);
    }
  }

  private async writeInitializer(w: InitializerPlan, srcs: TensorRef[], sink: Sink): Promise<void> {
    const target = w.dtype as Dtype;
    const overflow: Overflow = { count: 0, example: 0 };
    const only = srcs.length === 1 ? srcs[0]! : null;
    const last = w.ops[w.ops.length - 1];
    if (last?.op === 'matmulnbits') {
      if (!only || w.ops.length !== 1) throw new RetakeError('E_INTERNAL', `${w.name}: matmulnbits reads one matrix and is its only op (a template bug).`);
      await this.writeQuantized(w, only, last, sink);
    } else if (only && w.ops.every((op) => op.op === 'reshape')) {
      // Element-wise: stream the tensor in pieces.
      const elem = DTYPE_BYTES[only.dtype];
      const step = Math.floor(this.chunk / elem) * elem;
      const buf = new Uint8Array(step);
      for (let off = 0; off < only.bytes; off += step) {
        this.check();
        const n = Math.min(step, only.bytes - off);
        const raw = await this.reader.read(only.file, only.offset + off, n, buf);
        await sink.write(convertBytes(raw, only.dtype, target, overflow));
      }
    } else if (only && w.ops.length === 1 && w.ops[0]!.op === 'transpose' && only.shape.length === 2 && w.ops[0]!.perm.join() === '1,0') {
      // A 2-D transpose: the source in memory once, the output written in bands of rows.
      const [rows, cols] = only.shape as [number, number];
      const elem = DTYPE_BYTES[only.dtype];
      const raw = await this.reader.tensor(only);
      const band = Math.max(1, Math.floor(this.chunk / Math.max(1, rows * elem)));
      for (let r0 = 0; r0 < cols; r0 += band) {
        this.check();
        const r1 = Math.min(cols, r0 + band);
        const fused = transposeConvertBand(raw, rows, cols, only.dtype, target, r0, r1, overflow);
        await sink.write(fused ?? convertBytes(transposeBand(raw, rows, cols, elem, r0, r1), only.dtype, target, overflow));
      }
    } else {
      const inputs = [];
      for (const s of srcs) inputs.push({ shape: s.shape, data: toFloat32(await this.reader.tensor(s), s.dtype) });
      const out = applyOps(inputs, w.ops);
      if (elementCount(out.shape) !== elementCount(w.shape)) {
        throw new RetakeError('E_INTERNAL', `${w.name}: the ops give shape [${out.shape.join(', ')}], the template says [${w.shape.join(', ')}].`);
      }
      const bytes = fromFloat32(out.data, target, overflow);
      for (let off = 0; off < bytes.length; off += this.chunk) await sink.write(bytes.subarray(off, off + this.chunk));
    }
    if (overflow.count > 0) throw this.overflowError(w, overflow);
  }

  private async writeManifest(templates: LoadedTemplate[], sources: OpenSources[], variants: string[]): Promise<PackManifest> {
    const components: Record<string, unknown> = {};
    for (const [i, t] of templates.entries()) {
      const s = sources[i]!;
      const resolved = (await resolveDirectives(t.set.manifest.components, {
        files: this.files,
        variants,
        where: t.dir,
        modelRevision: this.opts.modelRevision ?? null,
        normalizerSpec: async (p) => normalizerRecord(parseSpModel(await readFile(join(this.tmp, p)))),
        json: (id) => s.json.get(id) ?? null,
        text: async (id) => {
          const p = s.files.get(id);
          return p ? readFile(p, 'utf8') : null;
        },
        onnxIO: async (packPath, side) => {
          const ort = await loadOnnxRuntime();
          const session = await ort.InferenceSession.create(join(this.tmp, packPath));
          try {
            const meta = side === 'inputs' ? session.inputMetadata : session.outputMetadata;
            return meta.map((m) => {
              if (!m.isTensor) throw modelError(`${packPath}: ${side} ${m.name} is not a tensor.`);
              return { name: m.name, dtype: m.type, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d))) };
            });
          } finally {
            await session.release();
          }
        },
        tensorValues: async (id, name) => {
          const ref = s.tensors.get(id)?.tensors.get(name);
          if (!ref) throw modelError(`The template ${t.set.id} reads tensor ${name}, which ${s.root} lacks.`);
          return [...toFloat32(await this.reader.tensor(ref), ref.dtype)];
        },
      })) as Record<string, unknown>;
      Object.assign(components, resolved);
    }
    const first = templates[0]!.set.manifest;
    const manifest = {
      format: 'retake-editx-pack',
      formatVersion: 1,
      name: this.opts.name ?? first.name,
      ...((this.opts.description ?? first.description) !== undefined ? { description: this.opts.description ?? first.description } : {}),
      origin: {
        tool: 'retake pack build',
        templates: templates.map((t) => t.set.id),
        ...(this.opts.model ? { model: this.opts.model } : {}),
        variants,
        builtAt: new Date().toISOString(),
      },
      components,
    };
    // Until the quality gate has run (gateQuantized), a quantized variant says it has not.
    const lm = components.lm as { variants?: Record<string, Record<string, unknown>> } | undefined;
    for (const v of Object.values(lm?.variants ?? {})) {
      if (v.quantization && !v.quality) v.qualityNotMeasured = 'the build stopped before the quality gate ran';
    }
    return this.saveManifest(manifest);
  }

  /** The quality gate of the quantized LM variants (./lm-gate.ts): measured and recorded, or the reason it was not;
   *  a variant under the gate fails the build, as the exporter refuses to write one. */
  private async gateQuantized(manifest: PackManifest): Promise<PackManifest> {
    const lm = manifest.components.lm;
    const names = lm ? Object.entries(lm.variants).filter(([, v]) => v.quantization && !v.quality).map(([n]) => n) : [];
    if (!lm || names.length === 0) return manifest;
    this.progress('measuring the quantized LM against fp32');
    const g = await measureQuantized(this.tmp, lm, names, { check: () => this.check(), ...(this.opts.gateFreeBytes !== undefined ? { freeBytes: this.opts.gateFreeBytes } : {}) });
    const raw = JSON.parse(await readFile(join(this.tmp, 'manifest.json'), 'utf8')) as { components: { lm: { variants: Record<string, Record<string, unknown>> } } };
    for (const n of names) {
      const v = raw.components.lm.variants[n]!;
      delete v.qualityNotMeasured;
      if (g.quality[n]) v.quality = g.quality[n];
      else v.qualityNotMeasured = g.notMeasured ?? 'not measured';
    }
    const out = await this.saveManifest(raw);
    for (const n of names) {
      const problem = variantQualityProblem(n, out.components.lm!.variants[n]!);
      if (problem) throw modelError(`${problem}: the quantized weights lose too much; build another variant (e.g. int8 or fp16).`);
    }
    return out;
  }

  private async saveManifest(manifest: unknown): Promise<PackManifest> {
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    const path = join(this.tmp, 'manifest.json');
    try {
      const parsed = parseManifest(text, path);
      await writeFile(path, text);
      return parsed;
    } catch (e) {
      if (e instanceof RetakeError && e.code === 'E_ENGINE_UNAVAILABLE') {
        // The published files are what the template asked for, so a bad manifest is the template's fault.
        throw new RetakeError('E_INTERNAL', `The pack builder made an invalid manifest (a template bug): ${e.message}`);
      }
      throw e;
    }
  }

  private async verify(): Promise<void> {
    const pack = await loadPack(this.tmp, { verify: 'size' });
    if (pack.manifest.components.textTokenizer) {
      try {
        await openPackTokenizer(pack);
      } catch (e) {
        if (e instanceof RetakeError) throw modelError(`The published tokenizer does not fit the pack: ${e.message}`);
        throw e;
      }
    }
  }
}

/** Where a build writes before it is complete: a hidden sibling of the destination. */
export function partialDir(out: string): string {
  return join(dirname(resolve(out)), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
}

/** Builds a pack from published files; see the module comment. */
export async function buildPack(opts: BuildOptions): Promise<BuildResult> {
  const out = resolve(opts.out);
  if (await exists(out)) {
    const entries = await readdir(out).catch(() => null);
    if (entries === null || entries.length > 0) {
      throw new RetakeError('E_VALIDATION', `${out} already exists and is not empty; choose another --out or remove it.`);
    }
  }
  const tmp = partialDir(out);
  await mkdir(tmp, { recursive: true });
  const build = new Build({ ...opts, out }, tmp);
  try {
    const result = await build.run();
    await build.close();
    if (await exists(out)) await rmdir(out);
    await rename(tmp, out);
    return result;
  } catch (e) {
    await build.close();
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
