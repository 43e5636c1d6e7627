// `retake pack install DIR [--name NAME] [--variant fp16|fp32|int8|int4|int4-b32]`: installs a pack into RETAKE_HOME/models/<name>/ —
// a ready pack is copied with every sha256 checked; a folder of published files is built through the templates.

import { installPack } from '../engines/editx/pack/installed';
import { gb, home, parseTemplates, parseVariants, progressPrinter } from './pack-common';
import { defineCommand, UsageError } from './table';

export const packInstallCommand = defineCommand({
  name: 'pack install',
  args: 'DIR',
  options: {
    name: { type: 'string', usage: '[--name NAME]' },
    variant: { type: 'string', usage: '[--variant fp16|fp32|int8|int4|int4-b32[,…]]' },
    'model-revision': { type: 'string', usage: '[--model-revision YYYY-MM-DD]' },
    template: { type: 'string', usage: '[--template DIR]' },
    json: { type: 'boolean', usage: '[--json]' },
    quiet: { type: 'boolean' },
  },
  async run({ values, positionals, out }) {
    const [from] = positionals;
    if (!from || positionals.length > 1) throw new UsageError('pack install needs one folder.');
    const variants = parseVariants(values.variant);
    const templates = parseTemplates(values.template);
    const progress = progressPrinter(values.quiet);
    const r = await installPack(home(), {
      from,
      ...(values.name ? { name: values.name } : {}),
      ...(variants ? { variants } : {}),
      ...(values['model-revision'] ? { modelRevision: values['model-revision'] } : {}),
      ...(templates ? { templates } : {}),
      onProgress: progress,
    });
    if (values.json) out(JSON.stringify({ ...r.pack, how: r.how }));
    else out(`installed ${r.pack.name} in ${r.pack.dir} (${r.how}, ${gb(r.pack.bytes)})`);
  },
});
