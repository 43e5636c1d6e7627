// The part of js-yaml 4 (MIT, ships no types) that ./hyperyaml.ts uses.
declare module 'js-yaml' {
  export type Kind = 'scalar' | 'sequence' | 'mapping';
  export interface TypeOptions {
    kind: Kind;
    multi?: boolean;
    resolve?: (data: unknown) => boolean;
    construct?: (data: unknown, tag?: string) => unknown;
  }
  export class Type {
    constructor(tag: string, options: TypeOptions);
  }
  export class Schema {
    extend(types: Type[]): Schema;
  }
  export const CORE_SCHEMA: Schema;
  export class YAMLException extends Error {
    reason: string;
  }
  export function load(text: string, options?: { schema?: Schema; filename?: string; json?: boolean }): unknown;
}
