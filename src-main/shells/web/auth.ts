// The web shell's access check, apart from the server so that it can be tested and mutated on its own: Host must be
// our loopback address (DNS rebinding), Origin, when a browser sends one, our own origin (cross-site pages), and the
// per-run token must match exactly, from the query, the X-Retake-Token header or the per-port HttpOnly cookie.

import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** The cookie that carries the token; named per port so that two Retakes on one machine do not share it. */
export function tokenCookieName(port: number): string {
  return `retake_token_${port}`;
}

/** Constant-time comparison of a presented token with ours; absent or empty never matches. */
export function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const x = Buffer.from(given);
  const y = Buffer.from(token);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** 0 when the request may proceed, else the HTTP status to refuse it with (403 wrong Host/Origin, 401 wrong token). */
export function checkAccess(req: Pick<http.IncomingMessage, 'headers'>, url: URL, token: string, port: number): 0 | 401 | 403 {
  const host = req.headers.host ?? '';
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return 403;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return 403;
  const header = req.headers['x-retake-token'];
  const given = url.searchParams.get('token') ?? (typeof header === 'string' ? header : undefined) ?? readCookie(req.headers.cookie, tokenCookieName(port));
  return sameToken(given, token) ? 0 : 401;
}
