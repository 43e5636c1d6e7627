// The ONNX sessions of the model pack in use, by stage: one SessionRegistry (src-main/onnx/registry.ts) whose stages
// are defined from the pack's manifest, so each graph opens on first use and every session is released when another
// pack is put in use. Today the stage is the LM ('lm'); the tokenizer and decoder stages add their line to
// `packStages` and their name to `EditxStage`.

import type { SessionRegistry, StageDefinition } from '../../../onnx';
import { openLmSession, type OrtLmOptions } from '../lm/ort-lm';
import type { ModelPack } from './load';

export type EditxStage = 'lm';

/** How the pack's stages open: the LM's variant, device and providers (see OrtLmOptions). */
export type PackSessionOptions = Omit<OrtLmOptions, 'maxTotalIds'>;

export function packStages(pack: ModelPack, opts: PackSessionOptions = {}): Record<EditxStage, StageDefinition> {
  return {
    lm: { open: () => openLmSession(pack, opts) },
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
