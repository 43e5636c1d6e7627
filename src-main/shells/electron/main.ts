// The Electron shell: one hardened window over the studio core. Kept thin (it cannot run on the build machines);
// everything worth testing lives in the core and the renderer. Security: contextIsolation, sandbox, no
// nodeIntegration, a strict CSP on every page response, navigation/new windows/webviews/permissions denied, the
// sender checked on every IPC call, and a media protocol that serves only files of the open project's media store.

import { app, BrowserWindow, ipcMain, Menu, net, protocol, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { requireMethod, toErrorPayload } from '../../contract';
import { EngineHost, type HostChannel, type HostSpawner } from '../../engines/host/client';
import type { HostMessage } from '../../engines/host/protocol';
import { distDir, rendererDir } from '../../paths';
import { defaultProjectDir, retakeHome } from '../../studio/home';
import { Studio } from '../../studio/studio';

const APP_ORIGIN = 'retake-app://app';
const MEDIA_SCHEME = 'retake-media';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  `media-src 'self' blob: ${MEDIA_SCHEME}:`,
  `connect-src 'self' ${MEDIA_SCHEME}:`,
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

protocol.registerSchemesAsPrivileged([
  { scheme: 'retake-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

/** The engine host as an Electron utility process. */
function utilitySpawner(entry: string): HostSpawner {
  return (): HostChannel => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Retake engine host', stdio: 'inherit' });
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

async function main(): Promise<void> {
  await app.whenReady();
  const home = retakeHome();
  let studio: Studio | null = null;
  const host = new EngineHost(utilitySpawner(path.join(distDir(), 'engine-host.mjs')), {
    onRestart: () => studio?.hostRestarted(),
  });
  studio = new Studio({
    host,
    home,
    mediaUrl: (hash, ext) => `${MEDIA_SCHEME}://media/${hash}.${ext}`,
    exportUrl: (file) => pathToFileURL(file).href,
  });
  const s = studio;

  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const renderer = rendererDir();
  protocol.handle('retake-app', async (req) => {
    const url = new URL(req.url);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(renderer, rel);
    if (url.host !== 'app' || !file.startsWith(renderer + path.sep)) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
  protocol.handle(MEDIA_SCHEME, async (req) => {
    const url = new URL(req.url);
    const m = /^\/([a-f0-9]{64})\.([a-z0-9]{1,8})$/.exec(url.pathname);
    const root = s.mediaRoot();
    if (url.host !== 'media' || !m || !root) return new Response('Not found', { status: 404 });
    // Rebuilt from the validated hash: the path cannot leave the media store.
    const res = await net.fetch(pathToFileURL(path.join(root, m[1]!.slice(0, 2), `${m[1]}.${m[2]}`)).href);
    // The page (retake-app://app) fetches media cross-scheme for Web Audio playback.
    const headers = new Headers(res.headers);
    headers.set('Access-Control-Allow-Origin', APP_ORIGIN);
    return new Response(res.body, { status: res.status, headers });
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
      {
        label: 'Edit',
        submenu: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
      },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );

  win = new BrowserWindow({
    width: 1400,
    height: 900,
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
