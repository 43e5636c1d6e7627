// The Electron shell: one hardened window over the studio core. Kept thin (it cannot run on the build machines);
// everything worth testing lives in the core and the renderer. Security: contextIsolation, sandbox, no
// nodeIntegration, a strict CSP on every page response, navigation/new windows/webviews/permissions denied, the
// sender checked on every IPC call. One privileged scheme, retake-app://app, serves the renderer, media-store files
// (/media/<sha256>.<ext>, rebuilt from the validated hash) and the project's exports (/exports/<name>) — the same
// paths the web shell serves, so page and media share one origin. Media and exports answer byte ranges
// (../common/byte-ranges), so a media element plays and seeks an hour-long file without reading it whole.

import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import { createReadStream, existsSync, promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { requireMethod, toErrorPayload } from '../../contract';
import type { HostChannel, HostSpawner } from '../../engines/host/client';
import { hostRoleArg, type HostMessage, type HostRole } from '../../engines/host/protocol';
import { HostRouter } from '../../engines/host/router';
import { appRoot, distDir, rendererDir } from '../../paths';
import { setSqliteNativeBinding } from '../../store/db';
import { defaultProjectDir, retakeHome } from '../../studio/home';
import { Studio } from '../../studio/studio';
import { AUDIO_TYPES, planRange, rangeHeaders } from '../common/byte-ranges';
import { decodeSegment, exportName } from '../common/url-paths';

const APP_ORIGIN = 'retake-app://app';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // wavesurfer.js renders into a shadow root with its own <style> element.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

protocol.registerSchemesAsPrivileged([
  { scheme: 'retake-app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

/** better-sqlite3 built for Electron's ABI: in the package's resources, or made by `npm run setup:electron`. */
function sqliteBinding(): string {
  return app.isPackaged
    ? path.join(process.resourcesPath, 'native', 'better_sqlite3.node')
    : path.join(appRoot(), 'build', 'electron-abi', 'better_sqlite3.node');
}

/** An engine host (audio or model role) as an Electron utility process. */
function utilitySpawner(entry: string, role: HostRole): HostSpawner {
  return (): HostChannel => {
    const child = utilityProcess.fork(entry, [hostRoleArg(role)], {
      serviceName: `Retake ${role} host`,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => child.postMessage(msg),
      onMessage: (cb) => child.on('message', (m: unknown) => cb(m as HostMessage)),
      onExit: (cb) => child.on('exit', (code: number) => cb(code, null)),
      kill: () => {
        child.kill();
      },
    };
  };
}

let win: BrowserWindow | null = null;

function isOurSender(e: IpcMainInvokeEvent): boolean {
  return !!win && e.sender === win.webContents && (e.senderFrame?.url ?? '').startsWith(`${APP_ORIGIN}/`);
}

const notFound = () => new Response('Not found', { status: 404 });
const badRequest = () => new Response('Bad request: malformed %-escape', { status: 400 });

interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}

/** The window's size and place as last closed (the renderer remembers its own layout in localStorage). */
function readWindowState(file: string): WindowState {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
    if (typeof v.width === 'number' && typeof v.height === 'number' && v.width >= 600 && v.height >= 400) {
      const s: WindowState = { width: Math.round(v.width), height: Math.round(v.height), maximized: v.maximized === true };
      if (typeof v.x === 'number' && typeof v.y === 'number') Object.assign(s, { x: Math.round(v.x), y: Math.round(v.y) });
      return s;
    }
  } catch {
    // first start, or an unreadable file: the default size
  }
  return { width: 1400, height: 900 };
}

function saveWindowState(file: string, w: BrowserWindow): void {
  const b = w.getNormalBounds();
  try {
    writeFileSync(file, JSON.stringify({ width: b.width, height: b.height, x: b.x, y: b.y, maximized: w.isMaximized() }));
  } catch (e) {
    console.error('Could not remember the window size:', (e as Error).message);
  }
}

async function withHeaders(file: string, headers: Record<string, string>): Promise<Response> {
  const res = await net.fetch(pathToFileURL(file).href);
  const h = new Headers(res.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  return new Response(res.body, { status: res.status, headers: h });
}

/**
 * A media or export file with byte ranges, read by us rather than by net.fetch (whose file:// answers ignore the
 * request's Range): one range → 206, unsatisfiable → 416, several or a stale If-Range → the whole file; HEAD has no
 * body. `etag`: a strong tag for content that never changes (media are named by hash).
 */
async function serveRanges(req: Request, file: string, headers: Record<string, string>, etag?: string): Promise<Response> {
  let size: number;
  let lastModified: string;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return notFound();
    size = st.size;
    lastModified = st.mtime.toUTCString();
  } catch {
    return notFound();
  }
  const plan = planRange(size, req.headers.get('range'), req.headers.get('if-range'), { etag, lastModified });
  const h = new Headers({
    'X-Content-Type-Options': 'nosniff',
    'Last-Modified': lastModified,
    ...(etag ? { ETag: etag } : {}),
    ...headers,
    ...rangeHeaders(plan, size),
  });
  if (plan.status === 416) return new Response(null, { status: 416, headers: h });
  h.set('Content-Type', AUDIO_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
  if (req.method === 'HEAD' || size === 0) return new Response(null, { status: plan.status, headers: h });
  const body = createReadStream(file, plan.status === 206 ? { start: plan.start, end: plan.end } : {});
  return new Response(Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>, { status: plan.status, headers: h });
}

async function main(): Promise<void> {
  await app.whenReady();
  const binding = sqliteBinding();
  if (!existsSync(binding)) {
    dialog.showErrorBox(
      'Retake cannot start',
      `The database module built for Electron is missing (${binding}). Run "npm run setup:electron" with internet access, or use "npm run serve".`,
    );
    app.exit(1);
    return;
  }
  setSqliteNativeBinding(binding);

  const home = retakeHome();
  let studio: Studio | null = null;
  const entry = path.join(distDir(), 'engine-host.mjs');
  const host = new HostRouter((role) => utilitySpawner(entry, role), {
    onRestart: () => studio?.hostRestarted(),
  });
  studio = new Studio({ host, home });
  const s = studio;

  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const renderer = rendererDir();
  protocol.handle('retake-app', async (req) => {
    const url = new URL(req.url);
    if (url.host !== 'app') return notFound();
    const p = url.pathname;
    const media = /^\/media\/([a-f0-9]{64})\.([a-z0-9]{1,8})$/.exec(p);
    if (media) {
      const root = s.mediaRoot();
      if (!root) return notFound();
      // Rebuilt from the validated hash: the path cannot leave the media store.
      const file = path.join(root, media[1]!.slice(0, 2), `${media[1]}.${media[2]}`);
      return serveRanges(req, file, { 'Cache-Control': 'private, max-age=31536000, immutable' }, `"${media[1]}"`);
    }
    const exp = /^\/exports\/([^/]+)$/.exec(p);
    if (exp) {
      const dir = s.exportsDir();
      const want = exportName(exp[1]!);
      if ('status' in want) return want.status === 400 ? badRequest() : notFound();
      if (!dir) return notFound();
      const name = want.name;
      return serveRanges(req, path.join(dir, name), {
        'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
        'Cache-Control': 'no-store',
      });
    }
    const rel = p === '/' ? 'index.html' : decodeSegment(p.slice(1));
    if (rel === null) return badRequest();
    const file = path.resolve(renderer, rel);
    if (!file.startsWith(renderer + path.sep)) return notFound();
    return withHeaders(file, { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' });
  });

  ipcMain.handle('retake:call', async (e, method: unknown, params: unknown) => {
    if (!isOurSender(e)) return { ok: false, error: { code: 'E_AUTH', message: 'Refused: not the Retake window.' } };
    try {
      return { ok: true, result: await s.call(requireMethod(method), params) };
    } catch (err) {
      return { ok: false, error: toErrorPayload(err) };
    }
  });
  s.events.onAny((event, payload) => win?.webContents.send('retake:event', { event, payload }));
  ipcMain.handle('retake:pickFolder', async (e) => {
    if (!isOurSender(e) || !win) return null;
    const r = await dialog.showOpenDialog(win, { properties: ['openDirectory', 'createDirectory', 'promptToCreate'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  // Exports with destination 'ask' (the renderer's choice under Electron) go where the system's save dialog says.
  s.setSaveDialog(async (suggestedName) => {
    if (!win) return null;
    const where = s.projectDir;
    const r = await dialog.showSaveDialog(win, { defaultPath: where ? path.join(where, 'exports', suggestedName) : suggestedName });
    return r.canceled ? null : (r.filePath ?? null);
  });

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault());
    contents.on('will-redirect', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  await host.start().catch((e: unknown) => console.error('engine host:', toErrorPayload(e).message));
  const recent = s.settings.recent().find((r) => r.exists);
  await s.openOrCreate(recent?.dir ?? defaultProjectDir(home)).catch((e: unknown) => console.error(toErrorPayload(e).message));

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      // No undo/redo roles: Ctrl/Cmd+Z must reach the renderer, which undoes timeline operations (text fields keep
      // their own undo).
      { label: 'Edit', submenu: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );

  const windowFile = path.join(home, 'window.json');
  const bounds = readWindowState(windowFile);
  win = new BrowserWindow({
    width: bounds.width,
    height: bounds.height,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 900,
    minHeight: 600,
    backgroundColor: '#15171c',
    title: 'Retake',
    webPreferences: {
      preload: path.join(distDir(), 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (bounds.maximized) win.maximize();
  const shown = win;
  win.on('close', () => saveWindowState(windowFile, shown));
  win.on('closed', () => {
    win = null;
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (ev) => {
    if (!studio) return;
    ev.preventDefault();
    const st = studio;
    studio = null;
    void st
      .dispose()
      .finally(() => host.dispose())
      .finally(() => app.exit(0));
  });
}

if (!app.requestSingleInstanceLock()) app.quit();
else void main();
