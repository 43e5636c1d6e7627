// What a session's graph must look like: the input and output names, element types and ranks (and fixed dimensions)
// a caller declares, checked against the graph's own metadata when the session opens, so a wrong or re-exported
// file is refused with a sentence naming each tensor instead of failing later inside a run.

import type { OnnxTensorType, RawSession, ValueMetadata } from './runtime';

/** A dimension: a fixed size, or a symbolic name (any size). */
export type Dim = number | string;

export interface TensorSpec<N extends string = string> {
  readonly name: N;
  readonly dtype: OnnxTensorType;
  /** Rank and fixed sizes; absent: not checked. */
  readonly shape?: readonly Dim[];
}

export interface GraphSpec<I extends string = string, O extends string = string> {
  readonly inputs: readonly TensorSpec<I>[];
  readonly outputs: readonly TensorSpec<O>[];
}

export type InputName<S extends GraphSpec> = S['inputs'][number]['name'];
export type OutputName<S extends GraphSpec> = S['outputs'][number]['name'];

/** The part of a session the check reads; metadata is optional (some builds of the runtime do not give it). */
export type SessionIo = Pick<RawSession, 'inputNames' | 'outputNames'> &
  Partial<{ inputMetadata: readonly ValueMetadata[]; outputMetadata: readonly ValueMetadata[] }>;

/**
 * Differences between a session's inputs/outputs and a declared spec, one sentence each: names missing or extra, and
 * where the session gives metadata, element types, ranks and fixed dimensions. `declaredIn` names the spec's origin
 * in the sentences ("… but float16 in the manifest").
 */
export function checkGraphIo(session: SessionIo, spec: GraphSpec, declaredIn = 'declared spec'): string[] {
  const problems: string[] = [];
  const cmp = (
    kind: 'input' | 'output',
    got: readonly string[],
    meta: readonly ValueMetadata[] | undefined,
    want: readonly TensorSpec[],
  ): void => {
    const g = new Set(got);
    const w = new Set(want.map((t) => t.name));
    const missing = want.filter((t) => !g.has(t.name)).map((t) => t.name);
    const extra = got.filter((n) => !w.has(n));
    if (missing.length) problems.push(`${kind}s missing in the graph: ${missing.join(', ')}`);
    if (extra.length) problems.push(`${kind}s not in the ${declaredIn}: ${extra.join(', ')}`);
    const byName = new Map((meta ?? []).map((m) => [m.name, m]));
    for (const t of want) {
      const m = byName.get(t.name);
      if (!m) continue;
      if (!m.isTensor) {
        problems.push(`${kind} ${t.name} is not a tensor in the graph`);
        continue;
      }
      if (m.type !== t.dtype) {
        problems.push(`${kind} ${t.name} is ${m.type} in the graph but ${t.dtype} in the ${declaredIn}`);
        continue;
      }
      // An empty shape means the graph does not declare one (or a scalar: nothing to compare either way).
      if (!t.shape || m.shape.length === 0) continue;
      if (m.shape.length !== t.shape.length) {
        problems.push(`${kind} ${t.name} has ${m.shape.length} dimensions in the graph but ${t.shape.length} in the ${declaredIn}`);
        continue;
      }
      m.shape.forEach((d, i) => {
        const e = t.shape![i];
        if (typeof d === 'number' && typeof e === 'number' && d !== e) {
          problems.push(`${kind} ${t.name} has dimension ${i} of ${d} in the graph but ${e} in the ${declaredIn}`);
        }
      });
    }
  };
  cmp('input', session.inputNames, session.inputMetadata, spec.inputs);
  cmp('output', session.outputNames, session.outputMetadata, spec.outputs);
  return problems;
}
