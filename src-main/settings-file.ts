// RETAKE_HOME and its settings.json, shared by the studio (recent projects, the execution provider setting) and the
// engine hosts (which read the execution provider when they open model sessions). The file is read tolerantly (a
// missing or damaged file is empty settings) and written atomically, keeping keys this version does not know.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { retakeHome } from './paths';

export { retakeHome };

export function settingsPath(home: string): string {
  return path.join(home, 'settings.json');
}

export function readSettingsFile(home: string): Record<string, unknown> {
  try {
    const data = JSON.parse(readFileSync(settingsPath(home), 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function updateSettingsFile(home: string, update: (s: Record<string, unknown>) => void): Record<string, unknown> {
  const s = readSettingsFile(home);
  update(s);
  mkdirSync(home, { recursive: true });
  const tmp = `${settingsPath(home)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2));
  renameSync(tmp, settingsPath(home));
  return s;
}

export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'cuda', 'directml', 'coreml'] as const;
export type ExecutionProviderSetting = (typeof EXECUTION_PROVIDERS)[number];

/**
 * The execution provider the user chose in Settings. Default 'cpu': until the user picks another, nothing tries a
 * GPU provider (on a machine without one, every model session would otherwise first fail to start CUDA).
 */
export function readProviderSetting(home: string): ExecutionProviderSetting {
  const v = readSettingsFile(home).executionProvider;
  return typeof v === 'string' && (EXECUTION_PROVIDERS as readonly string[]).includes(v) ? (v as ExecutionProviderSetting) : 'cpu';
}
