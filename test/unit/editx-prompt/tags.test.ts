// The paralinguistic tag lists per model revision: the engine's table (engines/editx/tasks.ts) is the exporter's
// (tools/export/retake_export/text/paralinguistic_tags.json) entry for entry, and a revision picks the newest entry
// that applies to it — the same rule as the exporter's component.paralinguistic_tags, so a pack that records no list
// (the TypeScript pack builder writes none) offers what an exported pack of the same weights would.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARALINGUISTIC_TAG_REVISIONS, PARALINGUISTIC_TAGS, paralinguisticTagsFor } from '../../../src-main/engines/editx/tasks';
import { repoRoot } from '../../helpers/studio';

const exporterTable = () =>
  JSON.parse(readFileSync(path.join(repoRoot, 'tools/export/retake_export/text/paralinguistic_tags.json'), 'utf8')) as {
    revisions: { from: string | null; tags: string[] }[];
  };

describe('paralinguistic tags by model revision', () => {
  it('are the exporter\'s table', () => {
    expect(PARALINGUISTIC_TAG_REVISIONS.map((r) => ({ from: r.from, tags: [...r.tags] }))).toEqual(
      exporterTable().revisions.map((r) => ({ from: r.from, tags: r.tags })),
    );
  });

  it('give the first list without a revision or before 2026-01-29, the 22 tags of the 2026 weights from then on', () => {
    const first = paralinguisticTagsFor(null);
    expect(first).toHaveLength(10);
    expect(paralinguisticTagsFor(undefined)).toEqual(first);
    expect(paralinguisticTagsFor('2025-11-20')).toEqual(first);
    expect(paralinguisticTagsFor('2026-01-28')).toEqual(first);
    const tags2026 = paralinguisticTagsFor('2026-01-29');
    expect(tags2026).toHaveLength(22);
    expect(tags2026).toContain('clears throat');
    expect(tags2026).toContain('Question-oh');
    expect(tags2026).not.toContain('Laughter');
    expect(paralinguisticTagsFor('2026-04-01')).toEqual(tags2026);
    // The bracketed first list, as prompts and the built-in engine's help write it.
    expect(PARALINGUISTIC_TAGS).toEqual(first.map((t) => `[${t}]`));
  });
});
