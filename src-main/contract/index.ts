// The API of Retake: entities, methods, events and error codes. The renderer imports this module with `import type`
// only; the main side validates every request with `validateParams` before a handler sees it.

import { RetakeError } from './errors';
import { isMethodName, methods, type MethodName, type ParsedParams } from './methods';

export * from './entities';
export * from './errors';
export * from './events';
export * from './methods';

/** Wire format of one call and its answer (WebSocket frames, IPC payloads). */
export interface CallMessage {
  id: number;
  method: string;
  params: unknown;
}
export type ReplyMessage =
  | { id: number; result: unknown }
  | { id: number; error: { code: string; message: string; details?: unknown } };

function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Parses a request's params against the method's schema; throws E_VALIDATION with a readable sentence. */
export function validateParams<M extends MethodName>(method: M, params: unknown): ParsedParams<M> {
  const schema = methods[method].params;
  const r = schema.safeParse(params ?? {});
  if (!r.success) {
    throw new RetakeError(
      'E_VALIDATION',
      `Invalid request to ${method}: ${describeIssues(r.error.issues)}.`,
      r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    );
  }
  return r.data as ParsedParams<M>;
}

export function requireMethod(name: unknown): MethodName {
  if (!isMethodName(name)) {
    throw new RetakeError('E_VALIDATION', `Unknown method ${JSON.stringify(name)}.`);
  }
  return name;
}
