import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, RetakeError, methods, requireMethod, validateParams, ERROR_CODES, toErrorPayload } from '../../../src-main/contract';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof RetakeError ? e.code : 'not-a-RetakeError';
  }
}

describe('contract validation', () => {
  it('has a params and a result schema for every method', () => {
    expect(METHOD_NAMES.length).toBeGreaterThan(20);
    for (const m of METHOD_NAMES) {
      expect(methods[m].params, m).toBeDefined();
      expect(methods[m].result, m).toBeDefined();
    }
  });

  it('accepts well-formed params and applies defaults', () => {
    expect(validateParams('project.create', { dir: '/x/y' })).toEqual({ dir: '/x/y' });
    expect(validateParams('export.clip', { clipId: 3 })).toEqual({ clipId: 3, format: 'pcm24' });
    expect(validateParams('history.undo', undefined)).toEqual({});
    const job = validateParams('jobs.submit', { clipId: 1, engine: 'prosody', task: 'speed', option: 'faster', iterations: 2, seed: 7 });
    expect(job.iterations).toBe(2);
  });

  it.each([
    ['project.create', {}],
    ['project.create', { dir: '' }],
    ['project.open', { dir: 42 }],
    ['clips.move', { clipId: 0, start: 10 }],
    ['clips.move', { clipId: 1, start: -5 }],
    ['clips.move', { clipId: 1.5, start: 0 }],
    ['clips.trim', { clipId: 1, inPoint: 0 }],
    ['jobs.submit', { clipId: 1, engine: 'prosody', task: 'speed', iterations: 0 }],
    ['jobs.submit', { clipId: 1, engine: 'prosody', task: 'speed', intensity: 1.5 }],
    ['jobs.submit', { clipId: 1, engine: 'prosody', task: 'speed', seed: -1 }],
    ['jobs.submit', { clipId: 1, engine: 'prosody', task: 'speed', extra: true }],
    ['media.import', { source: { kind: 'url', url: 'http://x' } }],
    ['media.import', { source: { kind: 'upload', uploadId: '../../etc/passwd' } }],
    ['media.peaks', { hash: 'abc' }],
    ['export.clip', { clipId: 1, format: 'mp3' }],
    ['history.undo', { surprise: 1 }],
  ] as const)('rejects %s %j with E_VALIDATION', (method, params) => {
    expect(codeOf(() => validateParams(method, params))).toBe('E_VALIDATION');
  });

  it('names the offending field in a readable sentence', () => {
    try {
      validateParams('clips.move', { clipId: 1, start: -5 });
      expect.unreachable();
    } catch (e) {
      expect((e as RetakeError).message).toMatch(/^Invalid request to clips\.move: start: /);
      expect((e as RetakeError).message.endsWith('.')).toBe(true);
    }
  });

  it('rejects unknown methods', () => {
    expect(codeOf(() => requireMethod('project.destroyEverything'))).toBe('E_VALIDATION');
    expect(codeOf(() => requireMethod('__proto__'))).toBe('E_VALIDATION');
    expect(requireMethod('engines.list')).toBe('engines.list');
  });

  it('turns foreign errors into E_INTERNAL and keeps RetakeError codes', () => {
    expect(toErrorPayload(new RetakeError('E_NOT_FOUND', 'gone')).code).toBe('E_NOT_FOUND');
    expect(toErrorPayload(new TypeError('x')).code).toBe('E_INTERNAL');
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
