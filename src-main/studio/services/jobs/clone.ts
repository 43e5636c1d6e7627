// The `clone` job kind: an engine that offers the `clone` task (EditX) speaks a new line in the voice of a take (the
// prompt: its clip's in/out range when it is the active take). The job is shown on the prompt's clip, which it reads;
// when the engine's output is written it lands as a new clip — its source take records the engine, pack, seed, the
// prompt's transcript and the new line — in one undoable step. A cancelled or failed job leaves nothing behind.

import { randomInt } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { RetakeError, type EngineInfo, type ParsedParams } from '../../../contract';
import { checkEditRequest } from '../../../engines/check';
import type { StudioContext } from '../../context';
import { toMediaFrames } from '../../mapping';
import type { TimelineService } from '../timeline';
import type { JobKind } from './kinds';

export const CloneSpec = z
  .object({
    /** The take whose voice is cloned. */
    promptTakeId: z.number().int().positive(),
    engine: z.string().min(1),
    seed: z.number().int().min(0),
    /** What the prompt says. */
    promptText: z.string().min(1),
    /** The new line. */
    text: z.string().min(1),
    /** Where the new clip goes (null: the prompt's track, at its end). */
    trackId: z.number().int().positive().nullable(),
    start: z.number().int().nonnegative().nullable(),
  })
  .strict();
export type CloneSpec = z.infer<typeof CloneSpec>;

/** The spec of a clone job from a clone.submit request; refuses what the engine cannot do before a job exists. */
export async function cloneSpec(
  ctx: StudioContext,
  engines: () => Promise<EngineInfo[]>,
  p: ParsedParams<'clone.submit'>,
): Promise<{ clipId: number; spec: CloneSpec }> {
  const t = ctx.takeRow(p.promptTakeId);
  const c = ctx.clipRow(t.clip_id);
  ctx.mediaPath(t.media_hash);
  if (p.trackId !== undefined) ctx.trackRow(p.trackId);
  const list = await engines();
  const caps = list.find((e) => e.id === p.engine);
  if (!caps) {
    throw new RetakeError('E_UNKNOWN_ENGINE', `There is no engine "${p.engine}". Available: ${list.map((e) => e.id).join(', ')}.`);
  }
  if (!caps.tasks.clone) {
    throw new RetakeError('E_UNKNOWN_TASK', `The ${caps.name} cannot clone a voice; use Step-Audio-EditX (install a model pack first).`);
  }
  checkEditRequest(caps, { task: 'clone', text: p.promptText, newText: p.text });
  return {
    clipId: c.id,
    spec: {
      promptTakeId: t.id,
      engine: p.engine,
      seed: p.seed ?? randomInt(0, 2 ** 32),
      promptText: p.promptText.trim(),
      text: p.text.trim(),
      trackId: p.trackId ?? null,
      start: p.start ?? null,
    },
  };
}

/** A short quote of the new line for names and labels. */
function quote(text: string, max = 32): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

export function cloneKind(ctx: StudioContext, timeline: TimelineService): JobKind<CloneSpec> {
  return {
    name: 'clone',
    spec: CloneSpec,
    describe: (s, clipId) => {
      if (clipId === null) throw new RetakeError('E_INTERNAL', 'A clone job in the project names no prompt clip (its row is damaged).');
      return {
        kind: 'clone' as const,
        clipId,
        inputTakeId: s.promptTakeId,
        engine: s.engine,
        task: 'clone',
        option: null,
        iterations: 1 as const,
        seed: s.seed,
        params: { promptText: s.promptText, text: s.text },
      };
    },
    label: (s) => `Clone: ${quote(s.text)}`,

    async run({ id, spec: job, clipId, signal, progress, results }) {
      const proj = ctx.need();
      const { repos, media } = proj;
      const prompt = ctx.takeRow(job.promptTakeId);
      const clip = ctx.clipRow(clipId ?? prompt.clip_id);
      const m = ctx.mediaRow(prompt.media_hash);
      const rate = ctx.rate;
      const range =
        prompt.id === clip.active_take_id
          ? { start: toMediaFrames(clip.in_point, m, rate), end: toMediaFrames(clip.out_point, m, rate) }
          : undefined;
      const output = media.tempPath('wav');
      const peaksOut = media.tempPath('peaks');
      try {
        const r = await ctx.host.call(
          'edit',
          {
            engine: job.engine,
            request: { task: 'clone', text: job.promptText, newText: job.text, seed: job.seed >>> 0, iteration: 0 },
            input: ctx.mediaPath(m.hash),
            ...(range ? { range } : {}),
            output,
            peaksOut,
            analyze: ctx.analyze,
          },
          { signal, onProgress: (v, stage) => progress(v, stage) },
        );
        signal.throwIfAborted();
        const stored = await media.adoptTemp(output, 'wav');
        await fsp.rename(peaksOut, media.peaksPath(stored.hash)).catch(() => {});
        const info = r.info ?? {};
        const name = `Clone: ${quote(job.text)}`;
        const clipId = proj.history.record(name, (rec) => {
          repos.media.add({
            hash: stored.hash,
            ext: 'wav',
            format: 'wav',
            sample_rate: r.sampleRate,
            channels: r.channels,
            frames: r.frames,
            bytes: stored.bytes,
            original_name: null,
          });
          return timeline.place(rec, {
            hash: stored.hash,
            name,
            clipName: name,
            trackId: job.trackId ?? clip.track_id,
            start: job.start ?? undefined,
            metrics: r.metrics,
            take: {
              name: 'Clone',
              engine: job.engine,
              engine_version: r.engineVersion,
              pack_hash: typeof info.packHash === 'string' ? info.packHash : null,
              task: 'clone',
              option: null,
              iteration: 1,
              seed: job.seed,
              text_before: job.promptText,
              text_after: job.text,
              params: JSON.stringify({ promptTakeId: job.promptTakeId, promptText: job.promptText, text: job.text, engineInfo: info }),
              job_id: id,
            },
          });
        });
        results([repos.clips.get(clipId)!.active_take_id]);
        ctx.changed(clipId);
      } finally {
        await fsp.rm(output, { force: true });
        await fsp.rm(peaksOut, { force: true });
      }
    },
  };
}
