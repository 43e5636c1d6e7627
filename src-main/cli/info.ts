// `retake info [--json]`: the engines this build offers, each task with its options and what it needs.

import { EngineRegistry } from '../engines/registry';
import { defineCommand } from './table';

export const infoCommand = defineCommand({
  name: 'info',
  options: { json: { type: 'boolean', usage: '[--json]' } },
  async run({ values, out }) {
    const registry = EngineRegistry.fromEnv();
    try {
      const engines = registry.capabilities().map((c) => ({
        id: c.id,
        name: c.name,
        version: c.version,
        available: c.available,
        ...(c.unavailableReason ? { unavailableReason: c.unavailableReason } : {}),
        description: c.description,
        tasks: Object.fromEntries(Object.entries(c.tasks).map(([t, info]) => [t, info.options])),
        needs: Object.fromEntries(
          Object.entries(c.tasks)
            .filter(([, i]) => i.needsText || i.needsNewText)
            .map(([t, i]) => [t, [...(i.needsText ? ['text'] : []), ...(i.needsNewText ? ['newText'] : [])]]),
        ),
        maxInputSeconds: c.maxInputSeconds,
      }));
      if (values.json) out(JSON.stringify({ engines }));
      else {
        for (const e of engines) {
          out(`${e.id} — ${e.name} ${e.version}${e.available ? '' : ` (unavailable: ${e.unavailableReason ?? 'unknown'})`}`);
          out(`  ${e.description}`);
          for (const [t, opts] of Object.entries(e.tasks)) out(`  ${t}${opts.length ? `: ${opts.join(', ')}` : ''}`);
        }
      }
    } finally {
      await registry.dispose();
    }
  },
});
