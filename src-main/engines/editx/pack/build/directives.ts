// The "$" directives of a template's manifest fragment: values the builder fills in from what it wrote and read, so
// a component's manifest entry is data in its template (written by the exporter), not code here. An object whose
// first key starts with "$" is a directive; one that resolves to nothing is left out of its object or list.
//
//   {"$file": "tokenizer.model"}                  the pack file's {path, sha256, bytes}
//   {"$graphFiles": "lm.fp16.onnx"}               [the graph's entry, its data file's entry]
//   {"$ifVariant": "fp16", "value": X}            X when the fp16 variant is built, else left out
//   {"$firstVariant": ["fp16", "fp32"]}           the first of these that is built
//   {"$normalizerSpec": "tokenizer.model"}        the sentencepiece model's normalizer_spec as the manifest records it
//   {"$chatTemplate": {"config": S, "jinja": S}}  chat_template of a JSON source (tokenizer_config.json), else a
//                                                 .jinja file source; left out when neither has one
//   {"$modelRevision": true}                      the release date of the weights, when known
//   {"$onnxIO": {"file": F, "side": "inputs"}}    a written ONNX file's inputs (or outputs): name, dtype, shape
//   {"$byRevision": [{"from": D, "value": X}…]}   X of the last entry whose date D (YYYY-MM-DD) is on or before the
//                                                 weights' release date; the first entry (D null) when none applies
//                                                 or the date is unknown (tools/export/.../text/component.py)
//   {"$json": {"source": S, "key": K,             a value of a JSON or HyperPyYAML source (K: a key, else a dotted
//     "default": V}}                              path); V when the file has none (the exporter's fallback)
//   {"$tensor": {"source": S, "name": N,          a (small) checkpoint tensor's values as numbers (its one value with
//     "shape": [..], "scalar": true}}             scalar); the shape, when given, is checked with the graphs' tensors

import { RetakeError } from '../../../../contract/errors';
import type { FileEntry, NormalizerSpecRecord } from '../manifest';
import { lookup } from './hyperyaml';

/** A config value by key: the key itself (JSON field names may hold dots), else a dotted path into mappings. */
export function configValue(doc: unknown, key: string): unknown {
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && Object.hasOwn(doc, key)) return (doc as Record<string, unknown>)[key];
  return lookup(doc, key);
}

const DROP = Symbol('drop');

export interface DirectiveContext {
  /** Entries of the files written into the pack, by pack path. */
  files: Map<string, FileEntry>;
  variants: readonly string[];
  normalizerSpec(packPath: string): Promise<NormalizerSpecRecord>;
  /** A JSON or HyperPyYAML source's parsed content, or null when an optional one is absent. */
  json(source: string): unknown;
  /** A file source's text, or null when an optional one is absent. */
  text(source: string): Promise<string | null>;
  tensorValues(source: string, name: string): Promise<number[]>;
  /** A built ONNX file's inputs or outputs as the manifest records them (name, dtype, shape). */
  onnxIO(packPath: string, side: 'inputs' | 'outputs'): Promise<{ name: string; dtype: string; shape: (number | string)[] }[]>;
  modelRevision: string | null;
  /** The template, for error messages. */
  where: string;
}

function bad(ctx: DirectiveContext, what: string): RetakeError {
  return new RetakeError('E_INTERNAL', `The graph template ${ctx.where} has a bad manifest directive: ${what}.`);
}

function file(ctx: DirectiveContext, path: unknown): FileEntry {
  if (typeof path !== 'string') throw bad(ctx, `a file path ${JSON.stringify(path)}`);
  const f = ctx.files.get(path);
  if (!f) throw bad(ctx, `${path} is not a file the build wrote`);
  return f;
}

const TEMPLATE_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const;

/** The manifest's chatTemplate from a tokenizer_config.json (as tools/export/retake_export/text/component.py). */
export function chatTemplateFromConfig(config: unknown, where: string): { template: string; specialTokens: Record<string, string> } | null {
  if (!config || typeof config !== 'object') return null;
  const c = config as Record<string, unknown>;
  let template = c.chat_template;
  if (Array.isArray(template)) {
    // Several named templates: transformers uses the one called "default" when none is asked for.
    const named = template.find((t) => t && typeof t === 'object' && (t as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (!named) throw new RetakeError('E_MODEL_INVALID', `${where}: chat_template lists several templates but none is "default".`);
    template = named.template;
  }
  if (template === undefined || template === null) return null;
  if (typeof template !== 'string' || template === '') throw new RetakeError('E_MODEL_INVALID', `${where}: chat_template is not a non-empty string.`);
  const specialTokens: Record<string, string> = {};
  for (const k of TEMPLATE_TOKENS) {
    const v = c[k];
    if (v === undefined || v === null) continue;
    // transformers writes special tokens as strings or as AddedToken objects ({"content": ...}).
    if (typeof v === 'string') specialTokens[k] = v;
    else if (typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') specialTokens[k] = (v as { content: string }).content;
    else throw new RetakeError('E_MODEL_INVALID', `${where}: ${k} is neither a string nor a token object with a content string.`);
  }
  return { template, specialTokens };
}

async function directive(key: string, node: Record<string, unknown>, ctx: DirectiveContext): Promise<unknown> {
  const arg = node[key];
  switch (key) {
    case '$file':
      return file(ctx, arg);
    case '$graphFiles': {
      if (typeof arg !== 'string') throw bad(ctx, `$graphFiles ${JSON.stringify(arg)}`);
      return [file(ctx, arg), file(ctx, `${arg}.data`)];
    }
    case '$ifVariant':
      return typeof arg === 'string' && ctx.variants.includes(arg) ? resolve(node.value, ctx) : DROP;
    case '$firstVariant': {
      if (!Array.isArray(arg)) throw bad(ctx, `$firstVariant ${JSON.stringify(arg)}`);
      const v = arg.find((a) => typeof a === 'string' && ctx.variants.includes(a));
      if (v === undefined) throw bad(ctx, `none of ${arg.join(', ')} is among the variants built (${ctx.variants.join(', ')})`);
      return v;
    }
    case '$normalizerSpec':
      if (typeof arg !== 'string') throw bad(ctx, `$normalizerSpec ${JSON.stringify(arg)}`);
      return ctx.normalizerSpec(arg);
    case '$chatTemplate': {
      const a = (arg ?? {}) as { config?: string; jinja?: string };
      const cfg = a.config ? ctx.json(a.config) : null;
      const fromConfig = chatTemplateFromConfig(cfg, `the ${a.config} source`);
      if (fromConfig) return fromConfig;
      // No template in the config: the .jinja file beside it, with the config's special-token strings.
      const jinja = a.jinja ? await ctx.text(a.jinja) : null;
      return jinja ? chatTemplateFromConfig({ ...((cfg ?? {}) as object), chat_template: jinja }, `the ${a.jinja} source`) : DROP;
    }
    case '$modelRevision':
      return ctx.modelRevision ?? DROP;
    case '$onnxIO': {
      const a = arg as { file?: unknown; side?: unknown };
      if (typeof a?.file !== 'string' || (a.side !== 'inputs' && a.side !== 'outputs')) throw bad(ctx, `$onnxIO ${JSON.stringify(arg)}`);
      file(ctx, a.file);
      return ctx.onnxIO(a.file, a.side);
    }
    case '$byRevision': {
      if (!Array.isArray(arg) || arg.length === 0) throw bad(ctx, `$byRevision ${JSON.stringify(arg)}`);
      const entries = arg as { from?: unknown; value?: unknown }[];
      let chosen = entries[0]!;
      for (const e of entries) {
        if (e.from !== null && typeof e.from !== 'string') throw bad(ctx, `$byRevision date ${JSON.stringify(e.from)}`);
        // Dates as YYYY-MM-DD compare as text.
        if (typeof e.from === 'string' && ctx.modelRevision !== null && ctx.modelRevision >= e.from) chosen = e;
      }
      return resolve(chosen.value, ctx);
    }
    case '$json': {
      const a = arg as { source?: string; key?: string; default?: unknown };
      const doc = a?.source ? ctx.json(a.source) : null;
      const value = doc && typeof doc === 'object' && a.key ? configValue(doc, a.key) : undefined;
      if (value !== undefined) return value;
      if (a && 'default' in a) return a.default;
      throw bad(ctx, `$json ${JSON.stringify(arg)} finds nothing`);
    }
    case '$tensor': {
      const a = arg as { source?: string; name?: string; scalar?: boolean };
      if (!a?.source || !a.name) throw bad(ctx, `$tensor ${JSON.stringify(arg)}`);
      const values = await ctx.tensorValues(a.source, a.name);
      if (!a.scalar) return values;
      if (values.length !== 1) throw bad(ctx, `$tensor ${a.name} is a scalar but holds ${values.length} values`);
      return values[0];
    }
    default:
      throw bad(ctx, `unknown directive ${key}`);
  }
}

async function resolve(node: unknown, ctx: DirectiveContext): Promise<unknown> {
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      const v = await resolve(item, ctx);
      if (v !== DROP) out.push(v);
    }
    return out;
  }
  if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    const first = Object.keys(obj)[0];
    if (first?.startsWith('$')) return directive(first, obj, ctx);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = await resolve(v, ctx);
      if (r !== DROP) out[k] = r;
    }
    return out;
  }
  return node;
}

/** The checkpoint tensors a fragment's $tensor directives read, with their shapes where given (for the builder's
 *  name, shape and count checks, beside the tensors of the weight maps). */
export function directiveTensors(fragment: unknown): { source: string; name: string; shape: number[] | null }[] {
  const out: { source: string; name: string; shape: number[] | null }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const t = o.$tensor as { source?: unknown; name?: unknown; shape?: unknown } | undefined;
      if (t && typeof t.source === 'string' && typeof t.name === 'string') {
        out.push({ source: t.source, name: t.name, shape: Array.isArray(t.shape) ? (t.shape as number[]) : null });
      } else Object.values(o).forEach(walk);
    }
  };
  walk(fragment);
  return out;
}

/** The fragment with every directive resolved (directives that resolve to nothing are left out). */
export async function resolveDirectives(fragment: unknown, ctx: DirectiveContext): Promise<unknown> {
  const r = await resolve(fragment, ctx);
  return r === DROP ? undefined : r;
}
