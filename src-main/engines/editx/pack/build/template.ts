// Graph templates as the Python exporter writes them (tools/export/retake_export/common/template.py): a folder with
// template.json (the published files it reads, its variants and graphs, files copied verbatim, the manifest fragment)
// and, per graph, the .onnx without weights plus its weight map (<graph>.weights.json: every initializer's place in
// the data file and the checkpoint tensors it is made from). Both are validated strictly here, offsets included, so a
// damaged template fails before a byte of a pack is written.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RetakeError } from '../../../../contract/errors';
import { DTYPE_BYTES, elementCount, type Dtype } from './dtypes';
import { opsOutputShape } from './ops';

export const TEMPLATE_SET_FORMAT = 'retake-pack-template';
export const GRAPH_TEMPLATE_FORMAT = 'retake-graph-template';
export const TEMPLATE_FORMAT_VERSION = 1;

const RelPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && p.split(/[\\/]/).every((s) => s !== '..' && s !== ''), 'must be a relative path');
const Dim = z.number().int().nonnegative();

/** What the template expects a config file (config.json, cosyvoice.yaml) to say: one of `keys` (dotted paths into a
 *  YAML file's mappings) must hold `value`; `default` is the value the exporter takes when the file has none of them
 *  (absent: the file must say it). */
const Expectation = z.strictObject({ keys: z.array(z.string()).min(1), value: z.unknown(), default: z.unknown().optional() });

export const SourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('safetensors'),
    /** The shard index (model.safetensors.index.json); absent or missing: every file matching `pattern`. */
    index: z.string().optional(),
    pattern: z.string().optional(),
    /** Tensors the published checkpoint has (291 for the LM). */
    tensors: z.number().int().positive(),
  }),
  z.strictObject({
    kind: z.literal('torch'),
    file: RelPath,
    tensors: z.number().int().positive(),
    /** Only the tensors whose names start with this are the template's (the rest of the checkpoint is not read). */
    prefix: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('npy'), file: RelPath, name: z.string().default('array') }),
  z.strictObject({ kind: z.literal('json'), file: RelPath, expect: z.array(Expectation).default([]), optional: z.boolean().default(false) }),
  /** A HyperPyYAML configuration (the published cosyvoice.yaml), read as data by ./hyperyaml.ts. */
  z.strictObject({ kind: z.literal('hyperyaml'), file: RelPath, expect: z.array(Expectation).default([]), optional: z.boolean().default(false) }),
  z.strictObject({
    kind: z.literal('file'),
    file: RelPath,
    optional: z.boolean().default(false),
    /** Known hash and size of a ready file (e.g. campplus.onnx), checked while it is copied. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    bytes: z.number().int().nonnegative().optional(),
  }),
]);
export type TemplateSource = z.infer<typeof SourceSchema>;
export type TensorSourceKind = 'safetensors' | 'torch' | 'npy';

export const TemplateSetSchema = z.strictObject({
  format: z.literal(TEMPLATE_SET_FORMAT),
  formatVersion: z.literal(TEMPLATE_FORMAT_VERSION),
  id: z.string().min(1),
  description: z.string().optional(),
  /** The published repository folder its sources are in, when not the build's `--from` folder itself
   *  (Step-Audio-Tokenizer for vq02). */
  folder: z.string().optional(),
  sources: z.record(z.string(), SourceSchema),
  /** Graphs built only for a variant ("fp16": ["lm.fp16.onnx"]). */
  variants: z.record(z.string(), z.array(RelPath)),
  /** Graphs built for every variant. */
  common: z.array(RelPath),
  graphs: z.record(RelPath, z.strictObject({ weights: RelPath })),
  /** Files copied verbatim from a source into the pack. */
  copies: z.array(z.strictObject({ from: z.string(), to: RelPath })),
  /** The pack manifest (name, description, components) with "$" directives (./directives.ts). */
  manifest: z.looseObject({ name: z.string().min(1), description: z.string().optional(), components: z.record(z.string(), z.unknown()) }),
  /** Files the builder generates (./noise.ts): the flow's fixed noise, float32 little-endian. */
  generated: z
    .array(
      z.strictObject({
        kind: z.literal('normalNoise'),
        to: RelPath,
        shape: z.array(z.number().int().positive()).min(1),
        seed: z.number().int().nonnegative(),
        generator: z.string(),
      }),
    )
    .default([]),
  /** Which exporter sources made it (checked by the exporter's tests). */
  exporter: z.unknown().optional(),
  /** Which exporter sources made its weight-only quantized graphs (the LM's; checked by the exporter's tests). */
  exporterQuantized: z.unknown().optional(),
});
export type TemplateSet = z.infer<typeof TemplateSetSchema>;

const Op = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('transpose'), perm: z.array(z.number().int().nonnegative()) }),
  z.strictObject({ op: z.literal('reshape'), shape: z.array(Dim) }),
  z.strictObject({ op: z.literal('concat'), axis: z.number().int().nonnegative() }),
  z.strictObject({ op: z.literal('slice'), axis: z.number().int().nonnegative(), start: Dim, end: Dim }),
  /** torch.nn.utils.weight_norm folded: w = g · v / ‖v‖, the norm over every dim but `dim`; sources [g, v]. */
  z.strictObject({ op: z.literal('weightNorm'), dim: z.number().int().nonnegative() }),
  /** Weight-only block quantization of an (out, in) matrix into one of onnxruntime MatMulNBits' inputs: B, the
   *  scales or the zero points (../quantize.ts, byte for byte the exporter's lm/quantize.py); always the last op. */
  z.strictObject({
    op: z.literal('matmulnbits'),
    bits: z.union([z.literal(4), z.literal(8)]),
    blockSize: z.number().int().min(16).refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
    symmetric: z.boolean(),
    output: z.enum(['b', 'scales', 'zeroPoints']),
  }),
]);
export type WeightOp = z.infer<typeof Op>;

const TargetDtype = z.enum(['float32', 'float16', 'bfloat16', 'int64', 'int32', 'uint8']);

export const InitializerSchema = z.strictObject({
  name: z.string().min(1),
  dtype: TargetDtype,
  shape: z.array(Dim),
  offset: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  from: z.strictObject({
    source: z.string().min(1),
    tensors: z.array(z.string()).min(1),
    /** Each source tensor's shape as published. */
    shapes: z.array(z.array(Dim)),
  }),
  ops: z.array(Op),
});
export type InitializerPlan = z.infer<typeof InitializerSchema>;

export const WeightMapSchema = z.strictObject({
  format: z.literal(GRAPH_TEMPLATE_FORMAT),
  formatVersion: z.literal(TEMPLATE_FORMAT_VERSION),
  graph: RelPath,
  data: RelPath,
  dataBytes: z.number().int().nonnegative(),
  initializers: z.array(InitializerSchema),
});
export type WeightMap = z.infer<typeof WeightMapSchema>;

export interface LoadedTemplate {
  dir: string;
  set: TemplateSet;
  /** Weight map per graph file. */
  maps: Map<string, WeightMap>;
}

function templateError(dir: string, what: string): RetakeError {
  return new RetakeError(
    'E_INTERNAL',
    `The graph template in ${dir} is damaged: ${what}. Reinstall Retake (templates ship with it) or regenerate it with tools/export.`,
  );
}

async function readJson(dir: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8'));
  } catch (e) {
    throw templateError(dir, `${file} cannot be read (${(e as Error).message})`);
  }
}

/** Checks a weight map's arithmetic: sizes match shapes, ranges stay inside the data file and never overlap. */
export function weightMapProblems(m: WeightMap): string[] {
  const problems: string[] = [];
  let end = 0;
  const seen = new Set<string>();
  for (const w of m.initializers) {
    const want = elementCount(w.shape) * DTYPE_BYTES[w.dtype as Dtype];
    if (w.bytes !== want) problems.push(`${w.name} has ${w.bytes} bytes for shape [${w.shape.join(', ')}] of ${w.dtype} (${want})`);
    if (w.offset < end) problems.push(`${w.name} starts at ${w.offset}, inside the previous weight (ends at ${end})`);
    end = w.offset + w.bytes;
    if (seen.has(w.name)) problems.push(`${w.name} is listed twice`);
    seen.add(w.name);
    if (w.from.shapes.length !== w.from.tensors.length) problems.push(`${w.name} gives ${w.from.shapes.length} shapes for ${w.from.tensors.length} tensors`);
  }
  if (end > m.dataBytes) problems.push(`the weights end at ${end}, beyond dataBytes ${m.dataBytes}`);
  return problems;
}

export async function loadTemplate(dir: string): Promise<LoadedTemplate> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new RetakeError('E_FILE_NOT_FOUND', `There is no graph template folder ${dir}.`);
  }
  const parsed = TemplateSetSchema.safeParse(await readJson(dir, 'template.json'));
  if (!parsed.success) throw templateError(dir, `template.json: ${z.prettifyError(parsed.error)}`);
  const set = parsed.data;
  const maps = new Map<string, WeightMap>();
  const listed = [...set.common, ...Object.values(set.variants).flat()];
  for (const g of listed) {
    const entry = set.graphs[g];
    if (!entry) throw templateError(dir, `graph ${g} has no entry in "graphs"`);
    const m = WeightMapSchema.safeParse(await readJson(dir, entry.weights));
    if (!m.success) throw templateError(dir, `${entry.weights}: ${z.prettifyError(m.error)}`);
    if (m.data.graph !== g) throw templateError(dir, `${entry.weights} describes ${m.data.graph}, not ${g}`);
    const problems = weightMapProblems(m.data);
    if (problems.length) throw templateError(dir, `${entry.weights}: ${problems.slice(0, 5).join('; ')}`);
    for (const w of m.data.initializers) {
      const src = set.sources[w.from.source];
      if (!src || !['safetensors', 'torch', 'npy'].includes(src.kind)) {
        throw templateError(dir, `${entry.weights}: ${w.name} comes from "${w.from.source}", which is no tensor source`);
      }
      const shape = opsOutputShape(w.from.shapes, w.ops);
      if (typeof shape === 'string') throw templateError(dir, `${entry.weights}: ${w.name}: ${shape}`);
      if (shape.join() !== w.shape.join()) {
        throw templateError(dir, `${entry.weights}: ${w.name} is [${w.shape.join(', ')}] but its source and ops give [${shape.join(', ')}]`);
      }
      const q = w.ops.find((op) => op.op === 'matmulnbits');
      const want = q ? (q.output === 'scales' ? 'float32' : 'uint8') : null;
      if (want ? w.dtype !== want : w.dtype === 'uint8') {
        throw templateError(dir, `${entry.weights}: ${w.name} is ${w.dtype}, ${want ? `matmulnbits ${q!.output} is ${want}` : 'but only matmulnbits makes uint8'}`);
      }
    }
    maps.set(g, m.data);
  }
  for (const c of set.copies) {
    if (set.sources[c.from]?.kind !== 'file') throw templateError(dir, `copy to ${c.to} reads "${c.from}", which is no file source`);
  }
  return { dir, set, maps };
}

/** The graphs a build of `variants` writes: the common ones and each variant's. */
export function graphsFor(t: LoadedTemplate, variants: readonly string[]): string[] {
  const out = [...t.set.common];
  for (const v of variants) out.push(...(t.set.variants[v] ?? []));
  return [...new Set(out)];
}
