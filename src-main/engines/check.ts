// Checking an edit request against an engine's capabilities: shared by the studio core, the CLI and the engines
// themselves, so every entry point refuses the same bad input with the same sentence.

import { RetakeError } from '../contract/errors';
import type { EditRequest, EngineCapabilities, TaskSetting } from './types';

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
  checkSettings(req.task, t.settings ?? {}, req.settings);
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

/** Each given setting must be declared by the task and of its type, numbers inside their bounds. */
function checkSettings(task: string, declared: Record<string, TaskSetting>, given: EditRequest['settings']): void {
  for (const [name, value] of Object.entries(given ?? {})) {
    const d = declared[name];
    const known = Object.keys(declared);
    if (!d) {
      throw new RetakeError(
        'E_VALIDATION',
        `The ${task} task has no setting "${name}"${known.length > 0 ? `; its settings: ${known.join(', ')}` : ''}.`,
      );
    }
    if (d.type === 'boolean') {
      if (typeof value !== 'boolean') throw new RetakeError('E_VALIDATION', `The ${task} setting "${name}" is on or off (true or false), not ${JSON.stringify(value)}.`);
    } else if (typeof value !== 'number' || !(value >= d.min && value <= d.max)) {
      throw new RetakeError('E_VALIDATION', `The ${task} setting "${name}" must be a number from ${d.min} to ${d.max} ${d.unit} (got ${JSON.stringify(value)}).`);
    }
  }
}

/** The value of setting `name` for a request: the given one, else the declared default. */
export function settingValue<T extends number | boolean>(info: { settings?: Record<string, TaskSetting> }, req: Pick<EditRequest, 'settings'>, name: string): T {
  const d = info.settings?.[name];
  if (!d) throw new RetakeError('E_INTERNAL', `Unexpected error: the setting "${name}" is not declared. Please report this.`);
  return (req.settings?.[name] ?? d.default) as T;
}
