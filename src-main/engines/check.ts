// Checking an edit request against an engine's capabilities: shared by the studio core, the CLI and the engines
// themselves, so every entry point refuses the same bad input with the same sentence.

import { RetakeError } from '../contract/errors';
import type { EditRequest, EngineCapabilities } from './types';

/**
 * Checks a request against an engine's capabilities: the task exists, the option is one of its spellings, and the
 * texts it needs are there.
 */
export function checkEditRequest(
  caps: Pick<EngineCapabilities, 'name' | 'tasks' | 'available' | 'unavailableReason'>,
  req: Omit<EditRequest, 'seed'>,
): void {
  const t = caps.tasks[req.task];
  if (!t) {
    throw new RetakeError(
      'E_UNKNOWN_TASK',
      `The ${caps.name} has no task "${req.task}". Tasks: ${Object.keys(caps.tasks).join(', ')}.`,
    );
  }
  if (t.options.length > 0) {
    if (req.option === undefined) {
      throw new RetakeError('E_UNKNOWN_OPTION', `The ${req.task} task needs an option: ${t.options.join(', ')}.`);
    }
    if (!t.options.includes(req.option)) {
      throw new RetakeError(
        'E_UNKNOWN_OPTION',
        `"${req.option}" is not an option of ${req.task}. Options: ${t.options.join(', ')}.`,
      );
    }
  } else if (req.option !== undefined && req.option !== '') {
    throw new RetakeError('E_UNKNOWN_OPTION', `The ${req.task} task takes no option (got "${req.option}").`);
  }
  if (t.needsText && !req.text?.trim()) {
    throw new RetakeError('E_TEXT_REQUIRED', `The ${req.task} task needs the transcript of the audio (text).`);
  }
  if (t.needsNewText && !req.newText?.trim()) {
    throw new RetakeError('E_TEXT_REQUIRED', `The ${req.task} task needs the new text: the transcript with tags where the sounds go, e.g. "Great[Laughter], …".`);
  }
  if (req.intensity !== undefined) {
    if (!t.intensity) throw new RetakeError('E_VALIDATION', `The ${req.task} task has no intensity setting; leave it out.`);
    if (!(req.intensity >= 0 && req.intensity <= 1)) {
      throw new RetakeError('E_VALIDATION', `Intensity must be between 0 and 1 (got ${req.intensity}).`);
    }
  }
  if (caps.available === false) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', caps.unavailableReason ?? `The ${caps.name} cannot run here.`);
  }
}

/** Refuses input longer than the engine takes in one run. */
export function checkInputLength(caps: Pick<EngineCapabilities, 'name' | 'maxInputSeconds'>, seconds: number): void {
  if (caps.maxInputSeconds !== null && seconds > caps.maxInputSeconds + 1e-6) {
    throw new RetakeError(
      'E_INPUT_TOO_LONG',
      `The ${caps.name} takes at most ${caps.maxInputSeconds} s per edit and this audio lasts ${seconds.toFixed(1)} s; trim the clip, split it, or edit a region of at most ${caps.maxInputSeconds} s of it.`,
    );
  }
}
