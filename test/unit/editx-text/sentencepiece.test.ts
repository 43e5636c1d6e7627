// Parity of the TypeScript sentencepiece tokenizer with the reference library: every id, piece and decoded string
// below was produced by Debian's python3-sentencepiece (retake_export.goldens.sentencepiece.make_goldens) on the models in
// test/fixtures/editx/sp (retake_export.goldens.sentencepiece.make_test_models).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { SentencePieceTokenizer } from '../../../src-main/engines/editx/text/sentencepiece';
import { parseSpModel } from '../../../src-main/engines/editx/text/sp-model';

const FIX = join(__dirname, '../../fixtures/editx');

interface ModelGolden {
  file: string;
  proto: {
    pieceCount: number;
    pieces: string[];
    scores: number[];
    types: number[];
    trainerSpec: Record<string, unknown>;
    normalizerSpec: {
      name: string;
      charsmapBytes: number;
      addDummyPrefix: boolean;
      removeExtraWhitespaces: boolean;
      escapeWhitespaces: boolean;
    };
  };
  ids: number[][];
  pieces: string[][];
  decoded: string[];
  idsWithBos: number[][];
  idsWithEos: number[][];
  idsNoDummyPrefix: number[][];
  idsDummyPrefix: number[][];
  decodeExtra: { ids: number[]; text: string }[];
  fuzzIds: number[][];
  fuzzDecoded: string[];
}

const golden = JSON.parse(readFileSync(join(FIX, 'sp-goldens.json'), 'utf8')) as {
  sentencepiece: string;
  cases: string[];
  fuzz: string[];
  models: Record<string, ModelGolden>;
};

describe.each(Object.keys(golden.models))('sentencepiece parity: %s', (name) => {
  const g = golden.models[name]!;
  const bytes = readFileSync(join(FIX, g.file));
  const tok = SentencePieceTokenizer.fromBytes(bytes);

  it('parses the ModelProto like the reference protobuf library', () => {
    const m = parseSpModel(bytes);
    expect(m.pieces.length).toBe(g.proto.pieceCount);
    expect(m.pieces.slice(0, g.proto.pieces.length).map((p) => p.piece)).toEqual(g.proto.pieces);
    expect(m.pieces.slice(0, g.proto.scores.length).map((p) => p.score)).toEqual(g.proto.scores);
    expect(m.pieces.map((p) => p.type)).toEqual(g.proto.types);
    const t = m.trainerSpec;
    expect({
      modelType: t.modelType,
      vocabSize: t.vocabSize,
      byteFallback: t.byteFallback,
      unkId: t.unkId,
      bosId: t.bosId,
      eosId: t.eosId,
      padId: t.padId,
      unkPiece: t.unkPiece,
      bosPiece: t.bosPiece,
      eosPiece: t.eosPiece,
      padPiece: t.padPiece,
      unkSurface: t.unkSurface,
      treatWhitespaceAsSuffix: t.treatWhitespaceAsSuffix,
    }).toEqual(g.proto.trainerSpec);
    const n = m.normalizerSpec;
    expect({
      name: n.name,
      charsmapBytes: n.precompiledCharsmap.length,
      addDummyPrefix: n.addDummyPrefix,
      removeExtraWhitespaces: n.removeExtraWhitespaces,
      escapeWhitespaces: n.escapeWhitespaces,
    }).toEqual(g.proto.normalizerSpec);
  });

  it('encodes every case to the reference ids and pieces', () => {
    golden.cases.forEach((text, i) => {
      expect({ text, ids: tok.encode(text) }).toEqual({ text, ids: g.ids[i] });
      expect({ text, pieces: tok.encodePieces(text) }).toEqual({ text, pieces: g.pieces[i] });
    });
  });

  it('adds BOS / EOS like encode(add_bos=True) / encode(add_eos=True)', () => {
    g.idsWithBos.forEach((ids, i) => expect(tok.encode(golden.cases[i]!, { addBos: true })).toEqual(ids));
    g.idsWithEos.forEach((ids, i) => expect(tok.encode(golden.cases[i]!, { addEos: true })).toEqual(ids));
  });

  it('overrides the dummy prefix like a model with add_dummy_prefix switched', () => {
    golden.cases.forEach((text, i) => {
      expect({ text, ids: tok.encode(text, { addDummyPrefix: 'never' }) }).toEqual({ text, ids: g.idsNoDummyPrefix[i] });
      expect({ text, ids: tok.encode(text, { addDummyPrefix: 'always' }) }).toEqual({ text, ids: g.idsDummyPrefix[i] });
    });
  });

  it('matches on 200 seeded random strings (whitespace runs, rare characters, tags, audio tokens)', () => {
    golden.fuzz.forEach((text, i) => {
      const ids = tok.encode(text);
      expect({ text, ids }).toEqual({ text, ids: g.fuzzIds[i] });
      expect({ ids, text: tok.decode(ids) }).toEqual({ ids, text: g.fuzzDecoded[i] });
    });
  });

  it('decodes ids to the reference text', () => {
    g.ids.forEach((ids, i) => expect({ ids, text: tok.decode(ids) }).toEqual({ ids, text: g.decoded[i] }));
    for (const { ids, text } of g.decodeExtra) expect({ ids, text: tok.decode(ids) }).toEqual({ ids, text });
  });
});

describe('sentencepiece tokenizer API', () => {
  const tok = SentencePieceTokenizer.fromBytes(readFileSync(join(FIX, 'sp/uni-identity.model')));

  it('exposes the special ids and piece lookups', () => {
    expect([tok.unkId, tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2, -1]);
    expect(tok.idToPiece(3)).toBe('<|EOT|>');
    expect(tok.idToPiece(4)).toBe('<|BOT|>');
    expect(tok.pieceToId('<audio_0>')).toBe(tok.vocabSize - 5120);
    expect(tok.pieceToId('<audio_5119>')).toBe(tok.vocabSize - 1);
    expect(tok.pieceToId('no such piece')).toBe(tok.unkId);
    expect(() => tok.idToPiece(tok.vocabSize)).toThrow(RangeError);
    expect(tok.normalize('a  b')).toBe('\u2581a\u2581\u2581b');
  });

  it('rejects a missing file and a file that is not a model', async () => {
    await expect(SentencePieceTokenizer.fromFile(join(FIX, 'sp/missing.model'))).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
    });
    expect(() => SentencePieceTokenizer.fromBytes(new TextEncoder().encode('not a model at all'))).toThrow(RetakeError);
    expect(() => SentencePieceTokenizer.fromBytes(new Uint8Array(0))).toThrow(/no pieces/);
  });
});
