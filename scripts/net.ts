/** Small TCP helpers for the launchers: free ports and readiness probes. */
import { createServer, connect } from 'node:net';

/** A TCP port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) =>
        err ? reject(err) : port ? resolve(port) : reject(new Error('no port')),
      );
    });
  });
}

/** True when `port` can be listened on right now. */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports, free a moment ago, from a random start in
 * [lo, hi) (for servers that store their ports in a 16-bit signed column).
 */
export async function freePortRange(
  count: number,
  lo = 20_000,
  hi = 32_000,
  host = '127.0.0.1',
): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = lo + Math.floor(Math.random() * (hi - lo - count));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await canListen(p, host);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports in ${lo}-${hi}`);
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export async function isPortOpen(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 500,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean): void => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Waits until host:port accepts connections. Rejects after timeoutMs, or as
 * soon as `abort()` returns a reason (e.g. the process that should listen died).
 */
export async function waitForPort(
  port: number,
  opts: {
    host?: string;
    timeoutMs?: number;
    intervalMs?: number;
    abort?: () => string | undefined;
  } = {},
): Promise<void> {
  const { host = '127.0.0.1', timeoutMs = 30_000, intervalMs = 100 } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = opts.abort?.();
    if (reason) throw new Error(reason);
    if (await isPortOpen(port, host)) return;
    if (Date.now() >= deadline) {
      throw new Error(`nothing listens on ${host}:${port} after ${Math.round(timeoutMs / 1000)}s`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `host:port`, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
