// Renderer entry: picks the transport (preload bridge in Electron, WebSocket in the web shell), builds the
// controllers, starts them and mounts the app, which hands them to its components through context.

import './app.css';
import { mount, unmount } from 'svelte';
import App from './App.svelte';
import { AppController } from './lib/app.svelte';
import { Client } from './lib/client';
import { ElectronTransport } from './lib/transport-electron';
import { takeTokenFromLocation, WebTransport } from './lib/transport-web';

const bridge = window.retakeBridge;
const transport = bridge ? new ElectronTransport(bridge) : new WebTransport(takeTokenFromLocation(location, history), new URL(location.href));
const app = new AppController(new Client(transport), bridge?.platform ?? navigator.platform, {
  pickFolder: bridge ? () => bridge.pickFolder() : null,
});
app.start();

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
const component = mount(App, { target, props: { app } });

window.addEventListener(
  'pagehide',
  (e) => {
    if (e.persisted) return;
    void unmount(component);
    app.dispose();
  },
  { once: true },
);
