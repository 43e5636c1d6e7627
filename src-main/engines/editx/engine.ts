// The `editx` engine: Step-Audio-EditX from a model pack, on the model host (engines/host). What it offers comes from
// the pack: the tasks and options of EDITX-SPEC.md §2 (clone among them: the input is then the voice prompt), the
// paralinguistic tags of the manifest, at most 30 s per run. Without a usable pack it is listed as unavailable with a
// sentence that says why and what to do, and every other engine keeps working.
//
// Which pack and providers: locate.ts, read again on every call, so a pack installed or selected while the app runs
// is picked up; another pack releases the previous one's sessions (parts.ts, the session registry). capabilities()
// is synchronous and cheap (the manifest is parsed when it changes, file sizes are checked every time); the sha256 of
// the files and the ONNX graphs' inputs and outputs are checked when a run first needs them, and a pack that failed
// those checks stays unavailable, with that reason, until its files change.

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { durationSeconds, type AudioData } from '../../audio/types';
import { RetakeError } from '../../contract/errors';
import { SessionRegistry } from '../../onnx';
import { checkEditRequest } from '../check';
import type { EditRequest, EditResult, Engine, EngineCapabilities, EngineContext } from '../types';
import { PromptCache } from './cache';
import { editxSettings, type EditxProvider, type EditxSettings } from './locate';
import { checkPackSizes, pipelineFiles, presentVariants, probeManifest, type PackProbe } from './pack-check';
import { PackParts } from './parts';
import { EDITX_ENGINE_VERSION, EditxPipeline } from './pipeline';
import { loadPack } from './pack/load';
import type { EditxStage } from './pack/sessions';
import { profileRules } from './profile';
import { promptEncodingFromManifest } from './prompt/settings';
import { editxTaskInfo, paralinguisticTagsFor } from './tasks';

/** The reference takes at most 30 s of input per run (EDITX-SPEC.md §1). */
export const EDITX_MAX_INPUT_SECONDS = 30;

/** Mandarin (and, through clone prefixes, Sichuanese and Cantonese), English, Japanese, Korean (upstream README). */
const LANGUAGES = ['zh', 'en', 'ja', 'ko'];

const DESCRIPTION =
  'Step-Audio-EditX by StepFun, a 3.5 B-parameter audio language model: it re-performs the whole line with the emotion, ' +
  'style or speed asked for, adds non-verbal sounds written as [tags] in the new text, removes noise or pauses, and ' +
  'speaks new text in a recorded voice (Clone). At most 30 s per run; without a GPU a line takes minutes.';

export interface EditxEngineOptions {
  /** RETAKE_HOME: settings, installed packs, and the packs' cache folders. */
  home: string;
  env?: NodeJS.ProcessEnv;
  /** A pack folder that overrides the configured one (the CLI's --pack). */
  pack?: string;
  /** Overrides the provider setting (the CLI's --provider). */
  provider?: EditxProvider;
  /** Overrides the LM variant setting (the CLI's --variant): "auto" or a variant name of the pack. */
  variant?: string;
  intraOpNumThreads?: number;
  /** Where session open/release lines go (default: stderr). */
  log?: (line: string) => void;
  /** Most ids one run may generate (pipeline.ts, PipelineOptions); default: the profile's length limit alone. */
  maxNewIds?: number;
}

/** The pack's cache folder in RETAKE_HOME: prompt features, and the stamps of files already hashed. */
export function packCacheDir(home: string, p: Pick<PackProbe, 'manifest' | 'hash'>): string {
  const name = p.manifest.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return path.join(home, 'cache', 'editx', `${name}-${p.hash.slice(0, 16)}`);
}

export class EditxEngine implements Engine {
  private readonly registry: SessionRegistry<EditxStage>;
  private memo: { dir: string; stamp: string; probe: PackProbe } | null = null;
  /** Reasons a pack failed the checks of a run, by pack state (see failureKey). */
  private readonly failures = new Map<string, string>();
  private active: { key: string; dir: string; pipeline: Promise<EditxPipeline> } | null = null;

  constructor(private readonly opts: EditxEngineOptions) {
    this.registry = new SessionRegistry<EditxStage>(opts.log ? { log: opts.log } : {});
  }

  private settings(): EditxSettings {
    const s = editxSettings(this.opts.home, this.opts.env ?? process.env, this.opts.pack);
    return {
      ...s,
      ...(this.opts.provider ? { provider: this.opts.provider } : {}),
      ...(this.opts.variant ? { variant: this.opts.variant } : {}),
    };
  }

  /** The configured pack, checked as far as is cheap; throws the sentence that makes it unavailable. */
  private probe(s: EditxSettings): { probe: PackProbe; key: string } {
    const dir = s.pack.dir;
    if (dir === null) throw new RetakeError('E_ENGINE_UNAVAILABLE', s.pack.reason ?? 'No EditX model pack is configured.');
    let stamp: string;
    try {
      const st = statSync(path.join(dir, 'manifest.json'));
      stamp = `${st.size} ${st.mtimeMs}`;
    } catch {
      stamp = 'none';
    }
    let probe = this.memo?.dir === dir && this.memo.stamp === stamp ? this.memo.probe : null;
    if (!probe) {
      probe = probeManifest(dir);
      this.memo = { dir, stamp: probe.stamp, probe };
    }
    checkPackSizes(probe);
    const key = failureKey(probe, s.provider, s.variant);
    const failed = this.failures.get(key);
    if (failed) throw new RetakeError('E_ENGINE_UNAVAILABLE', failed);
    return { probe, key };
  }

  capabilities(): EngineCapabilities {
    const base = {
      id: 'editx',
      role: 'model' as const,
      name: 'Step-Audio-EditX',
      shortName: 'EditX',
      version: EDITX_ENGINE_VERSION,
      tasks: editxTaskInfo(),
      languages: LANGUAGES,
      maxInputSeconds: EDITX_MAX_INPUT_SECONDS,
    };
    const s = this.settings();
    try {
      const { probe } = this.probe(s);
      const tt = probe.manifest.components.textTokenizer;
      const profile = promptEncodingFromManifest(tt).profile;
      return {
        ...base,
        description: `${DESCRIPTION} Model pack "${probe.manifest.name}" (${profile} reference profile).`,
        // The manifest's list, else the list of the pack's model revision (packs the builder made record none).
        tags: [...(tt?.paralinguisticTags ?? paralinguisticTagsFor(tt?.modelRevision))],
        available: true,
      };
    } catch (e) {
      const reason = e instanceof RetakeError ? e.message : `The EditX model pack cannot be read (${(e as Error).message}).`;
      return { ...base, description: DESCRIPTION, tags: [], available: false, unavailableReason: reason };
    }
  }

  async edit(input: AudioData, req: EditRequest, ctx: EngineContext): Promise<EditResult> {
    const s = this.settings();
    const caps = this.capabilities();
    checkEditRequest(caps, req);
    const seconds = durationSeconds(input);
    if (seconds > EDITX_MAX_INPUT_SECONDS + 1e-6) {
      throw new RetakeError(
        'E_INPUT_TOO_LONG',
        `Step-Audio-EditX takes at most ${EDITX_MAX_INPUT_SECONDS} s per run and this ${req.task === 'clone' ? 'voice prompt' : 'audio'} lasts ${seconds.toFixed(1)} s: ` +
          `trim the clip, split it, or edit a region of at most ${EDITX_MAX_INPUT_SECONDS} s of it.`,
      );
    }
    const { probe, key } = this.probe(s);
    try {
      const pipeline = await this.pipeline(probe, key, s.provider, s.variant);
      return await pipeline.run(input, req, ctx);
    } catch (e) {
      // A pack that fails its checks (a damaged file, graphs that do not match the manifest) stays unavailable until
      // its files change; anything else (a cancel, a bad request, a failed run) does not mark it.
      if (RetakeError.is(e, 'E_ENGINE_UNAVAILABLE')) this.failures.set(key, (e as RetakeError).message);
      throw e;
    }
  }

  private pipeline(probe: PackProbe, key: string, provider: EditxProvider, variant: string): Promise<EditxPipeline> {
    if (this.active?.key === key) return this.active.pipeline;
    const cacheDir = packCacheDir(this.opts.home, probe);
    const p = (async () => {
      const pack = await loadPack(probe.dir, { verify: 'size', variants: presentVariants(probe) });
      const parts = await PackParts.open(pack, this.registry, {
        owner: `${pack.dir} (${createHash('sha256').update(key).digest('hex').slice(0, 8)}, ${provider})`,
        provider,
        variant,
        stampFile: path.join(cacheDir, 'verified.json'),
        ...(this.opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: this.opts.intraOpNumThreads } : {}),
      });
      const m = pack.manifest;
      const tt = m.components.textTokenizer;
      const rules = profileRules(promptEncodingFromManifest(tt).profile, m.components.lm!.generation, m.components.flow!.settings.bf16Prompt);
      const cache = new PromptCache({ dir: path.join(cacheDir, 'prompts') });
      return new EditxPipeline(parts, { id: m.name, hash: probe.hash, dir: pack.dir, modelRevision: tt?.modelRevision ?? null }, rules, cache, {
        maxNewIds: this.opts.maxNewIds ?? null,
      });
    })();
    this.active = { key, dir: probe.dir, pipeline: p };
    p.catch(() => {
      if (this.active?.pipeline === p) this.active = null;
    });
    return p;
  }

  /** The stages whose sessions are open now. */
  openStages(): EditxStage[] {
    return this.registry.opened();
  }

  async releasePack(dir: string): Promise<boolean> {
    const active = this.active;
    if (!active || path.resolve(active.dir) !== path.resolve(dir)) return false;
    this.active = null;
    this.memo = null;
    // An open still under way finishes first, so no session it opens outlives the release.
    await active.pipeline.catch(() => null);
    await this.registry.releaseAll();
    return true;
  }

  async dispose(): Promise<void> {
    this.active = null;
    await this.registry.releaseAll();
  }
}

/** A pack's state as far as a failed check depends on it: its manifest, its files' sizes and times, the providers. */
function failureKey(p: PackProbe, provider: EditxProvider, variant: string): string {
  const lm = p.manifest.components.lm!;
  const files = pipelineFiles(p.manifest, Object.keys(lm.variants)).map((f) => {
    try {
      const st = statSync(path.join(p.dir, f.path));
      return `${f.path}:${st.size}:${st.mtimeMs}`;
    } catch {
      return `${f.path}:-`;
    }
  });
  return `${p.dir} ${p.hash} ${provider} ${variant} ${files.join(' ')}`;
}

export function createEditxEngine(opts: EditxEngineOptions): EditxEngine {
  return new EditxEngine(opts);
}
