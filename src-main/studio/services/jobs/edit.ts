// The `edit` job kind: runs an engine on a take, iteration by iteration (each iteration edits the previous one's
// output, with seed + i), and writes each result as a pending take of the clip with its measurements and the deltas
// against its parent. `editSpec` checks a jobs.submit request (clip, take, engine capabilities) before anything is
// queued.

import { randomInt } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { RetakeError, type EngineInfo, type ParsedParams } from '../../../contract';
import { metricDeltas } from '../../../audio/analysis/deltas';
import { checkEditRequest } from '../../../engines/check';
import type { StudioContext } from '../../context';
import { toMediaFrames } from '../../mapping';
import type { JobKind } from './kinds';

export const EditSpec = z
  .object({
    /** The take edited by the first iteration. */
    inputTakeId: z.number().int().positive(),
    engine: z.string().min(1),
    task: z.string().min(1),
    option: z.string().nullable(),
    iterations: z.number().int().min(1),
    /** Iteration i runs with seed + i (mod 2^32). */
    seed: z.number().int().min(0),
    params: z.object({ text: z.string().optional(), newText: z.string().optional(), intensity: z.number().optional() }).strict(),
  })
  .strict();
export type EditSpec = z.infer<typeof EditSpec>;

/** The spec of an edit job from a jobs.submit request; refuses what the engine cannot do before a job exists. */
export async function editSpec(
  ctx: StudioContext,
  engines: () => Promise<EngineInfo[]>,
  p: ParsedParams<'jobs.submit'>,
): Promise<{ clipId: number; spec: EditSpec }> {
  const c = ctx.clipRow(p.clipId);
  const t = ctx.takeRow(p.takeId ?? c.active_take_id);
  if (t.clip_id !== c.id) throw new RetakeError('E_VALIDATION', `Take ${t.id} does not belong to ${c.name}.`);
  ctx.mediaPath(t.media_hash);
  const list = await engines();
  const caps = list.find((e) => e.id === p.engine);
  if (!caps) {
    throw new RetakeError('E_UNKNOWN_ENGINE', `There is no engine "${p.engine}". Available: ${list.map((e) => e.id).join(', ')}.`);
  }
  checkEditRequest(caps, p);
  const params: EditSpec['params'] = {
    ...(p.text !== undefined ? { text: p.text } : {}),
    ...(p.newText !== undefined ? { newText: p.newText } : {}),
    ...(p.intensity !== undefined ? { intensity: p.intensity } : {}),
  };
  return {
    clipId: c.id,
    spec: {
      inputTakeId: t.id,
      engine: p.engine,
      task: p.task,
      option: p.option ?? null,
      iterations: p.iterations ?? 1,
      seed: p.seed ?? randomInt(0, 2 ** 32),
      params,
    },
  };
}

/** An edit job always works on a clip; a row without one is damaged. */
function clipOf(clipId: number | null): number {
  if (clipId === null) throw new RetakeError('E_INTERNAL', 'An edit job in the project names no clip (its row is damaged).');
  return clipId;
}

export function editKind(ctx: StudioContext): JobKind<EditSpec> {
  return {
    name: 'edit',
    spec: EditSpec,
    describe: (s, clipId) => ({
      clipId: clipOf(clipId),
      inputTakeId: s.inputTakeId,
      engine: s.engine,
      task: s.task,
      option: s.option,
      iterations: s.iterations,
      seed: s.seed,
      params: s.params,
    }),
    label: (s, takes) => `${s.option ? `${s.task}: ${s.option}` : s.task}${s.iterations > 1 ? ` ×${takes}` : ''}`,

    async run({ id, spec: job, clipId, signal, progress, madeTake }) {
      const proj = ctx.need();
      const { repos, media } = proj;
      const clip = ctx.clipRow(clipOf(clipId));
      const input = ctx.takeRow(job.inputTakeId);
      let parent = input;
      const m = ctx.mediaRow(input.media_hash);
      const rate = ctx.rate;
      const params = job.params;
      // The first iteration edits what the clip plays (its in/out range) when the input is the active take.
      const range =
        input.id === clip.active_take_id ? { start: toMediaFrames(clip.in_point, m, rate), end: toMediaFrames(clip.out_point, m, rate) } : undefined;
      const outputs = Array.from({ length: job.iterations }, () => media.tempPath('wav'));
      const peaksOuts = outputs.map(() => media.tempPath('peaks'));
      try {
        // One host call runs every iteration (the edit loop); each written iteration becomes a pending take at once,
        // so a cancel or a crash keeps the iterations already done.
        await ctx.host.call(
          'edit',
          {
            engine: job.engine,
            request: { task: job.task, ...(job.option !== null ? { option: job.option } : {}), ...params, seed: job.seed >>> 0, iteration: 0 },
            input: ctx.mediaPath(m.hash),
            ...(range ? { range } : {}),
            outputs,
            peaksOuts,
            analyze: ctx.analyze,
          },
          {
            signal,
            onProgress: (v, stage) => progress(v, stage),
            onIteration: async ({ index: i, output, peaksOut, result: r }) => {
              const stored = await media.adoptTemp(output, 'wav');
              if (peaksOut) await fsp.rename(peaksOut, media.peaksPath(stored.hash)).catch(() => {});
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
              const parentMetrics = parent.metrics ? (JSON.parse(parent.metrics) as Record<string, unknown>) : null;
              const deltas = parentMetrics && r.metrics ? metricDeltas(parentMetrics, r.metrics) : null;
              const takeId = repos.takes.add({
                clip_id: clip.id,
                parent_id: parent.id,
                media_hash: stored.hash,
                kind: 'edit',
                name: [job.option ?? job.task, job.iterations > 1 ? `#${i + 1}` : ''].filter(Boolean).join(' '),
                engine: job.engine,
                engine_version: r.engineVersion,
                task: job.task,
                option: job.option,
                iteration: i + 1,
                seed: (job.seed + i) >>> 0,
                text_before: params.text ?? null,
                text_after: params.newText ?? params.text ?? null,
                params: JSON.stringify({ ...params, ...(r.info && Object.keys(r.info).length ? { engineInfo: r.info } : {}) }),
                metrics: r.metrics ? JSON.stringify(r.metrics) : null,
                deltas: deltas ? JSON.stringify(deltas) : null,
                job_id: id,
                // Pending until the job ends and commits its takes as one undoable step.
                state: 'pending',
              });
              madeTake(takeId);
              parent = repos.takes.get(takeId)!;
            },
          },
        );
      } finally {
        for (const f of [...outputs, ...peaksOuts]) await fsp.rm(f, { force: true });
      }
    },
  };
}
