// Input that belongs to the whole window: keyboard shortcuts (one table in shortcuts.ts, dispatched to the commands
// the composition root hands in), files dragged in from the desktop (the overlay, the lane under the pointer, and
// where a drop lands), and the shortcuts overlay that lists them. Where a drop goes is told by the lane it falls on,
// through the event itself, never read back from the DOM.

import { Disposables } from './disposables';
import type { ImportLocation } from './import-export.svelte';
import { modKeyName, shortcutFor, type ShortcutAction } from './shortcuts';

/** What each shortcut does; the overlay's own keys (toggleHelp, closeOverlay) are handled here. */
export type Commands = Record<Exclude<ShortcutAction, 'toggleHelp' | 'closeOverlay'>, () => void>;

export interface InputDeps {
  commands: Commands;
  /** Whether a drop would be imported (a project is open). */
  canDrop: () => boolean;
  drop: (files: File[], where: ImportLocation) => void;
  /** A modal dialog has the keyboard (its own keys only). */
  modal?: () => boolean;
}

// Input types that are buttons rather than text: Space activates them and shortcuts stay on.
const BUTTON_INPUTS = ['button', 'checkbox', 'radio', 'range', 'file', 'submit', 'reset'];

// Focus that arrives this soon after a pointer press came from the pointer (a click), not from the keyboard.
const POINTER_FOCUS_MS = 600;

const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');

export class InputController {
  readonly platform: string;
  /** "Ctrl" or "⌘", as shortcuts are written for this platform. */
  readonly modKey: string;
  helpOpen = $state(false);
  /** Files are being dragged over the window. */
  dragActive = $state(false);
  /** The track lane a drag is over. */
  dropTrackId = $state<number | null>(null);
  private readonly deps: InputDeps;
  private readonly owner = new Disposables();
  private readonly placed = new WeakMap<Event, ImportLocation>();
  private dragDepth = 0;
  /** Elements that got focus from a click (Space is then the transport's, not theirs). */
  private readonly clickFocused = new WeakSet<EventTarget>();
  private lastPointerDown = -Infinity;
  private spaceTaken = false;
  private editPanel: HTMLElement | null = null;

  constructor(platform: string, deps: InputDeps) {
    this.platform = platform;
    this.modKey = modKeyName(platform);
    this.deps = deps;
  }

  /** Starts listening on the window. */
  start(win: Window = window): void {
    this.owner.listen(win, 'keydown', (e) => this.onKey(e));
    // A focused button acts on Space's release: when the press was a shortcut, the release is not the button's.
    this.owner.listen(win, 'keyup', (e) => {
      if (e.key === ' ' && this.spaceTaken) {
        this.spaceTaken = false;
        e.preventDefault();
      }
    });
    this.owner.listen(win, 'pointerdown', () => (this.lastPointerDown = performance.now()), { capture: true });
    this.owner.listen(
      win,
      'focusin',
      (e) => {
        if (!e.target) return;
        if (performance.now() - this.lastPointerDown < POINTER_FOCUS_MS) this.clickFocused.add(e.target);
        else this.clickFocused.delete(e.target);
      },
      { capture: true },
    );
    this.owner.listen(win, 'dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.dragDepth++;
      this.dragActive = true;
    });
    this.owner.listen(win, 'dragover', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = this.deps.canDrop() ? 'copy' : 'none';
    });
    this.owner.listen(win, 'dragleave', (e) => {
      if (!hasFiles(e)) return;
      this.dragDepth = Math.max(0, this.dragDepth - 1);
      if (this.dragDepth > 0) return;
      this.dragActive = false;
      this.dropTrackId = null;
    });
    this.owner.listen(win, 'drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.dragDepth = 0;
      this.dragActive = false;
      this.dropTrackId = null;
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      this.deps.drop(files, this.deps.canDrop() ? (this.placed.get(e) ?? {}) : {});
    });
  }

  /** A drop target (a track lane) says where this drop goes; called from its own handler, before the window's. */
  placeDrop(e: DragEvent, where: ImportLocation): void {
    this.placed.set(e, where);
    this.dropTrackId = null;
  }

  /** The lane a drag is over (null: none), for its highlight. */
  hoverLane(trackId: number | null): void {
    this.dropTrackId = trackId;
  }

  /** Attachment for the edit panel: Escape inside it cancels the selected clip's job. */
  readonly editPanelScope = (node: HTMLElement): (() => void) => {
    this.editPanel = node;
    return () => {
      if (this.editPanel === node) this.editPanel = null;
    };
  };

  openHelp(): void {
    this.helpOpen = true;
  }

  toggleHelp(): void {
    this.helpOpen = !this.helpOpen;
  }

  closeHelp(): void {
    this.helpOpen = false;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.isComposing || this.deps.modal?.()) return;
    const el = (typeof document === 'undefined' ? null : document.activeElement) as HTMLElement | null;
    const tag = el?.tagName ?? '';
    const type = el instanceof HTMLInputElement ? el.type : '';
    const textLike =
      tag === 'TEXTAREA' || tag === 'SELECT' || !!el?.isContentEditable || (tag === 'INPUT' && !BUTTON_INPUTS.includes(type));
    const action = shortcutFor(e, {
      editingText: textLike,
      // Space activates a control reached with the keyboard; after a mouse click on one (no focus ring), Space is the
      // transport's, as in every editor.
      onButton:
        (tag === 'BUTTON' || tag === 'A' || el?.getAttribute('role') === 'button' || (tag === 'INPUT' && !textLike)) &&
        !(el && this.clickFocused.has(el)),
      onSlider: type === 'range' || el?.getAttribute('role') === 'slider',
      inEditPanel: !!el && !!this.editPanel?.contains(el),
      overlayOpen: this.helpOpen,
    });
    if (!action) return;
    e.preventDefault();
    if (e.key === ' ') this.spaceTaken = true;
    if (action === 'toggleHelp') this.toggleHelp();
    else if (action === 'closeOverlay') this.closeHelp();
    else this.deps.commands[action]();
  }

  dispose(): void {
    this.owner.dispose();
  }
}
