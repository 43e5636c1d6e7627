// The ONNX sessions of the model pack in use, by stage: one SessionRegistry (src-main/onnx/registry.ts) whose stages
// are defined from the pack's manifest, so each graph opens on first use and every session is released when another
// pack is put in use. Stages: the LM ('lm'), the audio tokenizers ('vq02', 'vq06') and the decoder's graphs
// ('flowEncoder', 'flowEstimator', 'flowSpeaker', 'hiftF0', 'hiftTrunk', 'campplus'). A stage the pack lacks fails
// when it is first used, naming it.

import { choiceForSetting, type SessionRegistry, type StageDefinition } from '../../../onnx';
import { readProviderSetting, retakeHome } from '../../../settings-file';
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
    providers: opts.executionProviders ?? opts.providers ?? opts.device ?? 'cpu',
    ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
  };
}

/**
 * How the stages open under the user's execution-provider setting (Settings, RETAKE_HOME/settings.json): 'cpu' runs
 * the CPU variant on the CPU; any other setting picks the pack's GPU variant and asks for that provider, which falls
 * back to the CPU with the reason logged by the registry and shown in Settings (runtime.providers).
 */
export function settingSessionOptions(home: string = retakeHome()): PackSessionOptions {
  const setting = readProviderSetting(home);
  return setting === 'cpu' ? { device: 'cpu' } : { device: 'gpu', providers: choiceForSetting(setting) };
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
  const chosen = opts.device || opts.executionProviders || opts.providers ? opts : { ...settingSessionOptions(), ...opts };
  const key = `${pack.dir} ${JSON.stringify(chosen)}`;
  await registry.use(key, packStages(pack, chosen));
}
