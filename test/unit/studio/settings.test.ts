import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Settings } from '../../../src-main/studio/home';
import { tempDir } from '../../helpers/tmp';

describe('settings.json', () => {
  it('keeps the LM variant choice in editx.variant, "auto" by default, beside the recent projects and other keys', () => {
    const home = tempDir('retake-settings-');
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ recent: [], editx: { pack: 'mine', provider: 'cpu' } }));
    const s = new Settings(home);
    expect(s.lmVariant()).toBe('auto');
    s.addRecent('/p/one', 'one');
    s.setLmVariant('int4');
    expect(new Settings(home).lmVariant()).toBe('int4');
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).editx).toEqual({ pack: 'mine', provider: 'cpu', variant: 'int4' });
    expect(new Settings(home).recent().map((r) => r.name)).toEqual(['one']);
    s.setLmVariant('auto');
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).editx).toEqual({ pack: 'mine', provider: 'cpu' });
    expect(s.lmVariant()).toBe('auto');
    expect(() => s.setLmVariant('../int4')).toThrow(/not an LM variant name/);
  });

  it('reads a damaged value as "auto"', () => {
    const home = tempDir('retake-settings-');
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ recent: [], editx: { variant: { bits: 4 } } }));
    expect(new Settings(home).lmVariant()).toBe('auto');
  });
});
