// Paralinguistic tags in a transcript: "[Laughter]" where the sound goes (the engine's exact spelling inside square
// brackets, EDITX-SPEC.md §2). The palette inserts one at the text cursor; the words the engine reads as the
// transcript are the text without the tags.

/** How a tag is written in the text. */
export function tagText(name: string): string {
  return `[${name}]`;
}

/** `insert` put in place of text[start, end) (the selection, or the cursor when equal); the cursor lands after it. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const a = Math.max(0, Math.min(text.length, Math.min(start, end)));
  const b = Math.max(a, Math.min(text.length, Math.max(start, end)));
  return { text: text.slice(0, a) + insert + text.slice(b), caret: a + insert.length };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The tags of `names` found in the text, in order. */
export function tagsIn(text: string, names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const re = new RegExp(`\\[(${names.map(escape).join('|')})\\]`, 'g');
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/**
 * The text without the tags of `names` (other brackets are words), with the spaces a tag leaves behind tidied. A tag
 * is removed without a space of its own, so "我觉得[Laughter]这个" gives back "我觉得这个".
 */
export function stripTags(text: string, names: readonly string[]): string {
  if (names.length === 0) return text.trim();
  const re = new RegExp(`\\[(?:${names.map(escape).join('|')})\\]`, 'g');
  return text
    .replace(re, '')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +([,.!?;:，。！？；：])/g, '$1')
    .trim();
}
