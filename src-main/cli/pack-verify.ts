// `retake pack verify DIR|NAME [--json]`: checks every file of a pack (a folder, or an installed pack by name)
// against its sha256 and opens its text tokenizer; exits 1 naming the first problem. Quantized LM variants whose
// quality gate was not measured (built without an fp32 reference) are named on a "note:" line each (in --json: notes).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RetakeError } from '../contract/errors';
import { modelsDir, verifyInstalled, verifyPackFolder } from '../engines/editx/pack/installed';
import type { PackManifest } from '../engines/editx/pack/manifest';
import { variantQualityNote } from '../engines/editx/pack/quality';
import { home, isPath, progressPrinter } from './pack-common';
import { defineCommand, UsageError } from './table';

export const packVerifyCommand = defineCommand({
  name: 'pack verify',
  args: 'DIR|NAME',
  options: { json: { type: 'boolean', usage: '[--json]' }, quiet: { type: 'boolean' } },
  async run({ values, positionals, out }) {
    const [arg] = positionals;
    if (!arg || positionals.length > 1) throw new UsageError('pack verify needs one pack folder or installed pack name.');
    const progress = progressPrinter(values.quiet);
    if (isPath(arg) || !existsSync(join(modelsDir(home()), arg))) {
      const dir = resolve(arg);
      if (!existsSync(dir)) throw new RetakeError('E_FILE_NOT_FOUND', `There is no pack folder ${dir} and no installed pack named "${arg}".`);
      const m = await verifyPackFolder(dir, { onProgress: progress });
      const notes = qualityNotes(m);
      if (values.json) out(JSON.stringify({ dir, name: m.name, ok: true, notes }));
      else out([`ok: ${dir} (${m.name}): every file matches its sha256`, ...notes.map((n) => `note: ${n}`)].join('\n'));
      return;
    }
    const p = await verifyInstalled(home(), arg, { onProgress: progress });
    const notes = (p.lm?.variants ?? []).flatMap((v) => (v.note ? [v.note] : []));
    if (values.json) out(JSON.stringify({ name: p.name, dir: p.dir, ok: p.status === 'ready', reason: p.reason, notes }));
    if (p.status !== 'ready') throw new RetakeError('E_MODEL_INVALID', `${p.name} is unusable: ${p.reason}`);
    if (!values.json) out([`ok: ${p.name} (${p.dir}): every file matches its sha256`, ...notes.map((n) => `note: ${n}`)].join('\n'));
  },
});

function qualityNotes(m: PackManifest): string[] {
  return Object.entries(m.components.lm?.variants ?? {}).flatMap(([name, v]) => {
    const note = variantQualityNote(name, v);
    return note ? [note] : [];
  });
}
