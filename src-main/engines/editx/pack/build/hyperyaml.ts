// Reads a HyperPyYAML file (the published cosyvoice.yaml) as data, the way the exporter's
// tools/export/retake_export/common/hyperyaml.py does: `!new:`/`!name:`/`!apply:` nodes become their plain mappings (a
// sequence becomes {args: [...]}, a bare tag {}), `!ref <key>` is resolved against the top-level keys (dotted paths,
// and arithmetic over numbers such as `<a> * <b>`), `!PLACEHOLDER` is null, and nothing is ever instantiated. The
// YAML itself is parsed by js-yaml with its core schema; the exporter's PyYAML is YAML 1.1, which differs only in
// corners these files do not use (yes/no booleans, `1e-5` without a dot read as a string).

import { CORE_SCHEMA, Type, YAMLException, load } from 'js-yaml';

export class HyperYamlError extends Error {}

class Ref {
  constructor(readonly expr: string) {}
}

const TAGGED = ['!new:', '!name:', '!apply:'].flatMap((tag) => [
  new Type(tag, { kind: 'mapping', multi: true, construct: (d) => ({ ...((d as Record<string, unknown> | null) ?? {}) }) }),
  new Type(tag, { kind: 'sequence', multi: true, construct: (d) => ({ args: (d as unknown[] | null) ?? [] }) }),
  new Type(tag, { kind: 'scalar', multi: true, construct: () => ({}) }),
]);

const SCHEMA = CORE_SCHEMA.extend([
  ...TAGGED,
  new Type('!ref', { kind: 'scalar', construct: (d) => new Ref(String(d ?? '')) }),
  new Type('!PLACEHOLDER', { kind: 'scalar', construct: () => null }),
]);

/** The value at a dotted key path (`flow.decoder.estimator.num_heads`), or undefined. */
export function lookup(root: unknown, key: string): unknown {
  let node = root;
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** + - * / // and parentheses over numbers: what a `!ref` expression may compute (Python's meaning of / and //). */
function evaluate(expr: string, where: string): number {
  const tokens = expr.match(/\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\/\/|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const fail = (): never => {
    throw new HyperYamlError(`${where}: unsupported expression in !ref: ${expr}`);
  };
  const atom = (): number => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') fail();
      return v;
    }
    if (t === '-') return -atom();
    if (t === '+') return atom();
    if (t === undefined || !/^[\d.]/.test(t)) return fail();
    return Number(t);
  };
  const product = (): number => {
    let v = atom();
    for (;;) {
      const op = tokens[i];
      if (op !== '*' && op !== '/' && op !== '//') return v;
      i++;
      const r = atom();
      v = op === '*' ? v * r : op === '/' ? v / r : Math.floor(v / r);
    }
  };
  const sum = (): number => {
    let v = product();
    for (;;) {
      const op = tokens[i];
      if (op !== '+' && op !== '-') return v;
      i++;
      const r = product();
      v = op === '+' ? v + r : v - r;
    }
  };
  const v = sum();
  if (i !== tokens.length) fail();
  return v;
}

function resolve(node: unknown, root: Record<string, unknown>, where: string, depth = 0): unknown {
  if (depth > 64) throw new HyperYamlError(`${where}: !ref references form a cycle`);
  if (node instanceof Ref) {
    const refs = [...node.expr.matchAll(/<([^<>]+)>/g)].map((m) => m[1]!);
    const target = (key: string): unknown => {
      const v = lookup(root, key);
      if (v === undefined) throw new HyperYamlError(`${where}: !ref <${key}>: no such key`);
      return resolve(v, root, where, depth + 1);
    };
    if (refs.length === 1 && node.expr.trim() === `<${refs[0]}>`) return target(refs[0]!);
    let text = node.expr;
    for (const r of refs) {
      const v = target(r);
      if (typeof v !== 'number') throw new HyperYamlError(`${where}: !ref ${node.expr}: <${r}> is not a number`);
      text = text.replace(`<${r}>`, `(${v})`);
    }
    return evaluate(text, where);
  }
  if (Array.isArray(node)) return node.map((v) => resolve(v, root, where, depth));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v, root, where, depth)]));
  }
  return node;
}

/** Parses HyperPyYAML text into plain data; `where` names the file in errors. */
export function parseHyperYaml(text: string, where: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = load(text, { schema: SCHEMA, filename: where });
  } catch (e) {
    throw new HyperYamlError(e instanceof YAMLException ? e.message : String(e));
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new HyperYamlError(`${where}: not a mapping at the top level`);
  return resolve(raw, raw as Record<string, unknown>, where) as Record<string, unknown>;
}
