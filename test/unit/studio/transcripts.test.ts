// Scripts and transcripts: SRT and TSV parsing (BOM, CRLF, comma or dot millis, bad lines reported with their line
// number), and the speech-time mapping that finds a region's words, replaces the words of a span and splits a clip's
// text.
import { describe, expect, it } from 'vitest';
import { parseScript, parseTime } from '../../../src-main/studio/script';
import { joinWords, linePart, replaceSpans, SpeechClock, splitText, textInRange, tokenize } from '../../../src-main/studio/transcript';

describe('script parsing', () => {
  it('reads clock times with comma or dot millis, with or without hours', () => {
    expect(parseTime('00:00:01,500')).toBe(1.5);
    expect(parseTime('01:02:03.25')).toBeCloseTo(3723.25, 9);
    expect(parseTime('02:03.5')).toBe(123.5);
    expect(parseTime('12,75')).toBe(12.75);
    expect(parseTime('7')).toBe(7);
    expect(parseTime('1:75')).toBeNull();
    expect(parseTime('abc')).toBeNull();
  });

  it('reads SRT with a BOM, CRLF line ends, styling and position hints, and reports bad blocks by line', () => {
    const srt = [
      '\uFEFF1',
      '00:00:01,000 --> 00:00:03,500',
      '<i>Hello</i> there,',
      'my friend.',
      '',
      '2',
      '00:00:04.000 --> 00:00:05.000 X1:10 X2:20',
      '{\\an8}Up top.',
      '',
      '3',
      '00:00:07,000 -> 00:00:08,000',
      'Broken arrow.',
      '',
      '4',
      '00:00:09,000 --> 00:00:08,000',
      'Backwards.',
      '',
      '5',
      '00:00:10,000 --> 00:00:11,000',
      '',
      '',
    ].join('\r\n');
    const r = parseScript(srt);
    expect(r.format).toBe('srt');
    expect(r.lines).toEqual([
      { start: 1, end: 3.5, text: 'Hello there, my friend.', line: 2 },
      { start: 4, end: 5, text: 'Up top.', line: 7 },
    ]);
    expect(r.problems).toEqual([
      { line: 10, reason: expect.stringContaining('no timing line') },
      { line: 15, reason: expect.stringContaining('not after the start') },
      { line: 19, reason: 'no text' },
    ]);
  });

  it('reads TSV with a header, seconds or clock times, and reports bad lines by line', () => {
    const tsv = ['start\tend\ttext', '0.5\t2,25\tFirst line', '00:00:03.000\t00:00:04.500\tSecond\twith a tab', 'oops', '5\t4\tBackwards', '6\tx\tNo end', '', '7\t8\t'].join('\n');
    const r = parseScript(tsv);
    expect(r.format).toBe('tsv');
    expect(r.lines).toEqual([
      { start: 0.5, end: 2.25, text: 'First line', line: 2 },
      { start: 3, end: 4.5, text: 'Second with a tab', line: 3 },
    ]);
    expect(r.problems.map((p) => p.line)).toEqual([4, 5, 6, 8]);
    expect(r.problems[0]!.reason).toMatch(/tabs/);
  });

  it('takes the format it is told', () => {
    expect(parseScript('1\t2\thi', 'tsv').lines).toHaveLength(1);
    expect(parseScript('1\t2\thi', 'srt').lines).toHaveLength(0);
  });
});

describe('speech-time transcripts', () => {
  // Speech 0–2 s and 3–5 s; 2–3 s is a pause.
  const clock = new SpeechClock([{ start: 0, end: 2 }, { start: 3, end: 5 }], 5);

  it('tokenizes spaced words and CJK characters, and joins them back', () => {
    expect(tokenize('Hello, big world.').map((w) => w.text)).toEqual(['Hello,', 'big', 'world.']);
    expect(tokenize('我觉得这个，可行。').map((w) => w.text)).toEqual(['我', '觉', '得', '这', '个，', '可', '行。']);
    expect(joinWords(tokenize('我觉得这个，可行。 OK then'))).toBe('我觉得这个，可行。 OK then');
  });

  it('maps time to speech time and back, skipping pauses', () => {
    expect(clock.total).toBe(4);
    expect(clock.speechAt(2.5)).toBe(2);
    expect(clock.speechAt(4)).toBe(3);
    expect(clock.timeAt(2.5)).toBe(3.5);
  });

  it("finds a region's words by speech time", () => {
    // Eight equal words over 4 s of speech: two per second of speech, the pause holding none.
    const text = 'aa bb cc dd ee ff gg hh';
    expect(textInRange(text, clock, 0, 2)).toBe('aa bb cc dd');
    expect(textInRange(text, clock, 2, 4)).toBe('ee ff');
    expect(textInRange(text, clock, 4, 5)).toBe('gg hh');
    expect(textInRange(null, clock, 0, 5)).toBeNull();
  });

  it('replaces the words of a span and keeps the rest in order', () => {
    expect(replaceSpans('aa bb cc dd ee ff gg hh', clock, [{ from: 3, to: 4, text: 'XX YY' }])).toBe('aa bb cc dd XX YY gg hh');
    expect(replaceSpans(null, clock, [{ from: 3, to: 4, text: 'later' }, { from: 0, to: 1, text: 'first' }])).toBe('first later');
  });

  it('shares a line between clips by time and splits a transcript at a cut', () => {
    expect(linePart('one two three four', 10, 14, 10, 12)).toBe('one two');
    expect(linePart('one two three four', 10, 14, 12, 20)).toBe('three four');
    expect(linePart('one two', 10, 14, 0, 20)).toBe('one two');
    expect(splitText('aa bb cc dd ee ff gg hh', clock, 2.5)).toEqual(['aa bb cc dd', 'ee ff gg hh']);
  });

  it('spreads words over the played range of a trimmed take only', () => {
    const trimmed = new SpeechClock([{ start: 0, end: 2 }, { start: 3, end: 5 }], 5, 3, 5);
    expect(textInRange('one two', trimmed, 3, 4)).toBe('one');
    expect(textInRange('one two', trimmed, 0, 3)).toBe('');
  });
});
