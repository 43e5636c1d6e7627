// The built-in DSP engine "prosody": every EditX task done with signal processing (pitch, tempo, formants, breathiness,
// spectral tilt, dynamics, RNNoise, VAD-based silence removal, synthesised non-verbal sounds). No download; honest
// about being signal processing rather than a neural re-performance.

import { RetakeError } from '../../contract/errors';
import { disposeDenoiser } from '../../audio/dsp/denoise';
import { Work } from '../../audio/dsp/work';
import { checkAudioLimits, describeLevel, firstBadSampleSteps, RANGE_SENTENCE } from '../../audio/limits';
import type { AudioData } from '../../audio/types';
import { frameCount } from '../../audio/types';
import { checkEditRequest, settingValue } from '../check';
import { DEFAULT_KEPT_PAUSE_SEC } from '../../audio/dsp/silence';
import type { EditRequest, EditResult, Engine, EngineCapabilities, EngineContext, TaskInfo } from '../types';
import { EMOTION_PRESETS, findPreset, findSpeed, scaleParams, SPEED_PRESETS, STYLE_PRESETS } from './presets';
import { TAG_NAMES } from './tags';
import {
  applyDenoise,
  applyNeutralize,
  applyParalinguistic,
  applyShape,
  applySpeed,
  applyVad,
  type StageFactory,
  type TaskOutput,
} from './tasks';

export const PROSODY_ENGINE_VERSION = '1.0.0';

const task = (options: readonly { option: string }[], extra: Partial<TaskInfo> = {}): TaskInfo => ({
  options: options.map((o) => o.option),
  needsText: false,
  needsNewText: false,
  intensity: false,
  ...extra,
});

const CAPABILITIES: EngineCapabilities = {
  id: 'prosody',
  role: 'audio',
  name: 'Built-in DSP engine',
  shortName: 'built-in',
  version: PROSODY_ENGINE_VERSION,
  description:
    'Signal processing, not a neural re-performance: it reshapes pitch, tempo, formants, voice quality, spectrum and ' +
    'loudness of the recording, removes noise and silences, and synthesises breaths, laughs and interjections from ' +
    'the speaker\'s own voice. Fast and available offline. When the delivery itself must change, install a ' +
    'Step-Audio-EditX model pack (README, "Model packs": retake pack install) and choose Step-Audio-EditX here.',
  tasks: {
    emotion: task(EMOTION_PRESETS, { intensity: true }),
    style: task(STYLE_PRESETS, { intensity: true }),
    speed: task(SPEED_PRESETS),
    paralinguistic: task([], { needsText: true, needsNewText: true }),
    denoise: task([]),
    vad: task([], {
      settings: {
        pauseSec: {
          type: 'number',
          default: DEFAULT_KEPT_PAUSE_SEC,
          min: 0.03,
          max: 2,
          unit: 's',
          description: 'Pauses longer than this are shortened to it; leading and trailing silence is removed.',
        },
        keepBreaths: {
          type: 'boolean',
          default: false,
          description: 'Keep breaths inside pauses whole instead of cutting them with the silence.',
        },
      },
    }),
  },
  // Language-independent: nothing here depends on the words.
  languages: [],
  // Memory grows in proportion to the samples: 5 min of 48 kHz stereo peaks at 0.90 GB RSS (style whisper, the
  // heaviest chain; emotion sad 0.87 GB, denoise 0.68 GB, analysis alone 0.38 GB). 600 s keeps a 48 kHz stereo run
  // near 2 GB (mono half that); a speech take re-delivered in one piece is far shorter, longer recordings are edited
  // by region.
  maxInputSeconds: 600,
  tags: TAG_NAMES,
  available: true,
};

/** Seed of one run: the request's seed mixed with the iteration index, so iterations do not repeat their noise. */
function runSeed(req: EditRequest): number {
  let h = (Math.trunc(req.seed) ^ 0x5bd1e995) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = (h + Math.imul((req.iteration ?? 0) + 1, 0x9e3779b9)) >>> 0;
  return h;
}

async function validate(input: AudioData, req: EditRequest, work: Work): Promise<void> {
  checkEditRequest(CAPABILITIES, req);
  if (!(input.sampleRate > 0) || input.channels.length === 0 || frameCount(input) === 0) {
    throw new RetakeError('E_EMPTY_AUDIO', 'The audio to edit is empty; select a region that contains sound.');
  }
  // Before any DSP: the stretcher's block size and RNNoise's 48 kHz resampling are derived from the rate.
  checkAudioLimits(input, 'edit');
  const bad = await work.run(firstBadSampleSteps(input));
  if (bad?.kind === 'nonfinite') throw new RetakeError('E_INVALID_SAMPLES', 'The audio contains invalid (NaN or infinite) samples; re-import it.');
  if (bad) throw new RetakeError('E_INVALID_SAMPLES', `The audio reaches ${describeLevel(bad.value)}; ${RANGE_SENTENCE}. Re-import it at a normal level.`);
}

async function run(input: AudioData, req: EditRequest, stage: StageFactory): Promise<TaskOutput> {
  const seed = runSeed(req);
  const base = { task: req.task, option: req.option ?? null, seed: req.seed, iteration: req.iteration ?? 0 };
  switch (req.task) {
    case 'emotion':
    case 'style': {
      const preset = findPreset(req.task, req.option!)!;
      const intensity = req.intensity ?? 0.5;
      const info = { ...base, intensity, why: preset.why };
      if (preset.kind === 'neutralize') return applyNeutralize(input, preset.params, intensity, stage, info);
      return applyShape(input, scaleParams(preset.params, intensity), seed, stage, info);
    }
    case 'speed': {
      const sp = findSpeed(req.option!)!;
      return applySpeed(input, sp.tempo, stage, { ...base, why: sp.why });
    }
    case 'denoise':
      return applyDenoise(input, stage);
    case 'vad': {
      const info = CAPABILITIES.tasks.vad!;
      return applyVad(input, { pauseSec: settingValue<number>(info, req, 'pauseSec'), keepBreaths: settingValue<boolean>(info, req, 'keepBreaths') }, stage);
    }
    case 'paralinguistic':
      return applyParalinguistic(input, req.text!, req.newText!, seed, stage);
    default:
      throw new RetakeError('E_UNKNOWN_TASK', `The built-in engine has no task "${req.task}".`);
  }
}

/** Runs one edit (validation, the task, the master stage). Pure with respect to its inputs and the seed. */
export async function prosodyEdit(input: AudioData, req: EditRequest, ctx: EngineContext): Promise<EditResult> {
  let currentStage = 'start';
  const root = new Work({ signal: ctx.signal, onProgress: (v) => ctx.progress(v, currentStage) });
  const stage: StageFactory = (name, from, to) => {
    currentStage = name;
    return root.sub(from, to);
  };
  try {
    await validate(input, req, root.sub(0, 0));
    ctx.signal.throwIfAborted();
    const out = await run(input, req, stage);
    ctx.signal.throwIfAborted();
    ctx.progress(1, 'done');
    return { audio: out.audio, info: { engine: 'prosody', version: PROSODY_ENGINE_VERSION, ...out.info } };
  } catch (e) {
    if (ctx.signal.aborted && !RetakeError.is(e, 'E_CANCELLED')) {
      throw new RetakeError('E_CANCELLED', 'The edit was cancelled.');
    }
    throw e;
  }
}

export function createProsodyEngine(): Engine {
  return {
    capabilities: () => structuredClone(CAPABILITIES),
    edit: prosodyEdit,
    // The VAD session belongs to the analysis module (shared with take metrics) and stays.
    dispose: () => disposeDenoiser(),
  };
}

export { EMOTION_PRESETS, STYLE_PRESETS, SPEED_PRESETS } from './presets';
export { TAG_NAMES, TAG_RECIPES } from './tags';
