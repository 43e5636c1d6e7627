// The UI's language: every string the renderer shows comes from a message catalogue (i18n/en.ts is the source of the
// keys, i18n/zh-CN.ts must translate each one: a missing key is a type error). The language follows the system
// (navigator.languages) until the user picks one, which is remembered. One instance serves the whole page, like the
// locale itself: components and controllers call `t()`, and a change of language re-renders what used it.
// Engine task and option ids stay exact (they are what the core is sent); only their labels are translated.

import { en, type MessageKey } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';

export type { MessageKey };
export type Locale = 'en' | 'zh-CN';

export const LOCALES: readonly { id: Locale; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '简体中文' },
];

const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type MessageParams = Record<string, string | number>;

/** The catalogue for a list of BCP 47 tags in order of preference (any Chinese → Simplified Chinese). */
export function localeFor(tags: readonly string[]): Locale {
  for (const tag of tags) {
    const t = tag.toLowerCase();
    if (t === 'zh' || t.startsWith('zh-')) return 'zh-CN';
    if (t === 'en' || t.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function isLocale(x: unknown): x is Locale {
  return x === 'en' || x === 'zh-CN';
}

/** `{name}` placeholders filled from params (unknown ones are left as they are). */
export function interpolate(text: string, params?: MessageParams): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

function systemTags(): string[] {
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } }).navigator;
  return nav?.languages?.length ? [...nav.languages] : nav?.language ? [nav.language] : [];
}

export class I18n {
  /** The language the system asks for. */
  readonly systemLocale: Locale = localeFor(systemTags());
  /** The user's choice; null follows the system. */
  chosen = $state<Locale | null>(null);
  locale: Locale = $derived(this.chosen ?? this.systemLocale);

  t(key: MessageKey, params?: MessageParams): string {
    return interpolate(CATALOGUES[this.locale][key] ?? en[key], params);
  }

  /** Picks the singular or plural form: `key` for 1, `key` + "_other" otherwise (languages without plurals repeat it). */
  tn(key: MessageKey & `${string}_one`, n: number, params?: MessageParams): string {
    const k = (n === 1 ? key : key.replace(/_one$/, '_other')) as MessageKey;
    return this.t(k, { n, ...params });
  }

  /** Has the catalogue a key (for labels made from ids, such as engine options)? */
  has(key: string): key is MessageKey {
    return Object.prototype.hasOwnProperty.call(en, key);
  }

  setLocale(locale: Locale | null): void {
    this.chosen = locale;
    if (typeof document !== 'undefined') document.documentElement.lang = this.locale;
  }
}

export const i18n = new I18n();

/** Shorthand for i18n.t. */
export function t(key: MessageKey, params?: MessageParams): string {
  return i18n.t(key, params);
}

export function tn(key: MessageKey & `${string}_one`, n: number, params?: MessageParams): string {
  return i18n.tn(key, n, params);
}

const humanize = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/[_-]+/g, ' ') : s);

/** An engine task's label; the id itself never changes. */
export function taskLabel(task: string): string {
  const key = `task.${task}`;
  return i18n.has(key) ? i18n.t(key) : humanize(task);
}

/** An engine option's label; the id itself never changes. */
export function optionLabel(option: string): string {
  const key = `option.${option}`;
  return i18n.has(key) ? i18n.t(key) : humanize(option);
}

// The core writes history labels in English ("Move clip 1", "Import 3 files"); the verb is translated, the name kept.
const LABEL_VERBS: readonly [RegExp, MessageKey][] = [
  [/^Import (\d+) files$/, 'history.importMany'],
  [/^Move (\d+) clips$/, 'history.moveMany'],
  [/^Delete (\d+) clips$/, 'history.deleteMany'],
  [/^Paste (\d+) clips$/, 'history.pasteMany'],
  [/^Rename track to (.+)$/, 'history.renameTrack'],
  [/^Add track$/, 'history.addTrack'],
  [/^Import (.+)$/, 'history.import'],
  [/^Move (.+)$/, 'history.move'],
  [/^Trim (.+)$/, 'history.trim'],
  [/^Split (.+)$/, 'history.split'],
  [/^Delete (.+)$/, 'history.delete'],
  [/^Paste (.+)$/, 'history.paste'],
  [/^Add (.+)$/, 'history.add'],
];

/** A history label from the core in the UI's language (labels it does not know pass through). */
export function historyLabel(label: string): string {
  for (const [re, key] of LABEL_VERBS) {
    const m = re.exec(label);
    if (m) return i18n.t(key, { name: m[1] ?? '', n: m[1] ?? '' });
  }
  return label;
}
