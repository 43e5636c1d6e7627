// Opening a model pack's text tokenizer: the sentencepiece model of `components.textTokenizer`, read in the pack's
// tokenizer mode (the reference's transformers fast tokenizer by default, or sentencepiece itself), checked against
// what the manifest promises before anything is encoded with it, plus the prompt-encoding settings of the same
// component. The check exists because a tokenizer can silently misread audio tokens: sentencepiece matches only
// USER_DEFINED pieces in text (CONTROL `<audio_N>` pieces would split into bytes), the fast tokenizer only added
// tokens (USER_DEFINED or CONTROL; NORMAL `<audio_N>` pieces would not be single ids).

import { RetakeError } from '../../../contract/errors';
import type { PromptEncodingSettings } from '../prompt/settings';
import { promptEncodingFromManifest } from '../prompt/settings';
import { FastLlamaTokenizer } from '../text/fast-llama';
import { readSpModelFile, SentencePieceTokenizer } from '../text/sentencepiece';
import { PieceType, type SpModelProto } from '../text/sp-model';
import type { ModelPack } from './load';
import type { NormalizerSpecRecord, TextTokenizerComponent, TokenizerMode } from './manifest';

export type PackTokenizer = SentencePieceTokenizer | FastLlamaTokenizer;

export interface PackTextTokenizer {
  readonly tokenizer: PackTokenizer;
  readonly component: TextTokenizerComponent;
  /** How the prompt builder calls the tokenizer (components.textTokenizer.promptEncoding and specialIds). */
  readonly promptEncoding: PromptEncodingSettings;
}

const REEXPORT = 'Re-export the pack with tools/export.';

const PIECE_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(PieceType).map(([k, v]) => [v, k]));

/** The tokenizer of a parsed `.model` in the given mode. */
export function createTokenizer(model: SpModelProto, mode: TokenizerMode): PackTokenizer {
  return mode === 'sentencepiece' ? new SentencePieceTokenizer(model) : new FastLlamaTokenizer(model);
}

export function normalizerRecord(model: SpModelProto): NormalizerSpecRecord {
  const n = model.normalizerSpec;
  return {
    name: n.name,
    addDummyPrefix: n.addDummyPrefix,
    removeExtraWhitespaces: n.removeExtraWhitespaces,
    escapeWhitespaces: n.escapeWhitespaces,
    precompiledCharsmap: n.precompiledCharsmap.length > 0,
  };
}

/** Problems of a tokenizer against its manifest entry, as sentences (empty when it reads ids as promised). */
export function tokenizerProblems(tok: PackTokenizer, c: TextTokenizerComponent): string[] {
  const problems: string[] = [];
  if (tok.vocabSize !== c.vocabSize) {
    problems.push(`it has ${tok.vocabSize} pieces, the manifest says ${c.vocabSize}`);
  }
  if (c.normalizerSpec) {
    const got = normalizerRecord(tok.model);
    const differs = (Object.keys(got) as (keyof NormalizerSpecRecord)[]).filter((k) => got[k] !== c.normalizerSpec![k]);
    if (differs.length > 0) {
      problems.push(
        `its normalizer_spec has ${differs.map((k) => `${k} ${JSON.stringify(got[k])}`).join(', ')} but the manifest records ${differs.map((k) => JSON.stringify(c.normalizerSpec![k])).join(', ')}`,
      );
    }
  }
  const specials: [string, keyof TextTokenizerComponent['specialIds']][] = [
    ['<s>', 'bos'],
    ['<|BOT|>', 'bot'],
    ['<|EOT|>', 'eot'],
  ];
  for (const [piece, key] of specials) {
    const id = tok.pieceToId(piece);
    const want = c.specialIds[key];
    if (id !== want || tok.idToPiece(id) !== piece) {
      const at = tok.idToPiece(id) !== piece ? 'does not have it' : `has it at ${id}`;
      problems.push(`${piece} must be id ${want} (specialIds.${key}) but the tokenizer ${at}`);
    }
  }
  const last = c.audioIdCount - 1;
  const ns = [...new Set([0, Math.min(1024, last), last])];
  const text = ns.map((n) => `<audio_${n}>`).join('');
  const want = ns.map((n) => c.audioIdBase + n);
  // The text starts with an added token, so the fast tokenizer prepends nothing; sentencepiece is told not to.
  const got = tok.mode === 'sentencepiece' ? tok.encode(text, { addDummyPrefix: 'never' }) : tok.encode(text);
  if (got.length !== want.length || got.some((id, i) => id !== want[i])) {
    const id0 = tok.pieceToId('<audio_0>');
    const type = tok.idToPiece(id0) === '<audio_0>' ? tok.model.pieces[id0]?.type : undefined;
    const readable: number[] =
      tok.mode === 'sentencepiece' ? [PieceType.USER_DEFINED] : [PieceType.USER_DEFINED, PieceType.CONTROL];
    const why =
      type !== undefined && !readable.includes(type)
        ? ` (<audio_0> is a ${PIECE_TYPE_NAMES[type] ?? type} piece; audio pieces must be ${tok.mode === 'sentencepiece' ? 'USER_DEFINED' : 'USER_DEFINED or CONTROL'} to be read as one token by the ${tok.mode} tokenizer)`
        : '';
    const shown = got.length > 8 ? `${got.slice(0, 8).join(', ')}, … (${got.length} ids)` : got.join(', ');
    problems.push(`it reads "${text}" as [${shown}] instead of [${want.join(', ')}]${why}`);
  }
  return problems;
}

/** Throws E_ENGINE_UNAVAILABLE naming every way the tokenizer departs from its manifest entry. */
export function checkPackTokenizer(tok: PackTokenizer, c: TextTokenizerComponent, where: string): void {
  const problems = tokenizerProblems(tok, c);
  if (problems.length > 0) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The text tokenizer ${where} does not match its manifest entry: ${problems.join('; ')}. ${REEXPORT}`,
    );
  }
}

/** Opens and checks the pack's text tokenizer (its files must have been verified by loadPack). */
export async function openPackTokenizer(pack: ModelPack): Promise<PackTextTokenizer> {
  const component = pack.manifest.components.textTokenizer;
  if (!component) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The model pack in ${pack.dir} has no text tokenizer (components.textTokenizer). ${REEXPORT}`,
    );
  }
  const file = component.files[0] as (typeof component.files)[number];
  const promptEncoding = promptEncodingFromManifest(component);
  let model: SpModelProto;
  try {
    model = await readSpModelFile(pack.path(file));
  } catch (e) {
    if (RetakeError.is(e, 'E_FILE_NOT_FOUND')) {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} is missing ${file.path}. ${REEXPORT}`);
    }
    throw e;
  }
  const tokenizer = createTokenizer(model, promptEncoding.tokenizer);
  checkPackTokenizer(tokenizer, component, `${file.path} of the model pack in ${pack.dir}`);
  return { tokenizer, component, promptEncoding };
}
