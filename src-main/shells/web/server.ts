// The web shell: the renderer and the contract over loopback HTTP + WebSocket. Only 127.0.0.1; a random token on
// every request (query, header or the HttpOnly cookie set on the first authorized page load); Host and Origin
// checked against our own address (DNS rebinding, cross-site pages); media served only from the open project's
// media store by content hash, exports only from its exports folder; both with byte ranges (../common/byte-ranges).

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { RetakeError, requireMethod, toErrorPayload, type CallMessage, type ReplyMessage } from '../../contract';
import type { Studio } from '../../studio/studio';
import { planRange, rangeHeaders } from '../common/byte-ranges';
import { decodeSegment, exportName } from '../common/url-paths';
import { checkAccess, tokenCookieName } from './auth';
import { createUploadsDir } from './uploads';

export interface WebShellOptions {
  studio: Studio;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  port?: number;
  token?: string;
  /** Largest accepted upload in bytes. */
  maxUploadBytes?: number;
  /**
   * Folder under which this shell keeps its uploads (in a folder of its own, ./uploads), the same on every start so
   * that what a crash left is removed: RETAKE_HOME/uploads in the app; default the system temp folder's retake-uploads.
   */
  uploadsRoot?: string;
}

export interface WebShell {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
  /** The file an upload id holds, and how to drop it once imported. */
  resolveUpload(id: string): { file: string; release(): void } | null;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
};

const UPLOAD_TTL_MS = 60 * 60 * 1000;
/** Largest WebSocket message: contract calls carry ids and short texts, never audio (uploads go over HTTP). */
const MAX_WS_MESSAGE_BYTES = 16 * 1024 * 1024;
/** At most one line per this many ms about dropped peers, so a peer that keeps failing cannot flood the log. */
const PEER_LOG_INTERVAL_MS = 1000;

let lastPeerLog = 0;
let peerLogsSkipped = 0;
/** One line on stderr (stdout carries only the URL) about a peer that was dropped or a server error, throttled. */
function logPeer(what: string, e: unknown): void {
  const now = Date.now();
  if (now - lastPeerLog < PEER_LOG_INTERVAL_MS) {
    peerLogsSkipped++;
    return;
  }
  const more = peerLogsSkipped > 0 ? ` (${peerLogsSkipped} similar messages skipped)` : '';
  lastPeerLog = now;
  peerLogsSkipped = 0;
  console.error(`Web shell: dropped ${what}: ${e instanceof Error ? e.message : String(e)}${more}`);
}

function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // wavesurfer.js renders into a shadow root with its own <style> element.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(data);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** A URL whose `%`-escapes do not decode. */
function badRequest(res: http.ServerResponse): void {
  sendError(res, 400, 'E_VALIDATION', 'Bad request: the address holds a malformed %-escape.');
}

export async function startWebShell(opts: WebShellOptions): Promise<WebShell> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const maxUpload = opts.maxUploadBytes ?? 4 * 1024 ** 3;
  const uploadsDir = createUploadsDir(opts.uploadsRoot ?? path.join(os.tmpdir(), 'retake-uploads'));
  const uploads = new Map<string, { file: string; at: number; bytes: number }>();
  const studio = opts.studio;
  const rendererDir = path.resolve(opts.rendererDir);
  let port = 0;
  const cookieName = () => tokenCookieName(port);
  const check = (req: http.IncomingMessage, url: URL): number => checkAccess(req, url, token, port);

  function expireUploads(): void {
    const t = Date.now();
    for (const [id, u] of uploads) {
      if (t - u.at > UPLOAD_TTL_MS) {
        uploads.delete(id);
        rmSync(u.file, { force: true });
      }
    }
  }

  /**
   * A file with byte ranges (../common/byte-ranges: one range → 206, unsatisfiable → 416, several or a stale If-Range →
   * the whole file), HEAD without a body. `etag`: a strong tag when the content is fixed (media are named by hash).
   */
  async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, extra: Record<string, string> = {}, etag?: string) {
    let st;
    try {
      st = await fsp.stat(file);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      return sendError(res, 404, 'E_NOT_FOUND', 'Not found.');
    }
    const lastModified = st.mtime.toUTCString();
    const ifRange = req.headers['if-range'];
    const plan = planRange(st.size, req.headers.range, typeof ifRange === 'string' ? ifRange : undefined, { etag, lastModified });
    const headers: Record<string, string> = {
      'X-Content-Type-Options': 'nosniff',
      'Last-Modified': lastModified,
      ...(etag ? { ETag: etag } : {}),
      ...extra,
      ...rangeHeaders(plan, st.size),
    };
    if (plan.status === 416) {
      res.writeHead(416, headers);
      return res.end();
    }
    headers['Content-Type'] = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(plan.status, headers);
    if (req.method === 'HEAD' || st.size === 0) return res.end();
    const body = plan.status === 206 ? createReadStream(file, { start: plan.start, end: plan.end }) : createReadStream(file);
    return pipeline(body, res).catch(() => res.destroy());
  }

  async function handleUpload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    expireUploads();
    const pending = [...uploads.values()].reduce((n, u) => n + u.bytes, 0);
    if (pending > maxUpload) {
      req.resume();
      return sendError(res, 429, 'E_VALIDATION', 'Too many uploads are waiting to be imported; import or wait for them first.');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxUpload) {
      req.resume();
      return sendError(res, 413, 'E_VALIDATION', `The file is larger than the ${Math.round(maxUpload / 1024 ** 2)} MB upload limit.`);
    }
    const id = randomBytes(16).toString('hex');
    const file = path.join(uploadsDir, id);
    let bytes = 0;
    try {
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > maxUpload) throw new RetakeError('E_VALIDATION', 'The file is larger than the upload limit.');
            yield chunk;
          }
        },
        createWriteStream(file, { flags: 'wx', mode: 0o600 }),
      );
    } catch (e) {
      rmSync(file, { force: true });
      const p = toErrorPayload(e);
      return sendError(res, p.code === 'E_VALIDATION' ? 413 : 400, p.code, p.code === 'E_INTERNAL' ? 'The upload was interrupted.' : p.message);
    }
    uploads.set(id, { file, at: Date.now(), bytes });
    sendJson(res, 200, { uploadId: id, bytes });
  }

  const server = http.createServer((req, res) => {
    // A client that goes away mid-request or mid-response is simply gone; its streams end with it.
    req.on('error', () => {});
    res.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const status = check(req, url);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (status) return sendError(res, status, 'E_AUTH', status === 401 ? 'Missing or wrong access token: open the URL Retake printed.' : 'Forbidden.');
    const p = url.pathname;
    void (async () => {
      if (req.method === 'POST' && p === '/upload') return handleUpload(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'E_VALIDATION', 'Method not allowed.');
      const media = /^\/media\/([a-f0-9]{64})\.([a-z0-9]{1,8})$/.exec(p);
      if (media) {
        const root = studio.mediaRoot();
        if (!root) return sendError(res, 404, 'E_NO_PROJECT', 'No project is open.');
        // The path is rebuilt from the validated hash and extension: it cannot leave the media store.
        const file = path.join(root, media[1]!.slice(0, 2), `${media[1]}.${media[2]}`);
        const dl = url.searchParams.get('download');
        return serveFile(
          req,
          res,
          file,
          {
            'Cache-Control': 'private, max-age=31536000, immutable',
            ...(dl ? { 'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(dl)}` } : {}),
          },
          `"${media[1]}"`,
        );
      }
      const exp = /^\/exports\/([^/]+)$/.exec(p);
      if (exp) {
        const dir = studio.exportsDir();
        const want = exportName(exp[1]!);
        if ('status' in want) return want.status === 400 ? badRequest(res) : sendError(res, 404, 'E_NOT_FOUND', 'Not found.');
        if (!dir) return sendError(res, 404, 'E_NOT_FOUND', 'Not found.');
        const name = want.name;
        return serveFile(req, res, path.join(dir, name), {
          'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
          'Cache-Control': 'no-store',
        });
      }
      // The renderer: index.html for '/', otherwise files of the built renderer folder only.
      const rel = p === '/' ? 'index.html' : decodeSegment(p.slice(1));
      if (rel === null) return badRequest(res);
      const file = path.resolve(rendererDir, rel);
      if (!file.startsWith(rendererDir + path.sep)) return sendError(res, 404, 'E_NOT_FOUND', 'Not found.');
      const headers: Record<string, string> = { 'Cache-Control': 'no-cache' };
      if (rel === 'index.html') {
        headers['Content-Security-Policy'] = csp(port);
        headers['Set-Cookie'] = `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      return serveFile(req, res, file, headers);
    })().catch((e: unknown) => {
      // The cause goes to our log, not to the peer: internal messages name paths and code.
      logPeer('a request that failed', e);
      if (!res.headersSent) sendError(res, 500, 'E_INTERNAL', 'The request failed inside Retake; see its log.');
      else res.destroy();
    });
  });

  // A peer that breaks the protocol (bad frames, resets, half-open handshakes) is dropped; nothing it sends may reach
  // an 'error' event without a listener, which would end the process and the studio with it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  wss.on('error', (e) => logPeer('the WebSocket server', e));
  server.on('error', (e) => logPeer('the HTTP server', e));
  server.on('clientError', (e, socket) => {
    // Malformed HTTP: answer 400 when the socket can still take it, else just drop it.
    if (socket.writable && !(e as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    } else socket.destroy();
  });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    // Node removes its own error handling from a socket it hands over for an upgrade.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const status = url.pathname === '/ws' ? check(req, url) : 404;
    if (status) {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      // ws reports protocol violations (bad UTF-8, RSV bits, unmasked or oversized frames, reserved opcodes) as
      // 'error' events and closes the connection; without a listener the event would end the process.
      ws.on('error', (e) => {
        logPeer('a WebSocket peer', e);
        ws.terminate();
      });
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        onCall(ws, data.toString()).catch((e: unknown) => {
          logPeer('a WebSocket peer', e);
          ws.terminate();
        });
      });
    });
  });

  async function onCall(ws: WebSocket, text: string): Promise<void> {
    let msg: CallMessage;
    try {
      msg = JSON.parse(text) as CallMessage;
      if (typeof msg?.id !== 'number') throw new Error('no id');
    } catch {
      return;
    }
    let reply: ReplyMessage;
    try {
      const method = requireMethod(msg.method);
      reply = { id: msg.id, result: await studio.call(method, msg.params) };
    } catch (e) {
      reply = { id: msg.id, error: toErrorPayload(e) };
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  }

  const offEvents = studio.events.onAny((event, payload) => {
    const data = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const resolveUpload = (id: string) => {
    const u = uploads.get(id);
    if (!u) return null;
    return {
      file: u.file,
      release: () => {
        uploads.delete(id);
        rmSync(u.file, { force: true });
      },
    };
  };
  studio.setUploadResolver(resolveUpload);
  // Uploads that were never imported go after an hour, checked every few minutes.
  const expiry = setInterval(expireUploads, 5 * 60 * 1000);
  expiry.unref();

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    resolveUpload,
    async close() {
      clearInterval(expiry);
      offEvents();
      studio.setUploadResolver(null);
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(uploadsDir, { recursive: true, force: true });
    },
  };
}
