// URL path rules shared by both shells: malformed escapes are bad requests; exports only by a plain, finished name.
import { describe, expect, it } from 'vitest';
import { decodeSegment, exportName } from '../../../src-main/shells/common/url-paths';

describe('URL paths', () => {
  it('decodes escapes and reports malformed ones as null', () => {
    expect(decodeSegment('a%20b')).toBe('a b');
    expect(decodeSegment('caf%C3%A9')).toBe('café');
    for (const bad of ['%', '%z', '%zz', '%E9', '%C3', 'a%2']) expect(decodeSegment(bad), bad).toBeNull();
  });

  it('serves only plain export names: 400 for a bad escape, 404 for paths, hidden and partial files', () => {
    expect(exportName('mix%201.wav')).toEqual({ name: 'mix 1.wav' });
    expect(exportName('mix.wav.json')).toEqual({ name: 'mix.wav.json' });
    expect(exportName('partial.wav')).toEqual({ name: 'partial.wav' });
    expect(exportName('%zz')).toEqual({ status: 400 });
    for (const n of ['', '..%2Fsecret', '%2Fetc%2Fpasswd', '.hidden', '..', 'mix.wav.part', 'mix.json.part', 'MIX.WAV.PART', '.part', 'a%00b']) {
      expect(exportName(n), n).toEqual({ status: 404 });
    }
  });
});
