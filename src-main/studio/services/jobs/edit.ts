// The `edit` job kind: runs an engine on a take — a region of it or the whole clip — iteration by iteration (each
// iteration edits the previous one's output, with seed + i), and writes each result as a pending take of the WHOLE clip
// with its measurements, its deltas against its parent, and what it changed (TakeChange: spans, length change, fit
// ratio, the region measured before and after). `resolveEdit` turns a jobs.submit / edits.plan request into what the
// job will do (clip, take, range, length mode, text) and refuses what the engine cannot do before a job exists.

import { randomInt } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import {
  RetakeError,
  type EditPlan,
  type EngineInfo,
  type LengthMode,
  type ParsedParams,
  type SampleRange,
  type TakeChange,
  type TextSource,
} from '../../../contract';
import type { Segment } from '../../../audio/analysis/common';
import { metricDeltas } from '../../../audio/analysis/deltas';
import { CROSSFADE_SEC, planWindows, windowInput } from '../../../audio/splice';
import { checkEditRequest } from '../../../engines/check';
import type { RegionReport } from '../../../engines/types';
import { parseJson, type ClipRow, type MediaRow, type TakeRow } from '../../../store/rows';
import type { StudioContext } from '../../context';
import { lengthInProject, toMediaFrames, toProjectSamples } from '../../mapping';
import { SpeechClock, textInRange } from '../../transcript';
import type { JobKind } from './kinds';

const Range = z.object({ start: z.number().int(), end: z.number().int() }).strict();
const Mode = z.enum(['fit', 'ripple', 'free']);

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
    /** What the user selected (take samples of the input take); null for a whole-clip edit. */
    requested: Range.nullable().default(null),
    /** What is edited: the selection, or the clip's played range (whole-clip edit); null in jobs from before region
     * edits (the whole take). */
    range: Range.nullable().default(null),
    lengthMode: Mode.default('free'),
    textSource: z.enum(['request', 'transcript', 'transcript-speech-time']).nullable().default(null),
    /** Take names say what changed: "happy ×0.7", then " #i" when there are several iterations, then the engine's
     * label: "happy ×0.7 #2 (built-in)". */
    name: z.string().nullable().default(null),
    engineLabel: z.string().nullable().default(null),
  })
  .strict();
export type EditSpec = z.infer<typeof EditSpec>;

type EditRequestParams = ParsedParams<'edits.plan'> & Partial<Pick<ParsedParams<'jobs.submit'>, 'option' | 'text' | 'newText' | 'intensity'>>;

/** What an edit request resolves to: the rows it works on, its range, mode and text. */
interface Resolved {
  clip: ClipRow;
  take: TakeRow;
  media: MediaRow;
  caps: EngineInfo;
  requested: SampleRange | null;
  range: SampleRange;
  lengthMode: LengthMode;
  speech: Segment[] | null;
  /** The approximate span and windows (from the stored VAD segments, without the audio). */
  span: SampleRange;
  windows: SampleRange[];
  text: string | null;
  textSource: TextSource | null;
}

function segmentsOf(metrics: Record<string, unknown> | null): Segment[] | null {
  const v = metrics?.segments;
  if (!Array.isArray(v)) return null;
  return v.filter((g): g is Segment => !!g && typeof g.start === 'number' && typeof g.end === 'number');
}

/** Resolves what an edit request works on and checks it against the engine (no job is made). */
async function resolveEdit(ctx: StudioContext, engines: () => Promise<EngineInfo[]>, p: EditRequestParams): Promise<Resolved> {
  const c = ctx.clipRow(p.clipId);
  const t = ctx.takeRow(p.takeId ?? c.active_take_id);
  if (t.clip_id !== c.id) throw new RetakeError('E_VALIDATION', `Take ${t.id} does not belong to ${c.name}.`);
  ctx.mediaPath(t.media_hash);
  const m = ctx.mediaRow(t.media_hash);
  const list = await engines();
  const caps = list.find((e) => e.id === p.engine);
  if (!caps) {
    throw new RetakeError('E_UNKNOWN_ENGINE', `There is no engine "${p.engine}". Available: ${list.map((e) => e.id).join(', ')}.`);
  }
  const rate = ctx.rate;
  const takeLen = lengthInProject(m, rate);
  const requested = p.range ?? null;
  if (requested && requested.end > takeLen) {
    throw new RetakeError('E_VALIDATION', `The region ends at sample ${requested.end}, after the end of the take (${takeLen} samples).`);
  }
  const range = requested ?? (t.id === c.active_take_id ? { start: c.in_point, end: c.out_point } : { start: 0, end: takeLen });
  const settings = ctx.projectInfo().settings;
  let lengthMode = p.lengthMode ?? (requested ? settings.regionLengthMode : settings.clipLengthMode);
  if (p.task === 'speed') {
    if (p.lengthMode === 'fit') {
      throw new RetakeError('E_VALIDATION', 'A speed edit changes the length on purpose, so it cannot be fitted back: choose "ripple" or "free".');
    }
    if (lengthMode === 'fit') lengthMode = 'free';
  }
  const metrics = parseJson<Record<string, unknown> | null>(t.metrics, null);
  const speech = segmentsOf(metrics);
  // The span and windows as the host will plan them, less the move of each cut to the quietest spot of its pause.
  const plan = planWindows({
    frames: m.frames,
    sampleRate: m.sample_rate,
    range: { start: toMediaFrames(range.start, m, rate), end: toMediaFrames(range.end, m, rate) },
    widen: requested !== null,
    speech,
    maxFrames: caps.maxInputSeconds === null ? null : Math.floor(caps.maxInputSeconds * m.sample_rate),
    fade: Math.max(1, Math.round(CROSSFADE_SEC * m.sample_rate)),
  });
  const toP = (f: number) => toProjectSamples(f, m, rate);
  const span = { start: toP(plan.cuts[0]!), end: toP(plan.cuts[plan.cuts.length - 1]!) };
  const windows = plan.cuts.slice(0, -1).map((_, j) => {
    const w = windowInput(plan, j);
    return { start: toP(w.start), end: toP(w.end) };
  });
  let text: string | null = null;
  let textSource: TextSource | null = null;
  if (p.text !== undefined) {
    text = p.text;
    textSource = 'request';
  } else if (c.transcript?.trim()) {
    if (requested) {
      // The transcript covers what the clip plays: the words are spread over the played range of the active take.
      const played = t.id === c.active_take_id ? { start: c.in_point / rate, end: c.out_point / rate } : { start: 0, end: takeLen / rate };
      const clock = new SpeechClock(speech, m.frames / m.sample_rate, played.start, played.end);
      text = textInRange(c.transcript, clock, span.start / rate, span.end / rate);
      textSource = 'transcript-speech-time';
    } else {
      text = c.transcript;
      textSource = 'transcript';
    }
  }
  return { clip: c, take: t, media: m, caps, requested, range, lengthMode, speech, span, windows, text, textSource };
}

/** "happy ×0.7": what changed, for take names (the iteration and the engine's label are added per take). */
export function takeNameBase(task: string, option: string | null, newText: string | undefined, intensity: number | undefined): string {
  let what = option ?? task;
  if (task === 'paralinguistic' && newText) {
    const tags = [...new Set([...newText.matchAll(/\[([^\][]+)\]/g)].map((m) => `[${m[1]}]`))];
    if (tags.length > 0) what = tags.join(' ');
  }
  const scale = intensity === undefined ? '' : ` ×${Math.round(intensity * 100) / 100}`;
  return `${what}${scale}`;
}

/** A take's name: "happy ×0.7 #2 (built-in)". */
export function takeName(spec: Pick<EditSpec, 'name' | 'engineLabel' | 'option' | 'task' | 'iterations'>, index: number): string {
  const parts = [spec.name ?? spec.option ?? spec.task];
  if (spec.iterations > 1) parts.push(`#${index + 1}`);
  if (spec.engineLabel) parts.push(`(${spec.engineLabel})`);
  return parts.join(' ');
}

/** The spec of an edit job from a jobs.submit request; refuses what the engine cannot do before a job exists. */
export async function editSpec(
  ctx: StudioContext,
  engines: () => Promise<EngineInfo[]>,
  p: ParsedParams<'jobs.submit'>,
): Promise<{ clipId: number; spec: EditSpec }> {
  const r = await resolveEdit(ctx, engines, p);
  const request = { ...p, ...(r.text !== null && p.text === undefined && r.caps.tasks[p.task]?.needsText ? { text: r.text } : {}) };
  try {
    checkEditRequest(r.caps, request);
  } catch (e) {
    if (RetakeError.is(e, 'E_TEXT_REQUIRED') && request.text === undefined && r.caps.tasks[p.task]?.needsText) {
      throw new RetakeError(
        'E_TEXT_REQUIRED',
        `The ${p.task} task needs the words of the audio: give the text, or set ${r.clip.name}'s transcript (or import a script).`,
      );
    }
    throw e;
  }
  const params: EditSpec['params'] = {
    ...(request.text !== undefined ? { text: request.text } : {}),
    ...(p.newText !== undefined ? { newText: p.newText } : {}),
    ...(p.intensity !== undefined ? { intensity: p.intensity } : {}),
  };
  return {
    clipId: r.clip.id,
    spec: {
      inputTakeId: r.take.id,
      engine: p.engine,
      task: p.task,
      option: p.option ?? null,
      iterations: p.iterations ?? 1,
      seed: p.seed ?? randomInt(0, 2 ** 32),
      params,
      requested: r.requested,
      range: r.range,
      lengthMode: r.lengthMode,
      textSource: request.text !== undefined ? (p.text !== undefined ? 'request' : r.textSource) : null,
      name: takeNameBase(p.task, p.option ?? null, p.newText, p.intensity),
      engineLabel: r.caps.shortName,
    },
  };
}

/** edits.plan: what an edit would work on, without running it. */
export async function editPlan(ctx: StudioContext, engines: () => Promise<EngineInfo[]>, p: ParsedParams<'edits.plan'>): Promise<EditPlan> {
  const r = await resolveEdit(ctx, engines, p);
  const task = r.caps.tasks[p.task];
  if (!task) throw new RetakeError('E_UNKNOWN_TASK', `The ${r.caps.name} has no task "${p.task}". Tasks: ${Object.keys(r.caps.tasks).join(', ')}.`);
  let note: string | null = null;
  if ((task.needsText || task.needsNewText) && r.windows.length > 1) {
    note = `A ${p.task} edit follows the text, so it runs as one window: select at most ${r.caps.maxInputSeconds} s.`;
  } else if (r.windows.length > 1) {
    note = `Longer than the engine takes at once (${r.caps.maxInputSeconds} s): edited as ${r.windows.length} windows joined at pauses.`;
  }
  return {
    requested: r.requested,
    span: r.span,
    windows: r.windows,
    pausesKnown: r.speech !== null,
    lengthMode: r.lengthMode,
    text: r.text,
    textSource: r.textSource,
    note,
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
      kind: 'edit',
      clipId: clipOf(clipId),
      inputTakeId: s.inputTakeId,
      engine: s.engine,
      task: s.task,
      option: s.option,
      iterations: s.iterations,
      seed: s.seed,
      params: s.params,
      range: s.requested,
      lengthMode: s.lengthMode,
    }),
    label: (s, takes) => `${s.option ? `${s.task}: ${s.option}` : s.task}${s.iterations > 1 ? ` ×${takes}` : ''}`,
    commit: (s) => ({ ripple: s.lengthMode === 'ripple' }),

    async run({ id, spec: job, clipId, signal, progress, madeTake }) {
      const proj = ctx.need();
      const { repos, media } = proj;
      const clip = ctx.clipRow(clipOf(clipId));
      const input = ctx.takeRow(job.inputTakeId);
      let parent = input;
      const m = ctx.mediaRow(input.media_hash);
      const rate = ctx.rate;
      const params = job.params;
      const inputMetrics = parseJson<Record<string, unknown> | null>(input.metrics, null);
      const range = job.range ?? { start: 0, end: lengthInProject(m, rate) };
      const outputs = Array.from({ length: job.iterations }, () => media.tempPath('wav'));
      const peaksOuts = outputs.map(() => media.tempPath('peaks'));
      let requested: SampleRange | null = job.requested;
      try {
        // One host call runs every iteration (the edit loop); each written iteration becomes a pending take at once,
        // so a cancel or a crash keeps the iterations already done.
        await ctx.host.call(
          'edit',
          {
            engine: job.engine,
            request: { task: job.task, ...(job.option !== null ? { option: job.option } : {}), ...params, seed: job.seed >>> 0, iteration: 0 },
            input: ctx.mediaPath(m.hash),
            region: {
              range: { start: toMediaFrames(range.start, m, rate), end: toMediaFrames(range.end, m, rate) },
              widen: job.requested !== null,
              speech: segmentsOf(inputMetrics),
              lengthMode: job.lengthMode,
              parentMetrics: inputMetrics,
            },
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
              const parentMetrics = parseJson<Record<string, unknown> | null>(parent.metrics, null);
              const deltas = parentMetrics && r.metrics ? metricDeltas(parentMetrics, r.metrics) : null;
              const change = r.region ? changeOf(r, parent, requested, job, ctx) : null;
              const takeId = repos.takes.add({
                clip_id: clip.id,
                parent_id: parent.id,
                media_hash: stored.hash,
                kind: 'edit',
                name: takeName(job, i),
                engine: job.engine,
                engine_version: r.engineVersion,
                pack_hash: typeof r.info?.packHash === 'string' ? r.info.packHash : null,
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
                change: change ? JSON.stringify(change) : null,
                // Pending until the job ends and commits its takes as one undoable step.
                state: 'pending',
              });
              madeTake(takeId);
              parent = repos.takes.get(takeId)!;
              // The next iteration edits the same span, where it now is.
              if (change && requested) requested = { start: change.spans[0]!.start, end: change.spans[0]!.end };
            },
          },
        );
      } finally {
        for (const f of [...outputs, ...peaksOuts]) await fsp.rm(f, { force: true });
      }
    },
  };
}

/** The contract's TakeChange of one written iteration (frames of the host's report → project samples). */
function changeOf(
  r: { sampleRate: number; frames: number; region?: RegionReport },
  parent: TakeRow,
  requested: SampleRange | null,
  job: EditSpec,
  ctx: StudioContext,
): TakeChange {
  const rate = ctx.rate;
  const reg = r.region!;
  const toP = (f: number) => Math.round((f * rate) / r.sampleRate);
  const parentLen = lengthInProject(ctx.mediaRow(parent.media_hash), rate);
  const ownLen = lengthInProject({ frames: r.frames, sample_rate: r.sampleRate }, rate);
  return {
    spans: [{ start: toP(reg.span.start), end: toP(reg.span.end), parentStart: toP(reg.span.parentStart), parentEnd: toP(reg.span.parentEnd) }],
    requested,
    cuts: reg.cuts.slice(1, -1).map(toP),
    windows: reg.windows,
    lengthMode: job.lengthMode,
    lengthChange: ownLen - parentLen,
    editedLengthChange: toP(reg.editedChange),
    fitRatio: reg.fitRatio,
    before: reg.before,
    after: reg.after,
    deltas: reg.before && reg.after ? (metricDeltas(reg.before, reg.after) as unknown as Record<string, unknown>) : null,
    text: job.params.text ?? null,
    textSource: job.textSource,
    measured: reg.measured,
  };
}
