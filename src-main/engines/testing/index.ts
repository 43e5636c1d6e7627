// A deterministic engine for the integration tests of the engine host: predictable timing, a job that ignores cancel
// (as a blocking onnxruntime run would), a crash, an error. Registered only when RETAKE_TEST_ENGINES=1.

import { RetakeError } from '../../contract/errors';
import type { AudioData } from '../../audio/types';
import type { Engine, EngineCapabilities, EngineContext, EditRequest, TaskInfo } from '../types';

const task = (options: string[]): TaskInfo => ({ options, needsText: false, needsNewText: false, intensity: false });

const CAPS: EngineCapabilities = {
  id: 'test',
  // On the model host, as neural engines are: its `hang` task stands for a stuck onnxruntime run.
  role: 'model',
  name: 'Test engine',
  version: '1',
  description: 'Deterministic engine for automated tests; never shown to users.',
  tasks: {
    gain: task(['half']),
    // Cooperative: advances progress in 20 steps of `option` ms each and stops when aborted.
    steps: task(['10', '50', '200']),
    // Blocks its thread (as a long onnxruntime run does) and ignores cancellation.
    hang: task(['5000', '30000']),
    crash: task([]),
    fail: task([]),
  },
  languages: [],
  maxInputSeconds: null,
  available: true,
};

function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* busy: nothing else runs in this process */
  }
}

export function createTestEngine(): Engine {
  return {
    capabilities: () => CAPS,
    async edit(input: AudioData, req: EditRequest, ctx: EngineContext) {
      const scale = (k: number): AudioData => ({
        sampleRate: input.sampleRate,
        channels: input.channels.map((c) => c.map((x) => x * k)),
      });
      switch (req.task) {
        case 'gain':
          return { audio: scale(0.5) };
        case 'steps': {
          const ms = Number(req.option ?? '10');
          for (let i = 1; i <= 20; i++) {
            ctx.signal.throwIfAborted();
            await new Promise((r) => setTimeout(r, ms));
            ctx.progress(i / 20, `step ${i}`);
          }
          return { audio: scale(1) };
        }
        case 'hang':
          ctx.progress(0.1, 'blocking');
          blockFor(Number(req.option ?? '5000'));
          return { audio: scale(1) };
        case 'crash':
          ctx.progress(0.2, 'about to crash');
          await new Promise((r) => setTimeout(r, 50));
          process.exit(70);
          break;
        case 'fail':
          throw new RetakeError('E_ENGINE_FAILED', 'The test engine failed on purpose.');
        default:
          throw new RetakeError('E_UNKNOWN_TASK', `The test engine has no task ${req.task}.`);
      }
    },
  };
}
