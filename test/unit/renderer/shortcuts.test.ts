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
    expect(shortcutFor(key(' '), ctx())).toBe('playStop');
    expect(shortcutFor(key(' ', { shiftKey: true }), ctx())).toBe('auditionPlayPause');
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

  it('maps the timeline editing keys', () => {
    expect(shortcutFor(key('s'), ctx())).toBe('split');
    expect(shortcutFor(key('S', { shiftKey: true }), ctx())).toBe('splitAtMouse');
    expect(shortcutFor(key('ArrowLeft'), ctx())).toBe('nudgeLeft');
    expect(shortcutFor(key('ArrowRight', { shiftKey: true }), ctx())).toBe('nudgeRightCoarse');
    expect(shortcutFor(key('c', { ctrlKey: true }), ctx())).toBe('copy');
    expect(shortcutFor(key('x', { metaKey: true }), ctx())).toBe('cut');
    expect(shortcutFor(key('v', { ctrlKey: true }), ctx())).toBe('paste');
    expect(shortcutFor(key('d', { ctrlKey: true }), ctx())).toBe('duplicate');
    expect(shortcutFor(key('a', { ctrlKey: true }), ctx())).toBe('selectAll');
    expect(shortcutFor(key('+'), ctx())).toBe('zoomIn');
    expect(shortcutFor(key('='), ctx())).toBe('zoomIn');
    expect(shortcutFor(key('-'), ctx())).toBe('zoomOut');
    expect(shortcutFor(key('f'), ctx())).toBe('zoomFit');
    expect(shortcutFor(key('z'), ctx())).toBe('zoomSelection');
    expect(shortcutFor(key('n'), ctx())).toBe('toggleSnap');
    expect(shortcutFor(key('l'), ctx())).toBe('toggleLoop');
    expect(shortcutFor(key('p'), ctx())).toBe('toggleFollow');
    expect(shortcutFor(key('Home'), ctx())).toBe('goStart');
    expect(shortcutFor(key('End'), ctx())).toBe('goEnd');
    expect(shortcutFor(key('t', { ctrlKey: true }), ctx())).toBe('addTrack');
    expect(shortcutFor(key('i', { ctrlKey: true }), ctx())).toBe('import');
    // A focused slider keeps its arrows.
    expect(shortcutFor(key('ArrowLeft'), ctx({ onSlider: true }))).toBeNull();
  });

  it('leaves keys to text fields and Space to buttons', () => {
    expect(shortcutFor(key(' '), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key('z', { ctrlKey: true }), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key('b'), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key('Delete'), ctx({ editingText: true }))).toBeNull();
    expect(shortcutFor(key(' '), ctx({ onButton: true }))).toBeNull();
    expect(shortcutFor(key('b'), ctx({ onButton: true }))).toBe('toggleAB');
  });

  it('cancels the job with Escape in the edit panel, closes the overlay first, and else clears the selection', () => {
    expect(shortcutFor(key('Escape'), ctx())).toBe('clearSelection');
    expect(shortcutFor(key('Escape'), ctx({ editingText: true }))).toBeNull();
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

  it('documents the actions in the help list with the platform modifier', () => {
    expect(shortcutList('darwin').some((r) => r.keys.join('+') === '⌘+Shift+Z')).toBe(true);
    expect(shortcutList('linux').some((r) => r.keys.join('+') === 'Ctrl+Z')).toBe(true);
    // Every key the handler knows has a row: each action is reached by the keys its row lists.
    const rows = shortcutList('linux').map((r) => r.keys.join('+'));
    for (const keys of ['Space', 'Shift+Space', 'B', 'L', 'P', 'S', 'Shift+S', 'Delete', 'Ctrl+C', 'Ctrl+X', 'Ctrl+V', 'Ctrl+D', 'Ctrl+A', 'F', 'Z', 'N', 'Home', 'End', 'Ctrl+T', 'Ctrl+I', '?', 'Esc']) {
      expect(rows).toContain(keys);
    }
  });
});
