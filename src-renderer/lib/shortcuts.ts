// Keyboard shortcuts: one table for the handler and the help overlay (every action the handler knows is listed).

import { t, type MessageKey } from './i18n.svelte';

export type ShortcutAction =
  | 'playStop'
  | 'auditionPlayPause'
  | 'undo'
  | 'redo'
  | 'toggleAB'
  | 'deleteClip'
  | 'cancelJob'
  | 'toggleHelp'
  | 'closeOverlay'
  | 'split'
  | 'splitAtMouse'
  | 'nudgeLeft'
  | 'nudgeRight'
  | 'nudgeLeftCoarse'
  | 'nudgeRightCoarse'
  | 'copy'
  | 'cut'
  | 'paste'
  | 'duplicate'
  | 'selectAll'
  | 'clearSelection'
  | 'zoomIn'
  | 'zoomOut'
  | 'zoomFit'
  | 'zoomSelection'
  | 'toggleSnap'
  | 'toggleLoop'
  | 'toggleFollow'
  | 'goStart'
  | 'goEnd'
  | 'addTrack'
  | 'import';

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface KeyContext {
  /** Focus is in a text field, text area or select: keys belong to it. */
  editingText: boolean;
  /** Focus is on a button-like control: Space activates it. */
  onButton: boolean;
  /** Focus is on a slider: the arrows, Home and End move it. */
  onSlider?: boolean;
  /** Focus is inside the edit panel (Escape cancels the running job there). */
  inEditPanel: boolean;
  /** A dialog (the help overlay) is open. */
  overlayOpen: boolean;
}

export function shortcutFor(e: KeyInput, ctx: KeyContext): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === 'Escape') {
    if (ctx.overlayOpen) return 'closeOverlay';
    if (ctx.inEditPanel) return 'cancelJob';
    return ctx.editingText ? null : 'clearSelection';
  }
  if (ctx.editingText) return null;
  if (mod && !e.altKey) {
    if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !e.shiftKey) return 'redo';
    if (e.shiftKey) return null;
    if (key === 'c') return 'copy';
    if (key === 'x') return 'cut';
    if (key === 'v') return 'paste';
    if (key === 'd') return 'duplicate';
    if (key === 'a') return 'selectAll';
    if (key === 't') return 'addTrack';
    if (key === 'i') return 'import';
    return null;
  }
  if (e.altKey || mod) return null;
  if (e.key === '?') return 'toggleHelp';
  if (ctx.overlayOpen) return null;
  if (key === ' ') {
    if (ctx.onButton && !e.shiftKey) return null;
    return e.shiftKey ? 'auditionPlayPause' : 'playStop';
  }
  if (ctx.onSlider && ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(key)) return null;
  if (key === 'ArrowLeft') return e.shiftKey ? 'nudgeLeftCoarse' : 'nudgeLeft';
  if (key === 'ArrowRight') return e.shiftKey ? 'nudgeRightCoarse' : 'nudgeRight';
  if (key === 'Home') return 'goStart';
  if (key === 'End') return 'goEnd';
  if (key === 'Delete' || key === 'Backspace') return 'deleteClip';
  if (e.key === '+' || e.key === '=') return 'zoomIn';
  if (e.key === '-' || e.key === '_') return 'zoomOut';
  if (e.shiftKey) return key === 's' ? 'splitAtMouse' : null;
  switch (key) {
    case 'b':
      return 'toggleAB';
    case 's':
      return 'split';
    case 'f':
      return 'zoomFit';
    case 'z':
      return 'zoomSelection';
    case 'n':
      return 'toggleSnap';
    case 'l':
      return 'toggleLoop';
    case 'p':
      return 'toggleFollow';
    default:
      return null;
  }
}

export function modKeyName(platform: string): string {
  return /mac|darwin/i.test(platform) ? '⌘' : 'Ctrl';
}

export interface ShortcutRow {
  keys: string[];
  what: string;
  /** The help overlay's section. */
  group: 'transport' | 'edit' | 'view' | 'general';
}

/** Every shortcut, as the help overlay lists it (keys written for the platform). */
export function shortcutList(platform: string): ShortcutRow[] {
  const mod = modKeyName(platform);
  const row = (group: ShortcutRow['group'], keys: string[], what: MessageKey): ShortcutRow => ({ keys, what: t(what), group });
  return [
    row('transport', ['Space'], 'keys.playStop'),
    row('transport', ['Shift', 'Space'], 'keys.auditionPlayPause'),
    row('transport', ['B'], 'keys.toggleAB'),
    row('transport', ['L'], 'keys.toggleLoop'),
    row('transport', ['P'], 'keys.toggleFollow'),
    row('transport', ['Home'], 'keys.goStart'),
    row('transport', ['End'], 'keys.goEnd'),
    row('edit', ['S'], 'keys.split'),
    row('edit', ['Shift', 'S'], 'keys.splitAtMouse'),
    row('edit', ['←', '→'], 'keys.nudge'),
    row('edit', ['Shift', '← →'], 'keys.nudgeCoarse'),
    row('edit', ['Delete'], 'keys.deleteClip'),
    row('edit', [mod, 'C'], 'keys.copy'),
    row('edit', [mod, 'X'], 'keys.cut'),
    row('edit', [mod, 'V'], 'keys.paste'),
    row('edit', [mod, 'D'], 'keys.duplicate'),
    row('edit', [mod, 'A'], 'keys.selectAll'),
    row('edit', [mod, 'Z'], 'keys.undo'),
    row('edit', [mod, 'Shift', 'Z'], 'keys.redo'),
    row('edit', [mod, 'Y'], 'keys.redo'),
    row('edit', ['Esc'], 'keys.escape'),
    row('view', ['+', '−'], 'keys.zoom'),
    row('view', [mod, 'wheel'], 'keys.zoomWheel'),
    row('view', ['Shift', 'wheel'], 'keys.scrollWheel'),
    row('view', ['F'], 'keys.zoomFit'),
    row('view', ['Z'], 'keys.zoomSelection'),
    row('view', ['N'], 'keys.toggleSnap'),
    row('view', ['Shift'], 'keys.bypassSnap'),
    row('general', [mod, 'I'], 'keys.import'),
    row('general', [mod, 'T'], 'keys.addTrack'),
    row('general', ['?'], 'keys.help'),
  ];
}
