// Public surface of the EditX audio tokenizers (vq02, vq06, their interleave into LM tokens).

export * from './front-end';
export * from './tokenize';
export * from './vq02';
export * from './vq06';
export type { Cmvn } from './pack-files';
