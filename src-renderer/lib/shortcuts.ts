// Keyboard shortcuts: one table for the handler and the help overlay.

export type ShortcutAction =
  | 'playPause'
  | 'undo'
  | 'redo'
  | 'toggleAB'
  | 'deleteClip'
  | 'cancelJob'
  | 'toggleHelp'
  | 'closeOverlay';

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
    return ctx.inEditPanel ? 'cancelJob' : null;
  }
  if (ctx.editingText) return null;
  if (mod && !e.altKey) {
    if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !e.shiftKey) return 'redo';
    return null;
  }
  if (e.altKey || mod) return null;
  if (e.key === '?') return 'toggleHelp';
  if (ctx.overlayOpen) return null;
  if (key === ' ') return ctx.onButton ? null : 'playPause';
  if (key === 'b' && !e.shiftKey) return 'toggleAB';
  if (key === 'Delete' || key === 'Backspace') return 'deleteClip';
  return null;
}

export function modKeyName(platform: string): string {
  return /mac|darwin/i.test(platform) ? '⌘' : 'Ctrl';
}

export function shortcutList(platform: string): { keys: string[]; what: string }[] {
  const mod = modKeyName(platform);
  return [
    { keys: ['Space'], what: 'Play / pause the selected clip' },
    { keys: ['B'], what: 'A/B: switch between the take and its source' },
    { keys: [mod, 'Z'], what: 'Undo' },
    { keys: [mod, 'Shift', 'Z'], what: 'Redo' },
    { keys: [mod, 'Y'], what: 'Redo' },
    { keys: ['Delete'], what: 'Remove the selected clip' },
    { keys: ['Esc'], what: 'Cancel the running job (in the edit panel)' },
    { keys: ['?'], what: 'Show or hide this help' },
  ];
}
