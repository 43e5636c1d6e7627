// The host protocol's typing and role arguments. The handler table is checked by the type checker (npm test runs
// it): a handler whose result is not its call's HostResults entry, or a missing handler, does not compile.

import { describe, expect, it } from 'vitest';
import { hostRoleArg, parseHostRole } from '../../../src-main/engines/host/protocol';
import type { HostHandlers } from '../../../src-main/engines/host/worker';

describe('host protocol', () => {
  it('gives each host its role by argument or environment, and nothing else', () => {
    expect(parseHostRole([hostRoleArg('model')], {})).toBe('model');
    expect(parseHostRole(['--role=audio'], { RETAKE_HOST_ROLE: 'model' })).toBe('audio');
    expect(parseHostRole([], { RETAKE_HOST_ROLE: 'model' })).toBe('model');
    expect(parseHostRole([], {})).toBeNull();
    expect(parseHostRole(['--role=gpu'], {})).toBeNull();
  });

  it('types every handler by its result', () => {
    const exportOnly: Pick<HostHandlers, 'export'> = {
      // @ts-expect-error -- an export resolves to { bytes }, not { size }
      export: async () => ({ size: 1 }),
    };
    // @ts-expect-error -- the table needs a handler for every call type
    const missing: HostHandlers = { engines: async () => [] };
    expect(Object.keys(exportOnly)).toEqual(['export']);
    expect(Object.keys(missing)).toEqual(['engines']);
  });
});
