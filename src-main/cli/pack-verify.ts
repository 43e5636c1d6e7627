// `retake pack verify DIR|NAME [--json]`: checks every file of a pack (a folder, or an installed pack by name)
// against its sha256 and opens its text tokenizer; exits 1 naming the first problem.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RetakeError } from '../contract/errors';
import { modelsDir, verifyInstalled, verifyPackFolder } from '../engines/editx/pack/installed';
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
      if (values.json) out(JSON.stringify({ dir, name: m.name, ok: true }));
      else out(`ok: ${dir} (${m.name}): every file matches its sha256`);
      return;
    }
    const p = await verifyInstalled(home(), arg, { onProgress: progress });
    if (values.json) out(JSON.stringify({ name: p.name, dir: p.dir, ok: p.status === 'ready', reason: p.reason }));
    if (p.status !== 'ready') throw new RetakeError('E_MODEL_INVALID', `${p.name} is unusable: ${p.reason}`);
    if (!values.json) out(`ok: ${p.name} (${p.dir}): every file matches its sha256`);
  },
});
