// `retake pack build --from DIR [--variant fp16|fp32|int8|int4|int4-b32,…] --out DIR`: builds a model pack from published files (a download
// of stepfun-ai/Step-Audio-EditX, or the folder holding it) through the graph templates, without Python.
// --template names template folders instead of the catalogue's (tests and new parts); --model-revision overrides
// the release date the catalogue gives the weights (it picks the prompt profile).

import { join, resolve } from 'node:path';
import { RetakeError } from '../contract/errors';
import { buildPack } from '../engines/editx/pack/build';
import { defaultVariantsOf, loadCatalogue, recognise, templatesFor, templatesRoot } from '../engines/editx/pack/catalogue';
import { gb, parseTemplates, parseVariants, progressPrinter } from './pack-common';
import { defineCommand, UsageError } from './table';

export const packBuildCommand = defineCommand({
  name: 'pack build',
  options: {
    from: { type: 'string', usage: '--from DIR' },
    out: { type: 'string', short: 'o', usage: '--out DIR' },
    variant: { type: 'string', usage: '[--variant fp16|fp32|int8|int4|int4-b32[,…]]' },
    name: { type: 'string', usage: '[--name NAME]' },
    'model-revision': { type: 'string', usage: '[--model-revision YYYY-MM-DD]' },
    template: { type: 'string', usage: '[--template DIR]' },
    json: { type: 'boolean', usage: '[--json]' },
    quiet: { type: 'boolean' },
  },
  async run({ values, out }) {
    if (!values.from || !values.out) throw new UsageError('pack build needs --from DIR and --out DIR.');
    let variants = parseVariants(values.variant);
    let templates = parseTemplates(values.template);
    let from = resolve(values.from);
    let model: string | undefined;
    let modelRevision: string | null = values['model-revision'] ?? null;
    if (!templates) {
      const catalogue = await loadCatalogue();
      const found = await recognise(catalogue, from);
      if (!found) {
        throw new RetakeError('E_MODEL_INVALID', `${from} holds no published model files Retake knows (${catalogue.models.map((m) => m.source.repo).join(', ')}).`);
      }
      from = found.root;
      model = found.model.id;
      modelRevision ??= found.model.modelRevision ?? null;
      variants ??= defaultVariantsOf(found.model);
      templates = templatesFor(found.model, variants).map((id) => join(templatesRoot(), id));
    }
    const progress = progressPrinter(values.quiet);
    const r = await buildPack({
      from,
      templates,
      out: resolve(values.out),
      ...(variants ? { variants } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(model ? { model } : {}),
      modelRevision,
      onProgress: (p) => progress({ stage: p.stage, fraction: p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0 }),
    });
    const variantsBuilt = r.manifest.origin?.variants ?? [];
    if (values.json) out(JSON.stringify({ dir: r.dir, name: r.manifest.name, variants: variantsBuilt, bytes: r.bytes, weights: r.weights, seconds: r.seconds }));
    else out(`built ${r.dir}: ${r.manifest.name} (${variantsBuilt.join(', ')}), ${r.weights} weights, ${gb(r.bytes)} in ${r.seconds.toFixed(1)} s`);
  },
});
