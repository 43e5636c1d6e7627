// The web shell's access check on its own: Host, Origin and the token from each channel, with wrong tokens of the
// right length, prefixes, extensions, other ports' cookies and malformed cookie headers.
import { describe, expect, it } from 'vitest';
import { checkAccess, readCookie, sameToken, tokenCookieName } from '../../../src-main/shells/web/auth';

const token = '0123456789abcdef0123456789abcdef0123456789abcdef';
const port = 40123;
const host = `127.0.0.1:${port}`;

function req(headers: Record<string, string | undefined>, query = ''): [{ headers: Record<string, string | undefined> }, URL] {
  return [{ headers: { host, ...headers } }, new URL(`http://127.0.0.1/x${query}`)];
}
const access = (headers: Record<string, string | undefined>, query = '') => checkAccess(...req(headers, query), token, port);

/** Same length, one character changed at position i. */
const flip = (i: number) => token.slice(0, i) + (token[i] === 'f' ? 'e' : 'f') + token.slice(i + 1);

describe('sameToken', () => {
  it('accepts only the exact token', () => {
    expect(sameToken(token, token)).toBe(true);
    for (const i of [0, 1, 23, 46, 47]) expect(sameToken(flip(i), token), `position ${i}`).toBe(false);
    expect(sameToken(token.slice(0, -1), token)).toBe(false);
    expect(sameToken(`${token}0`, token)).toBe(false);
    expect(sameToken(token.toUpperCase(), token)).toBe(false);
    expect(sameToken('', token)).toBe(false);
    expect(sameToken(null, token)).toBe(false);
    expect(sameToken(undefined, token)).toBe(false);
  });

  it('compares bytes, not characters (a multi-byte character is not a wrong length that passes)', () => {
    expect(sameToken('é', 'ab')).toBe(false);
    expect(sameToken('ab', 'é')).toBe(false);
  });
});

describe('readCookie', () => {
  it('finds a cookie among others, with spaces, and keeps "=" inside values', () => {
    expect(readCookie('a=1; b=2;c=3', 'b')).toBe('2');
    expect(readCookie('a=1;  c=x=y', 'c')).toBe('x=y');
    expect(readCookie('a=1', 'a')).toBe('1');
    expect(readCookie('ab=1; a=2', 'a')).toBe('2');
    expect(readCookie('a=', 'a')).toBe('');
  });

  it('returns null when the cookie is absent or the header is missing', () => {
    expect(readCookie(undefined, 'a')).toBeNull();
    expect(readCookie('', 'a')).toBeNull();
    expect(readCookie('b=1; ab=2; a2=3', 'a')).toBeNull();
  });
});

describe('checkAccess', () => {
  const cookie = tokenCookieName(port);

  it('names the cookie after the port', () => {
    expect(cookie).toBe(`retake_token_${port}`);
    expect(tokenCookieName(1)).not.toBe(cookie);
  });

  it('accepts the token from the query, the header or the cookie', () => {
    expect(access({}, `?token=${token}`)).toBe(0);
    expect(access({ 'x-retake-token': token })).toBe(0);
    expect(access({ cookie: `${cookie}=${token}` })).toBe(0);
    expect(access({ cookie: `theme=dark; ${cookie}=${token}; x=y` })).toBe(0);
  });

  it('refuses a missing token or a wrong one of the right length on every channel with 401', () => {
    expect(access({})).toBe(401);
    for (const w of [flip(0), flip(24), flip(47)]) {
      expect(access({}, `?token=${w}`)).toBe(401);
      expect(access({ 'x-retake-token': w })).toBe(401);
      expect(access({ cookie: `${cookie}=${w}` })).toBe(401);
    }
    expect(access({ cookie: `retake_token_${port + 1}=${token}` })).toBe(401);
  });

  it('takes the query first: a wrong query token is not rescued by a right cookie', () => {
    expect(access({ cookie: `${cookie}=${token}` }, `?token=${flip(3)}`)).toBe(401);
    expect(access({ 'x-retake-token': flip(3), cookie: `${cookie}=${token}` })).toBe(401);
    expect(access({ 'x-retake-token': token, cookie: `${cookie}=${flip(3)}` })).toBe(0);
  });

  it('accepts only our own Host, refusing others with 403 before looking at the token', () => {
    const q = `?token=${token}`;
    expect(checkAccess({ headers: { host: `localhost:${port}` } }, new URL(`http://x/${q}`), token, port)).toBe(0);
    for (const h of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost:${port + 1}`, '', undefined]) {
      expect(checkAccess({ headers: { host: h } }, new URL(`http://x/${q}`), token, port), String(h)).toBe(403);
    }
    expect(checkAccess({ headers: { host: 'evil.example' } }, new URL('http://x/'), token, port)).toBe(403);
  });

  it('accepts no Origin or our own, refusing any other with 403', () => {
    const q = `?token=${token}`;
    expect(access({}, q)).toBe(0);
    expect(access({ origin: `http://127.0.0.1:${port}` }, q)).toBe(0);
    expect(access({ origin: `http://localhost:${port}` }, q)).toBe(0);
    for (const o of ['http://evil.example', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, 'null', '']) {
      expect(access({ origin: o }, q), o).toBe(403);
    }
    expect(access({ origin: 'http://evil.example' })).toBe(403);
  });
});
