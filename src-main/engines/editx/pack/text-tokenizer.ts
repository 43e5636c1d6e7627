// Opening a model pack's text tokenizer: the sentencepiece model of `components.textTokenizer`, checked against the
// ids the manifest promises before anything is encoded with it, plus the prompt-encoding settings of the same
// component. The check exists because our tokenizer (like Python sentencepiece) matches only USER_DEFINED pieces in
// text: a tokenizer whose `<audio_N>` pieces were CONTROL would split every audio token into bytes without an error.

import { RetakeError } from '../../../contract/errors';
import type { PromptEncodingSettings } from '../prompt/settings';
import { promptEncodingFromManifest } from '../prompt/settings';
import { SentencePieceTokenizer } from '../text/sentencepiece';
import { PieceType } from '../text/sp-model';
import type { ModelPack } from './load';
import type { TextTokenizerComponent } from './manifest';

export interface PackTextTokenizer {
  readonly tokenizer: SentencePieceTokenizer;
  readonly component: TextTokenizerComponent;
  /** How the prompt builder calls the tokenizer (components.textTokenizer.promptEncoding and specialIds). */
  readonly promptEncoding: PromptEncodingSettings;
}

const REEXPORT = 'Re-export the pack with tools/export.';

const PIECE_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(PieceType).map(([k, v]) => [v, k]));

/** Problems of a tokenizer against its manifest entry, as sentences (empty when it reads ids as promised). */
export function tokenizerProblems(tok: SentencePieceTokenizer, c: TextTokenizerComponent): string[] {
  const problems: string[] = [];
  if (tok.vocabSize !== c.vocabSize) {
    problems.push(`it has ${tok.vocabSize} pieces, the manifest says ${c.vocabSize}`);
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
  const got = tok.encode(text, { addDummyPrefix: 'never' });
  if (got.length !== want.length || got.some((id, i) => id !== want[i])) {
    const id0 = tok.pieceToId('<audio_0>');
    const type = id0 !== tok.unkId ? tok.model.pieces[id0]?.type : undefined;
    const why =
      type !== undefined && type !== PieceType.USER_DEFINED
        ? ` (<audio_0> is a ${PIECE_TYPE_NAMES[type] ?? type} piece; audio pieces must be USER_DEFINED to be read as one token)`
        : '';
    const shown = got.length > 8 ? `${got.slice(0, 8).join(', ')}, … (${got.length} ids)` : got.join(', ');
    problems.push(`it reads "${text}" as [${shown}] instead of [${want.join(', ')}]${why}`);
  }
  return problems;
}

/** Throws E_ENGINE_UNAVAILABLE naming every way the tokenizer departs from its manifest entry. */
export function checkPackTokenizer(tok: SentencePieceTokenizer, c: TextTokenizerComponent, where: string): void {
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
  let tokenizer: SentencePieceTokenizer;
  try {
    tokenizer = await SentencePieceTokenizer.fromFile(pack.path(file));
  } catch (e) {
    if (RetakeError.is(e, 'E_FILE_NOT_FOUND')) {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} is missing ${file.path}. ${REEXPORT}`);
    }
    throw e;
  }
  checkPackTokenizer(tokenizer, component, `${file.path} of the model pack in ${pack.dir}`);
  return { tokenizer, component, promptEncoding: promptEncodingFromManifest(component) };
}
