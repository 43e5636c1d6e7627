// `retake pack remove NAME`: deletes an installed pack (and any interrupted install of it).

import { removePack } from '../engines/editx/pack/installed';
import { home } from './pack-common';
import { defineCommand, UsageError } from './table';

export const packRemoveCommand = defineCommand({
  name: 'pack remove',
  args: 'NAME',
  options: {},
  async run({ positionals, out }) {
    const [name] = positionals;
    if (!name || positionals.length > 1) throw new UsageError('pack remove needs one installed pack name.');
    await removePack(home(), name);
    out(`removed ${name}`);
  },
});
