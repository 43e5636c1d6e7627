// The `retake` commands: one line each. Usage text, parsing and dispatch are derived from this table (./table.ts); a
// new command (e.g. `debug tokens` in ./debug-tokens.ts) exports `defineCommand({...})` and is added here.

import { analyzeCommand } from './analyze';
import { debugFeaturesCommand } from './debug-features';
import { debugPromptCommand } from './debug-prompt';
import { editCommand } from './edit';
import { infoCommand } from './info';
import { packBuildCommand } from './pack-build';
import { packInstallCommand } from './pack-install';
import { packListCommand } from './pack-list';
import { packRemoveCommand } from './pack-remove';
import { packVerifyCommand } from './pack-verify';
import type { Command } from './table';

export const COMMANDS: readonly Command[] = [
  editCommand,
  infoCommand,
  analyzeCommand,
  packBuildCommand,
  packInstallCommand,
  packListCommand,
  packVerifyCommand,
  packRemoveCommand,
  debugPromptCommand,
  debugFeaturesCommand,
];
