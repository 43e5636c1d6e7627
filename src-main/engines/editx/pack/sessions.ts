// The ONNX sessions of the model pack in use, by stage: one SessionRegistry (src-main/onnx/registry.ts) whose stages
// are defined from the pack's manifest, so each graph opens on first use and every session is released when another
// pack is put in use. Stages: the LM ('lm'), the audio tokenizers ('vq02', 'vq06') and the decoder's graphs
// ('flowEncoder', 'flowEstimator', 'flowSpeaker', 'hiftF0', 'hiftTrunk', 'campplus'). A stage the pack lacks fails
// when it is first used, naming it.

import type { SessionRegistry, StageDefinition } from '../../../onnx';
import { openDecoderSession, type DecoderStage } from '../decoder/graph';
import { openLmSession, type OrtLmOptions } from '../lm/ort-lm';
import { openVq02Session } from '../tokenizer/vq02';
import { openVq06Session } from '../tokenizer/vq06';
import type { ModelPack } from './load';

export type EditxStage = 'lm' | 'vq02' | 'vq06' | DecoderStage;

const DECODER_STAGES: readonly DecoderStage[] = ['flowEncoder', 'flowEstimator', 'flowSpeaker', 'hiftF0', 'hiftTrunk', 'campplus'];

/** How the pack's stages open: the LM's variant, device and providers (see OrtLmOptions). */
export type PackSessionOptions = Omit<OrtLmOptions, 'maxTotalIds'>;

export function packStages(pack: ModelPack, opts: PackSessionOptions = {}): Record<EditxStage, StageDefinition> {
  const decoder = Object.fromEntries(
    DECODER_STAGES.map((stage) => [stage, { open: () => openDecoderSession(pack, stage, tokenizerOptions(opts)) }]),
  ) as Record<DecoderStage, StageDefinition>;
  return {
    lm: { open: () => openLmSession(pack, opts) },
    vq02: { open: () => openVq02Session(pack, tokenizerOptions(opts)) },
    vq06: { open: () => openVq06Session(pack, tokenizerOptions(opts)) },
    ...decoder,
  };
}

/** The tokenizers and the decoder run on the providers the LM was asked for (its variant does not concern them). */
function tokenizerOptions(opts: PackSessionOptions) {
  return {
    providers: opts.executionProviders ?? opts.device ?? 'cpu',
    ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
  };
}

/**
 * Puts `pack` in use in `registry`: a different pack (another folder) releases the previous pack's sessions first.
 * Opening options are part of the owner key, so a change of device or variant also reopens.
 */
export async function usePack(
  registry: SessionRegistry<EditxStage>,
  pack: ModelPack,
  opts: PackSessionOptions = {},
): Promise<void> {
  const key = Object.keys(opts).length > 0 ? `${pack.dir} ${JSON.stringify(opts)}` : pack.dir;
  await registry.use(key, packStages(pack, opts));
}
