// The engines this build offers, created lazily inside whichever process runs them (the engine host, or the CLI).

import { RetakeError } from '../contract/errors';
import type { Engine, EngineCapabilities, EditRequest } from './types';
import { createProsodyEngine } from './prosody';
import { createTestEngine } from './testing';

type Factory = () => Engine;

export class EngineRegistry {
  private readonly factories = new Map<string, Factory>();
  private readonly instances = new Map<string, Engine>();

  constructor(opts: { testEngines?: boolean } = {}) {
    this.factories.set('prosody', createProsodyEngine);
    if (opts.testEngines) this.factories.set('test', createTestEngine);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): EngineRegistry {
    return new EngineRegistry({ testEngines: env.RETAKE_TEST_ENGINES === '1' });
  }

  ids(): string[] {
    return [...this.factories.keys()];
  }

  get(id: string): Engine {
    let e = this.instances.get(id);
    if (e) return e;
    const f = this.factories.get(id);
    if (!f) {
      throw new RetakeError('E_UNKNOWN_ENGINE', `There is no engine "${id}". Available: ${this.ids().join(', ')}.`);
    }
    e = f();
    this.instances.set(id, e);
    return e;
  }

  capabilities(): EngineCapabilities[] {
    return this.ids().map((id) => this.get(id).capabilities());
  }

  async dispose(): Promise<void> {
    for (const e of this.instances.values()) await e.dispose?.();
    this.instances.clear();
  }
}

/**
 * Checks a request against an engine's capabilities: the task exists, the option is one of its spellings, and the
 * texts it needs are there. Used by the core before a job is queued and by the CLI, so bad input fails early.
 */
export function checkEditRequest(caps: EngineCapabilities, req: Omit<EditRequest, 'seed'>): void {
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
    throw new RetakeError('E_TEXT_REQUIRED', `The ${req.task} task needs the new text (with its tags).`);
  }
  if (req.intensity !== undefined && !(req.intensity >= 0 && req.intensity <= 1)) {
    throw new RetakeError('E_VALIDATION', `Intensity must be between 0 and 1 (got ${req.intensity}).`);
  }
  if (caps.available === false) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', caps.unavailableReason ?? `The ${caps.name} cannot run here.`);
  }
}
