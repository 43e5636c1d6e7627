// What the window remembers between sessions (in localStorage): the panels' sizes and the theme (owned here), and
// whatever other controllers register (the language, the timeline's unit, snapping and following, and per project
// the zoom, scroll and track heights). Saving is a comparison on a slow timer and when the page goes away, so no
// action has to remember to save.

import { Disposables } from './disposables';

export type Theme = 'system' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

/** The part of Storage used (localStorage in the page, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface Entry {
  key: () => string | null;
  read: () => unknown;
  restore: (value: Record<string, unknown>) => void;
  saved: string | null;
  /** The key the state in memory belongs to (what was restored last): saves go there. */
  loadedKey: string | null;
}

const PREFIX = 'retake.';
// Panels: the takes dock under the timeline and the inspector at the right.
export const DOCK = { min: 160, max: 640, initial: 300 };
export const INSPECTOR = { min: 300, max: 560, initial: 360 };
// A change is written within this long (and at once when the page is hidden or closed).
const SAVE_EVERY_MS = 2000;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export class LayoutController {
  dockPx = $state(DOCK.initial);
  inspectorPx = $state(INSPECTOR.initial);
  theme = $state<Theme>('system');
  /** The system asks for a dark look (prefers-color-scheme), followed while the theme is 'system'. */
  systemDark = $state(true);
  /** The theme in effect. */
  effectiveTheme: 'light' | 'dark' = $derived(this.theme === 'system' ? (this.systemDark ? 'dark' : 'light') : this.theme);
  private readonly store: KeyValueStore | null;
  private readonly entries: Entry[] = [];
  private readonly owner = new Disposables();

  constructor(store: KeyValueStore | null) {
    this.store = store;
    this.register(
      () => 'layout',
      () => ({ dockPx: this.dockPx, inspectorPx: this.inspectorPx, theme: this.theme }),
      (v) => {
        if (typeof v.dockPx === 'number') this.dockPx = clamp(v.dockPx, DOCK.min, DOCK.max);
        if (typeof v.inspectorPx === 'number') this.inspectorPx = clamp(v.inspectorPx, INSPECTOR.min, INSPECTOR.max);
        if (v.theme === 'light' || v.theme === 'dark' || v.theme === 'system') this.theme = v.theme;
      },
    );
  }

  /**
   * Remembers what `read` returns under `key()` (null: nothing to remember now) and gives it back to `restore` now
   * and when `reload()` finds the key changed (a key that names the project changes with it).
   */
  register(key: () => string | null, read: () => unknown, restore: (value: Record<string, unknown>) => void): void {
    const entry: Entry = { key, read, restore, saved: null, loadedKey: null };
    this.entries.push(entry);
    this.load(entry);
  }

  private load(e: Entry): void {
    const k = e.key();
    e.loadedKey = k;
    e.saved = null;
    if (k === null || !this.store) return;
    let text: string | null = null;
    try {
      text = this.store.getItem(PREFIX + k);
    } catch {
      // storage unavailable (private mode): nothing remembered
    }
    e.saved = text;
    if (!text) return;
    try {
      const v = JSON.parse(text) as unknown;
      if (v && typeof v === 'object') e.restore(v as Record<string, unknown>);
    } catch {
      // a damaged entry is ignored and overwritten on the next save
    }
  }

  /**
   * Restores the entries whose key changed (another project was opened). Call flush() before the old state is reset,
   * so it is kept under the old key.
   */
  reload(): void {
    for (const e of this.entries) if (e.key() !== e.loadedKey) this.load(e);
  }

  /** Writes every entry that changed since it was last written, under the key its state belongs to. */
  flush(): void {
    if (!this.store) return;
    for (const e of this.entries) {
      const k = e.loadedKey;
      if (k === null) continue;
      const text = JSON.stringify(e.read());
      if (text === e.saved) continue;
      try {
        this.store.setItem(PREFIX + k, text);
        e.saved = text;
      } catch {
        // quota or private mode: the layout is not remembered this time
      }
    }
  }

  start(win: Window): void {
    const timer = setInterval(() => this.flush(), SAVE_EVERY_MS);
    this.owner.add(() => clearInterval(timer));
    this.owner.listen(win, 'pagehide', () => this.flush());
    const doc = (win as Partial<Window>).document;
    if (doc) {
      const onHide = () => this.flush();
      doc.addEventListener('visibilitychange', onHide);
      this.owner.add(() => doc.removeEventListener('visibilitychange', onHide));
    }
    const mq = typeof win.matchMedia === 'function' ? win.matchMedia('(prefers-color-scheme: dark)') : null;
    if (mq) {
      this.systemDark = mq.matches;
      const onChange = (e: MediaQueryListEvent) => (this.systemDark = e.matches);
      mq.addEventListener('change', onChange);
      this.owner.add(() => mq.removeEventListener('change', onChange));
    }
  }

  setDock(px: number): void {
    this.dockPx = Math.round(clamp(px, DOCK.min, DOCK.max));
  }

  setInspector(px: number): void {
    this.inspectorPx = Math.round(clamp(px, INSPECTOR.min, INSPECTOR.max));
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
  }

  dispose(): void {
    this.flush();
    this.owner.dispose();
  }
}
