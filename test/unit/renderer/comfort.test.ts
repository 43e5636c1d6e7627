// The comfort layer: the language (chosen from the system, switchable, every key translated with the same
// placeholders, task and option ids kept while their labels change, the core's history labels translated), the
// remembered layout, and multi-selection by click modifiers.

import { afterEach, describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../../../src-renderer/i18n/en';
import { zhCN } from '../../../src-renderer/i18n/zh-CN';
import { ArrangementController } from '../../../src-renderer/lib/arrangement.svelte';
import { ErrorsController } from '../../../src-renderer/lib/errors.svelte';
import { historyLabel, i18n, interpolate, localeFor, optionLabel, t, taskLabel, tn } from '../../../src-renderer/lib/i18n.svelte';
import { LayoutController, type KeyValueStore } from '../../../src-renderer/lib/layout.svelte';
import { SelectionController } from '../../../src-renderer/lib/selection.svelte';
import { clip, fakeProject, track } from './fake-core';

afterEach(() => i18n.setLocale(null));

describe('language', () => {
  it('follows the system: any Chinese gives Simplified Chinese, else English', () => {
    expect(localeFor(['zh-CN', 'en'])).toBe('zh-CN');
    expect(localeFor(['zh-TW'])).toBe('zh-CN');
    expect(localeFor(['fr-FR', 'en-GB'])).toBe('en');
    expect(localeFor(['de'])).toBe('en');
    expect(localeFor([])).toBe('en');
  });

  it('translates every key, keeping the placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(zhCN[key], key).toBeTruthy();
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('switches, fills placeholders and picks plural forms', () => {
    expect(t('ctx.move', { name: 'take 1' })).toBe('Move take 1');
    expect(tn('status.clips_one', 1)).toBe('1 clip');
    expect(tn('status.clips_one', 3)).toBe('3 clips');
    i18n.setLocale('zh-CN');
    expect(t('ctx.move', { name: 'take 1' })).toBe('移动 take 1');
    expect(tn('status.clips_one', 3)).toBe('3 个片段');
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('translates task and option labels, never their ids', () => {
    expect([taskLabel('speed'), optionLabel('more faster'), optionLabel('act_coy'), optionLabel('brand_new')]).toEqual(['Speed', 'Much faster', 'Act coy', 'Brand new']);
    i18n.setLocale('zh-CN');
    expect([taskLabel('speed'), optionLabel('faster')]).toEqual(['语速', '更快']);
  });

  it('translates the verb of the core’s history labels and keeps the names', () => {
    expect(historyLabel('Move 3 clips')).toBe('Move 3 clips');
    i18n.setLocale('zh-CN');
    expect(historyLabel('Move 3 clips')).toBe('移动 3 个片段');
    expect(historyLabel('Trim my take.wav')).toBe('修剪 my take.wav');
    expect(historyLabel('Import 2 files')).toBe('导入 2 个文件');
    expect(historyLabel('speed: faster ×3')).toBe('speed: faster ×3');
  });
});

describe('remembered layout', () => {
  function memory(): KeyValueStore & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
  }

  it('writes what changed and gives it back to a new window, clamped', () => {
    const store = memory();
    const a = new LayoutController(store);
    let unit = 'time';
    a.register(() => 'prefs', () => ({ unit }), (v) => (unit = String(v.unit)));
    a.setDock(10_000);
    a.setInspector(420);
    a.setTheme('light');
    unit = 'samples';
    a.flush();
    const written = store.data.size;
    a.flush();
    expect(store.data.size).toBe(written);
    unit = 'time';
    const b = new LayoutController(store);
    b.register(() => 'prefs', () => ({ unit }), (v) => (unit = String(v.unit)));
    expect([b.dockPx, b.inspectorPx, b.theme, unit]).toEqual([640, 420, 'light', 'samples']);
    // A damaged entry is ignored.
    store.data.set('retake.layout', '{not json');
    expect(new LayoutController(store).dockPx).toBe(300);
  });

  it('keeps each project’s view under its own key when another project is opened', () => {
    const store = memory();
    let dir = 'a';
    let zoom = 1;
    const l = new LayoutController(store);
    l.register(
      () => `view:${dir}`,
      () => ({ zoom }),
      (v) => (zoom = Number(v.zoom)),
    );
    zoom = 5;
    // Opening b: a's view is written under a's key before the view is reset, then b's (none yet) is loaded.
    l.flush();
    dir = 'b';
    zoom = 1;
    l.reload();
    expect(zoom).toBe(1);
    zoom = 7;
    l.flush();
    dir = 'a';
    zoom = 1;
    l.reload();
    expect(zoom).toBe(5);
    expect(JSON.parse(store.data.get('retake.view:b')!)).toEqual({ zoom: 7 });
  });

  it('follows the system theme until one is chosen', () => {
    const l = new LayoutController(null);
    l.systemDark = false;
    expect(l.effectiveTheme).toBe('light');
    l.setTheme('dark');
    expect(l.effectiveTheme).toBe('dark');
  });
});

describe('multi-selection', () => {
  it('selects alone on a click, adds with Shift, toggles with Ctrl; the primary is the last clicked', async () => {
    const world = fakeProject([track(1)], [clip(1), clip(2), clip(3)]);
    const arrangement = new ArrangementController(world.client, new ErrorsController(), () => true);
    await arrangement.refresh();
    const s = new SelectionController(arrangement);
    const changes: (number | null)[] = [];
    s.clipChanged.on((id) => void changes.push(id));
    s.click(1);
    s.click(2, { add: true });
    s.click(3, { toggle: true });
    expect(s.clipIds).toEqual([1, 2, 3]);
    expect(s.clipId).toBe(3);
    s.click(3, { toggle: true });
    expect(s.clipIds).toEqual([1, 2]);
    expect(s.clipId).toBe(2);
    s.click(1);
    expect(s.clipIds).toEqual([1]);
    expect(changes).toEqual([1, 2, 3, 2, 1]);
    expect(s.clips.map((c) => c.id)).toEqual([1]);
  });
});
