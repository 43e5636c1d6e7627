// WebSocket frame fuzzer against the real web shell process (dist/web.mjs): a peer that holds the token sends frames
// that break RFC 6455 (invalid UTF-8, RSV bits without an extension, unmasked client frames, reserved opcodes, frames
// over the size limit, broken control and close frames, a connection reset mid-frame, seeded random bytes). After
// every case the shell must still be running and still answer both HTTP and a contract call over a fresh WebSocket;
// the bad peer itself must be dropped.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../helpers/tmp';
import { hostEntry, repoRoot } from '../../helpers/studio';

let child: ChildProcess;
let port = 0;
let token = '';
let stderr = '';
let exitCode: number | null | undefined;

beforeAll(async () => {
  hostEntry();
  const home = tempDir('retake-wsfuzz-');
  child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'web.mjs'), '--project', path.join(home, 'p'), '--no-open', '--port', '0'], {
    env: { ...process.env, RETAKE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', (code) => (exitCode = code));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('http://127.0.0.1:'));
      if (line) resolve(new URL(line.trim()));
    });
    child.on('exit', () => reject(new Error(`web shell exited early:\n${stderr}`)));
  });
  port = Number(url.port);
  token = url.searchParams.get('token')!;
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

/** Seeded xorshift32, so a failing random case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

interface FrameSpec {
  fin?: boolean;
  rsv?: number; // bits 0b100 = RSV1, 0b010 = RSV2, 0b001 = RSV3
  opcode: number;
  masked?: boolean;
  payload?: Buffer;
  /** Declared payload length when it differs from the payload sent (frames over the limit are never sent whole). */
  declared?: bigint;
}

/** One RFC 6455 frame, encoded by hand so that every field can be wrong. */
function frame(f: FrameSpec): Buffer {
  const payload = f.payload ?? Buffer.alloc(0);
  const len = f.declared ?? BigInt(payload.length);
  const masked = f.masked ?? true;
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | (f.opcode & 0x0f)];
  const m = masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  const key = masked ? Buffer.from([0x12, 0x34, 0x56, 0x78]) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

const text = (s: string) => Buffer.from(s, 'utf8');
const closePayload = (code: number, reason = Buffer.alloc(0)) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, reason]);
};

/** Opens a raw TCP connection and completes the WebSocket handshake with the token; resolves after the 101. */
function rawSocket(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    assertRunning();
    const s = net.connect(port, '127.0.0.1');
    let head = '';
    let open = false;
    // Before the 101 a connection error fails the case; after it, a reset by the shell is an expected outcome.
    s.on('error', (e) => (open ? undefined : reject(e)));
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      open = true;
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${head.slice(0, end)}`));
      resolve(s);
    };
    s.on('data', onData);
    s.once('connect', () =>
      s.write(
        `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    s.once('close', () => reject(new Error('closed during the handshake')));
  });
}

function assertRunning(): void {
  if (exitCode !== undefined) throw new Error(`the web shell is not running (exit ${exitCode}):\n${stderr}`);
}

/** Resolves true when the shell closes the connection within `ms`. */
function closedWithin(s: net.Socket, ms: number): Promise<boolean> {
  if (s.destroyed || s.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    s.resume();
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function httpStatus(p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The shell is alive and answers: HTTP with the token, and a contract call over a fresh WebSocket. */
async function expectAlive(label: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 20));
  if (exitCode !== undefined) throw new Error(`the web shell died after "${label}" (exit ${exitCode}):\n${stderr}`);
  expect(await httpStatus('/?token=wrong'), label).toBe(401);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = await new Promise<{ id: number; result?: unknown }>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString()) as { id: number; result?: unknown }));
      ws.send(JSON.stringify({ id: 7, method: 'history.state', params: {} }));
    });
    expect(reply.id, label).toBe(7);
    expect(reply.result, label).toBeTruthy();
  } finally {
    ws.terminate();
  }
}

const bigPayload = Buffer.alloc(200, 0x61);

const CASES: Array<{ name: string; bytes: () => Buffer }> = [
  { name: 'invalid UTF-8 in a text frame', bytes: () => frame({ opcode: 1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }) },
  { name: 'overlong UTF-8 encoding', bytes: () => frame({ opcode: 1, payload: Buffer.from([0xc0, 0xaf]) }) },
  { name: 'UTF-8 surrogate half', bytes: () => frame({ opcode: 1, payload: Buffer.from([0xed, 0xa0, 0x80]) }) },
  { name: 'RSV1 without an extension', bytes: () => frame({ opcode: 1, rsv: 0b100, payload: text('{}') }) },
  { name: 'RSV2 set', bytes: () => frame({ opcode: 1, rsv: 0b010, payload: text('{}') }) },
  { name: 'RSV3 set', bytes: () => frame({ opcode: 2, rsv: 0b001, payload: text('{}') }) },
  { name: 'unmasked text frame', bytes: () => frame({ opcode: 1, masked: false, payload: text('{"id":1}') }) },
  { name: 'unmasked ping', bytes: () => frame({ opcode: 9, masked: false }) },
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op) => ({
    name: `reserved opcode 0x${op.toString(16)}`,
    bytes: () => frame({ opcode: op, payload: text('x') }),
  })),
  { name: 'frame declaring 16 MiB + 1 (over the limit)', bytes: () => frame({ opcode: 2, declared: 16n * 1024n * 1024n + 1n, payload: bigPayload }) },
  { name: 'frame declaring 2^53 bytes', bytes: () => frame({ opcode: 2, declared: 2n ** 53n, payload: bigPayload }) },
  { name: 'frame declaring 2^63 bytes (MSB set)', bytes: () => frame({ opcode: 2, declared: 2n ** 63n, payload: bigPayload }) },
  {
    name: 'fragments adding up past the limit',
    bytes: () => Buffer.concat([frame({ opcode: 2, fin: false, declared: 9n * 1024n * 1024n }), Buffer.alloc(9 * 1024 * 1024), frame({ opcode: 0, declared: 9n * 1024n * 1024n })]),
  },
  { name: 'fragmented ping', bytes: () => frame({ opcode: 9, fin: false }) },
  { name: 'ping with 126 bytes', bytes: () => frame({ opcode: 9, payload: Buffer.alloc(126) }) },
  { name: 'continuation without a start', bytes: () => frame({ opcode: 0, payload: text('{}') }) },
  { name: 'new text frame inside a fragmented message', bytes: () => Buffer.concat([frame({ opcode: 1, fin: false, payload: text('{') }), frame({ opcode: 1, payload: text('}') })]) },
  { name: 'close with a 1-byte payload', bytes: () => frame({ opcode: 8, payload: Buffer.from([3]) }) },
  { name: 'close with a reserved code (1005)', bytes: () => frame({ opcode: 8, payload: closePayload(1005) }) },
  { name: 'close with code 999', bytes: () => frame({ opcode: 8, payload: closePayload(999) }) },
  { name: 'close with an invalid UTF-8 reason', bytes: () => frame({ opcode: 8, payload: closePayload(1000, Buffer.from([0xff])) }) },
  { name: 'data after close', bytes: () => Buffer.concat([frame({ opcode: 8, payload: closePayload(1000) }), frame({ opcode: 1, rsv: 0b111, payload: text('x') })]) },
];

describe('WebSocket frame fuzzer against the web shell process', () => {
  it('answers before the fuzzing starts', async () => {
    await expectAlive('start');
  });

  for (const c of CASES) {
    it(`drops a peer that sends: ${c.name}`, async () => {
      const s = await rawSocket();
      s.write(c.bytes());
      expect(await closedWithin(s, 5000), `${c.name}: the bad peer stays connected`).toBe(true);
      s.destroy();
      await expectAlive(c.name);
    });
  }

  it('survives a connection reset in the middle of a frame', async () => {
    const s = await rawSocket();
    s.write(frame({ opcode: 1, payload: text('{"id":1,"method":"history.state"}') }).subarray(0, 9));
    await new Promise((r) => setTimeout(r, 20));
    s.resetAndDestroy();
    await expectAlive('reset mid-frame');
  });

  it('survives a reset while an upgrade is refused', async () => {
    assertRunning();
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    s.write(`GET /ws?token=wrong HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
    s.resetAndDestroy();
    await expectAlive('reset during a refused upgrade');
  });

  it('survives broken handshakes', async () => {
    const requests = [
      `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 99\r\n\r\n`,
      `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: not a key!\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET /nows?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', // a TLS ClientHello on the plain port
    ];
    for (const [i, req] of requests.entries()) {
      assertRunning();
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise((r) => s.once('connect', r));
      s.write(req);
      expect(await closedWithin(s, 5000), `broken handshake ${i}`).toBe(true);
      s.destroy();
    }
    await expectAlive('broken handshakes');
  });

  it('survives seeded random bytes after a valid handshake', async () => {
    const next = rng(0x5eed);
    for (let k = 0; k < 40; k++) {
      const s = await rawSocket();
      const n = 1 + Math.floor(next() * 512);
      const junk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) junk[i] = Math.floor(next() * 256);
      s.write(junk);
      // Random bytes may form a valid frame header that waits for more data: end our side, then check the shell.
      await closedWithin(s, 100);
      s.destroy();
    }
    await expectAlive('random bytes');
  });

  it('logged the dropped peers on stderr, not on stdout', () => {
    expect(exitCode).toBeUndefined();
    expect(stderr).toMatch(/WebSocket/);
  });
});
