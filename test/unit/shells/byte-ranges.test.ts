// The byte-range rules both shells answer media and exports with (src-main/shells/common/byte-ranges.ts).
import { describe, expect, it } from 'vitest';
import { planRange, rangeHeaders } from '../../../src-main/shells/common/byte-ranges';

describe('planRange', () => {
  const size = 1000;

  it('answers one range with its bytes: closed, open-ended, suffix, clamped to the end', () => {
    expect(planRange(size, 'bytes=0-99')).toEqual({ status: 206, start: 0, end: 99 });
    expect(planRange(size, 'bytes=500-')).toEqual({ status: 206, start: 500, end: 999 });
    expect(planRange(size, 'bytes=-100')).toEqual({ status: 206, start: 900, end: 999 });
    expect(planRange(size, 'bytes=-5000')).toEqual({ status: 206, start: 0, end: 999 });
    expect(planRange(size, 'bytes=990-5000')).toEqual({ status: 206, start: 990, end: 999 });
    expect(planRange(size, 'bytes=999-999')).toEqual({ status: 206, start: 999, end: 999 });
    expect(planRange(size, 'Bytes = 1-2')).toEqual({ status: 206, start: 1, end: 2 });
  });

  it('refuses a range that starts past the end, or an empty suffix, with 416', () => {
    expect(planRange(size, 'bytes=1000-')).toEqual({ status: 416 });
    expect(planRange(size, 'bytes=5000-6000')).toEqual({ status: 416 });
    expect(planRange(size, 'bytes=-0')).toEqual({ status: 416 });
    expect(planRange(0, 'bytes=0-')).toEqual({ status: 416 });
  });

  it('answers the whole file for several ranges, malformed headers and other units', () => {
    for (const h of ['bytes=0-1,5-6', 'bytes=0-1, -5', 'bytes=5-3', 'bytes=abc', 'bytes=-', 'bytes=1-2-3', 'items=0-1', 'bytes', '', 'bytes=0x10-']) {
      expect([h, planRange(size, h)]).toEqual([h, { status: 200 }]);
    }
    expect(planRange(size, undefined)).toEqual({ status: 200 });
  });

  it('honours If-Range only while the validator still matches', () => {
    const v = { etag: '"abc"', lastModified: 'Mon, 07 Dec 2026 06:00:00 GMT' };
    expect(planRange(size, 'bytes=0-9', '"abc"', v)).toEqual({ status: 206, start: 0, end: 9 });
    expect(planRange(size, 'bytes=0-9', v.lastModified, v)).toEqual({ status: 206, start: 0, end: 9 });
    expect(planRange(size, 'bytes=0-9', '"old"', v)).toEqual({ status: 200 });
    expect(planRange(size, 'bytes=0-9', 'W/"abc"', v)).toEqual({ status: 200 });
    expect(planRange(size, 'bytes=0-9', 'Sun, 06 Dec 2026 06:00:00 GMT', v)).toEqual({ status: 200 });
    expect(planRange(size, 'bytes=0-9', '"abc"', { lastModified: v.lastModified })).toEqual({ status: 200 });
  });
});

describe('rangeHeaders', () => {
  it('gives Content-Range and Content-Length for each answer, and always Accept-Ranges', () => {
    expect(rangeHeaders({ status: 200 }, 1000)).toEqual({ 'Accept-Ranges': 'bytes', 'Content-Length': '1000' });
    expect(rangeHeaders({ status: 206, start: 10, end: 19 }, 1000)).toEqual({ 'Accept-Ranges': 'bytes', 'Content-Range': 'bytes 10-19/1000', 'Content-Length': '10' });
    expect(rangeHeaders({ status: 416 }, 1000)).toEqual({ 'Accept-Ranges': 'bytes', 'Content-Range': 'bytes */1000', 'Content-Length': '0' });
  });
});
