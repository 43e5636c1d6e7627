// `retake pack list [--json]`: the installed packs with their size, status and, for one that cannot be used, why.

import { listPacks } from '../engines/editx/pack/installed';
import { gb, home } from './pack-common';
import { defineCommand } from './table';

export const packListCommand = defineCommand({
  name: 'pack list',
  options: { json: { type: 'boolean', usage: '[--json]' } },
  async run({ values, out }) {
    const packs = await listPacks(home());
    if (values.json) {
      out(JSON.stringify({ packs }));
      return;
    }
    if (packs.length === 0) out('no model packs installed');
    for (const p of packs) {
      out(`${p.name}  ${gb(p.bytes)}  ${p.status}${p.variants.length ? `  ${p.variants.join(', ')}` : ''}`);
      if (p.reason) out(`  ${p.reason.split('\n').join('\n  ')}`);
    }
  },
});
