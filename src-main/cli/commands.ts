// The `retake` commands: one line each. Usage text, parsing and dispatch are derived from this table (./table.ts); a
// new command (e.g. `debug tokens` in ./debug-tokens.ts) exports `defineCommand({...})` and is added here.

import { analyzeCommand } from './analyze';
import { cloneCommand } from './clone';
import { debugDecodeCommand } from './debug-decode';
import { debugFeaturesCommand } from './debug-features';
import { debugLmCommand } from './debug-lm';
import { debugPromptCommand } from './debug-prompt';
import { debugTokensCommand } from './debug-tokens';
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
  cloneCommand,
  infoCommand,
  analyzeCommand,
  packBuildCommand,
  packInstallCommand,
  packListCommand,
  packVerifyCommand,
  packRemoveCommand,
  debugPromptCommand,
  debugFeaturesCommand,
  debugTokensCommand,
  debugDecodeCommand,
  debugLmCommand,
];
