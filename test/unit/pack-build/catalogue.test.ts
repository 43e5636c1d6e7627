// The catalogue that ships with the app (models/catalogue.json) against the graph templates beside it: every template
// a model names exists and loads, offers the variant it is named for, and reads as many tensors from the published
// checkpoint as the catalogue (and EDITX-SPEC.md) says the model has.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../../src-main/engines/editx/pack/build';
import { loadCatalogue } from '../../../src-main/engines/editx/pack/catalogue';

const MODELS = join(import.meta.dirname, '..', '..', '..', 'models');

describe('the shipped catalogue and templates', () => {
  it('names templates that exist, offer their variant and read the published tensor counts', async () => {
    const cat = await loadCatalogue(join(MODELS, 'catalogue.json'));
    const seen = new Set<string>();
    for (const m of cat.models) {
      for (const part of Object.values(m.parts)) {
        for (const [variant, id] of Object.entries(part.templates)) {
          const t = await loadTemplate(join(MODELS, 'templates', id));
          expect(t.set.id).toBe(id);
          const variants = Object.keys(t.set.variants);
          // A template without variants (HiFT: one float32 graph set) serves every variant.
          if (variants.length > 0) expect(variants).toContain(variant);
          for (const [src, s] of Object.entries(t.set.sources)) {
            if ('tensors' in s && typeof s.tensors === 'number') {
              // The EditX model's own entry counts its own repository's tensors; vq02 is the tokenizer model's.
              const owner = cat.models.find((o) => o.tensors[src] !== undefined);
              expect(owner?.tensors[src], `catalogue tensors.${src}`).toBe(s.tensors);
              seen.add(src);
            }
          }
        }
      }
    }
    // EDITX-SPEC.md §4-§6: 291 LM, 652 vq02, 605 flow and 246 HiFT tensors.
    expect([...seen].sort()).toEqual(['flow', 'hift', 'lm', 'vq02']);
    expect(cat.models.find((m) => m.id === 'step-audio-editx')!.tensors).toEqual({ lm: 291, flow: 605, hift: 246 });
  });
});
