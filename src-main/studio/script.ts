// Reading a script: SRT subtitles or a TSV of start / end / text, into timed lines (seconds) and a list of the lines
// that could not be read, each with its 1-based line number in the file and the reason. Forgiving about what editors
// write: a UTF-8 BOM, CRLF or CR line ends, comma or dot before the milliseconds, hours left out, SRT styling tags,
// a TSV header row, decimal commas in plain seconds.

export interface ScriptLine {
  start: number;
  end: number;
  text: string;
  /** Where the line (SRT: its timing line) is in the file, 1-based. */
  line: number;
}

export interface ScriptProblem {
  line: number;
  reason: string;
}

export interface ParsedScript {
  format: 'srt' | 'tsv';
  lines: ScriptLine[];
  problems: ScriptProblem[];
}

/** h:mm:ss,mmm · mm:ss.mmm · ss.mmm · ss,mmm: seconds, or null when it is not a time. */
export function parseTime(s: string): number | null {
  const t = s.trim();
  const m = /^(?:(\d+):)?(?:(\d{1,2}):)?(\d+)(?:[.,](\d+))?$/.exec(t);
  if (!m) return null;
  const [, a, b, sec, frac] = m;
  // With two colons: h:mm:ss; with one: mm:ss.
  const hours = a !== undefined && b !== undefined ? Number(a) : 0;
  const minutes = b !== undefined ? Number(b) : a !== undefined ? Number(a) : 0;
  if ((a !== undefined || b !== undefined) && Number(sec) >= 60) return null;
  if (b !== undefined && minutes >= 60) return null;
  return hours * 3600 + minutes * 60 + Number(sec) + (frac ? Number(`0.${frac}`) : 0);
}

const ARROW = /-->/;

/** SRT's own markup: <i>, <b>, <font …> and {\an8}-style override blocks. */
function stripMarkup(s: string): string {
  return s
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/\{\\[^}]*\}/g, '')
    .trim();
}

export function parseScript(content: string, format?: 'srt' | 'tsv'): ParsedScript {
  const text = content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fmt = format ?? (ARROW.test(text) ? 'srt' : 'tsv');
  return fmt === 'srt' ? parseSrt(text) : parseTsv(text);
}

function parseSrt(text: string): ParsedScript {
  const rows = text.split('\n');
  const lines: ScriptLine[] = [];
  const problems: ScriptProblem[] = [];
  let i = 0;
  while (i < rows.length) {
    while (i < rows.length && rows[i]!.trim() === '') i++;
    if (i >= rows.length) break;
    const blockStart = i;
    const block: Array<{ text: string; n: number }> = [];
    while (i < rows.length && rows[i]!.trim() !== '') {
      block.push({ text: rows[i]!, n: i + 1 });
      i++;
    }
    const t = block.findIndex((r) => ARROW.test(r.text));
    if (t < 0) {
      problems.push({ line: blockStart + 1, reason: 'no timing line ("00:00:01,000 --> 00:00:02,500") in this block' });
      continue;
    }
    if (t > 1 || (t === 1 && !/^\d+$/.test(block[0]!.text.trim()))) {
      problems.push({ line: block[0]!.n, reason: 'text before the timing line' });
    }
    const timing = block[t]!;
    const [a, rest] = timing.text.split(ARROW) as [string, string];
    // Anything after the end time (SRT position hints "X1:…") is ignored.
    const start = parseTime(a);
    const end = parseTime(rest.trim().split(/\s+/)[0] ?? '');
    if (start === null || end === null) {
      problems.push({ line: timing.n, reason: `cannot read the times in "${timing.text.trim()}"` });
      continue;
    }
    if (!(end > start)) {
      problems.push({ line: timing.n, reason: `the end (${end.toFixed(3)} s) is not after the start (${start.toFixed(3)} s)` });
      continue;
    }
    const body = block
      .slice(t + 1)
      .map((r) => stripMarkup(r.text))
      .filter(Boolean)
      .join(' ');
    if (!body) {
      problems.push({ line: timing.n, reason: 'no text' });
      continue;
    }
    lines.push({ start, end, text: body, line: timing.n });
  }
  return { format: 'srt', lines, problems };
}

/** A number with a decimal comma or dot, or a clock time. */
function tsvTime(s: string): number | null {
  return parseTime(s.trim());
}

function parseTsv(text: string): ParsedScript {
  const rows = text.split('\n');
  const lines: ScriptLine[] = [];
  const problems: ScriptProblem[] = [];
  rows.forEach((row, idx) => {
    const n = idx + 1;
    if (row.trim() === '' || row.trimStart().startsWith('#')) return;
    const cells = row.split('\t');
    if (cells.length < 3) {
      // A header row ("start  end  text") or prose: only the first row may be a header.
      problems.push({ line: n, reason: `expected start, end and text separated by tabs (found ${cells.length} field${cells.length === 1 ? '' : 's'})` });
      return;
    }
    const start = tsvTime(cells[0]!);
    const end = tsvTime(cells[1]!);
    if (start === null || end === null) {
      if (lines.length === 0 && problems.length === 0 && /[a-z]/i.test(cells[0]! + cells[1]!)) return; // header row
      problems.push({ line: n, reason: `cannot read the times "${cells[0]!.trim()}" and "${cells[1]!.trim()}"` });
      return;
    }
    if (!(end > start)) {
      problems.push({ line: n, reason: `the end (${end.toFixed(3)} s) is not after the start (${start.toFixed(3)} s)` });
      return;
    }
    const body = cells.slice(2).join(' ').trim();
    if (!body) {
      problems.push({ line: n, reason: 'no text' });
      return;
    }
    lines.push({ start, end, text: body, line: n });
  });
  return { format: 'tsv', lines, problems };
}
