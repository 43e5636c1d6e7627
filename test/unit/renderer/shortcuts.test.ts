import { describe, expect, it } from 'vitest';
import { shortcutFor, shortcutList, type KeyContext, type KeyInput } from '../../../src-renderer/lib/shortcuts';

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});
const ctx = (c: Partial<KeyContext> = {}): KeyContext => ({
  editingText: false,
  onButton: false,
  inEditPanel: false,
  overlayOpen: false,
  ...c,
});

describe('keyboard shortcuts', () => {
  it('maps the documented keys', () => {
    expect(shortcutFor(key(' '), ctx())).toBe('playPause');
    expect(shortcutFor(key('z', { ctrlKey: true }), ctx())).toBe('undo');
    expect(shortcutFor(key('z', { metaKey: true }), ctx())).toBe('undo');
    expect(shortcutFor(key('Z', { ctrlKey: true, shiftKey: true }), ctx())).toBe('redo');
    expect(shortcutFor(key('y', { ctrlKey: true }), ctx())).toBe('redo');
    expect(shortcutFor(key('b'), ctx())).toBe('toggleAB');
    expect(shortcutFor(key('B'), ctx())).toBe('toggleAB');
    expect(shortcutFor(key('Delete'), ctx())).toBe('deleteClip');
    expect(shortcutFor(key('Backspace'), ctx())).toBe('deleteClip');
    expect(shortcutFor(key('?', { shiftKey: true }), ctx())).toBe('toggleHelp');
  });

  it('leaves keys to text fields and Space to buttons', () => {
    expect(shortcutFor(key(' '), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key('z', { ctrlKey: true }), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key('b'), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key('Delete'), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key(' '), ctx({ onButton: true }))).toBeNull();
    expect(shortcutFor(key('b'), ctx({ onButton: true }))).toBe('toggleAB');
  });

  it('cancels the job with Escape only in the edit panel, and closes the overlay first', () => {
    expect(shortcutFor(key('Escape'), ctx())).toBeNull();
    expect(shortcutFor(key('Escape'), ctx({ inEditPanel: true }))).toBe('cancelJob');
    expect(shortcutFor(key('Escape'), ctx({ inEditPanel: true, editingText: true }))).toBe('cancelJob');
    expect(shortcutFor(key('Escape'), ctx({ inEditPanel: true, overlayOpen: true }))).toBe('closeOverlay');
    expect(shortcutFor(key('b'), ctx({ overlayOpen: true }))).toBeNull();
  });

  it('ignores other modifier combinations', () => {
    expect(shortcutFor(key('z', { ctrlKey: true, altKey: true }), ctx())).toBeNull();
    expect(shortcutFor(key('b', { ctrlKey: true }), ctx())).toBeNull();
    expect(shortcutFor(key('b', { altKey: true }), ctx())).toBeNull();
  });

  it('documents every action in the help list with the platform modifier', () => {
    expect(shortcutList('darwin').some((r) => r.keys.join('+') === '⌘+Shift+Z')).toBe(true);
    expect(shortcutList('linux').some((r) => r.keys.join('+') === 'Ctrl+Z')).toBe(true);
  });
});
