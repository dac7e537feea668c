/**
 * Runs `temporal server start-dev` as a child process group and waits until
 * its frontend answers, with the project's custom search attributes registered.
 */
import { type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, searchAttributeFlags } from '../common/search-attributes.js';
import { onLines, Tail } from './lines.js';
import { freePort, hostPort, isPortOpen, sleep } from './net.js';
import { hasExited, Reaper, spawnGroup, terminateGroup } from './proc.js';

export interface DevServerOptions {
  cliPath: string;
  /** Frontend gRPC port; 0 or undefined picks a free one. */
  port?: number;
  /** Web UI port; 0 or undefined picks a free one; false runs headless. */
  uiPort?: number | false;
  /** Persistent SQLite file; omitted keeps everything in memory. */
  dbFile?: string;
  /** Codec endpoint the Web UI decodes payloads through. */
  uiCodecEndpoint?: string;
  /** Namespace to create besides `default`. */
  namespace?: string;
  /** Appends the server's stdout and stderr here. */
  logFile?: string;
  /** Address the frontend (and UI) bind to; default 127.0.0.1. */
  ip?: string;
  /** How long to wait for the frontend (default 60 s). */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace on stop (default 10 s). */
  stopGraceMs?: number;
  /** Watchdog that kills the server if this process dies; default: a private one. */
  reaper?: Reaper | false;
  log?: (s: string) => void;
}

export interface DevServer {
  /** `host:port` of the frontend. */
  address: string;
  uiUrl?: string;
  pid: number;
  /** Resolves when the server process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** temporal.api.enums.v1.IndexedValueType */
const INDEXED_VALUE_TYPE: Record<string, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/** Arguments of `temporal server start-dev` (pure; exported for tests). */
export function devServerArgs(o: {
  port: number;
  uiPort: number | false;
  ip: string;
  dbFile?: string;
  namespace?: string;
  uiCodecEndpoint?: string;
}): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port)];
  args.push(...(o.uiPort === false ? ['--headless'] : ['--ui-port', String(o.uiPort)]));
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.uiCodecEndpoint && o.uiPort !== false) args.push('--ui-codec-endpoint', o.uiCodecEndpoint);
  args.push('--log-level', 'warn', '--namespace', 'default');
  if (o.namespace && o.namespace !== 'default') args.push('--namespace', o.namespace);
  args.push(...searchAttributeFlags());
  return args;
}

/**
 * Makes sure every attribute of `attributes` (default `SEARCH_ATTRIBUTES`) is
 * registered on `namespace` (a reused persistent DB keeps the attributes it
 * was created with; `--search-attribute` does not add new ones). Returns the
 * names added.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  attributes: Readonly<Record<string, string>> = SEARCH_ATTRIBUTES,
): Promise<string[]> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = listed.customAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const [name, type] of Object.entries(attributes)) {
    const want = INDEXED_VALUE_TYPE[type];
    const have = existing[name] as unknown;
    if (have === undefined || have === null) {
      if (want !== undefined) missing[name] = want;
    } else if (toTypeNumber(have) !== want) {
      throw new SearchAttributeConflict(
        `search attribute ${name} is registered on namespace ${namespace} with another type (${String(have)}, want ${type}); use a fresh database`,
      );
    }
  }
  const added = Object.keys(missing);
  if (added.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: missing,
  });
  // Registration is asynchronous on some persistence stores: wait until listed.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const again = await connection.operatorService.listSearchAttributes({ namespace });
    const now = again.customAttributes ?? {};
    if (added.every((name) => now[name] !== undefined && now[name] !== null)) return added;
    if (Date.now() > deadline) {
      throw new Error(`search attributes ${added.join(', ')} still missing on ${namespace}`);
    }
    await sleep(200);
  }
}

export class SearchAttributeConflict extends Error {}

function toTypeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const name = v
      .replace(/^INDEXED_VALUE_TYPE_/, '')
      .toLowerCase()
      .replace(/_/g, '');
    for (const [k, n] of Object.entries(INDEXED_VALUE_TYPE)) if (k.toLowerCase() === name) return n;
  }
  return undefined;
}

/** Child environment: no TEMPORAL_* client settings leak into the server's own client config. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TEMPORAL_')) env[k] = v;
  return env;
}

class EarlyExit extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const autoPort = !opts.port;
  const autoUi = opts.uiPort === undefined || opts.uiPort === 0;
  const attempts = autoPort || autoUi ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      // A picked port was taken between our probe and the server's bind: pick again.
      if (err instanceof EarlyExit && err.portInUse && attempt < attempts) continue;
      throw err;
    }
  }
}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? (() => {});
  const ip = opts.ip ?? '127.0.0.1';
  const host = ip === '0.0.0.0' ? '127.0.0.1' : ip === '::' ? '::1' : ip;
  const namespace = opts.namespace ?? 'default';
  const port = opts.port || (await freePort(host));
  const uiPort = opts.uiPort === false ? false : opts.uiPort || (await freePort(host));
  const address = hostPort(host, port);

  const explicitPorts = [opts.port, opts.uiPort].filter(
    (p): p is number => typeof p === 'number' && p > 0,
  );
  for (const p of explicitPorts) {
    if (await isPortOpen(p, host)) {
      throw new Error(
        `port ${p} on ${host} is already in use (another Temporal dev server?); stop it or choose other ports`,
      );
    }
  }
  if (opts.dbFile) await mkdir(dirname(opts.dbFile), { recursive: true });
  let logStream: WriteStream | undefined;
  if (opts.logFile) {
    await mkdir(dirname(opts.logFile), { recursive: true });
    logStream = createWriteStream(opts.logFile, { flags: 'a' });
    logStream.on('error', () => {});
    logStream.write(`--- ${new Date().toISOString()} temporal server start-dev on ${address}\n`);
  }

  const args = devServerArgs({
    port,
    uiPort,
    ip,
    dbFile: opts.dbFile,
    namespace,
    uiCodecEndpoint: opts.uiCodecEndpoint,
  });
  const child: ChildProcess = spawnGroup(opts.cliPath, args, {
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ownReaper = opts.reaper === undefined ? new Reaper() : undefined;
  const reaper = opts.reaper === false ? undefined : (opts.reaper ?? ownReaper);
  reaper?.add(child.pid);

  const tail = new Tail(40);
  const record = (line: string): void => {
    tail.push(line);
    logStream?.write(`${line}\n`);
  };
  if (child.stdout) onLines(child.stdout, record);
  if (child.stderr) onLines(child.stderr, record);

  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid !== undefined && !hasExited(child)) {
        await terminateGroup(child, { graceMs: opts.stopGraceMs ?? 10_000 });
      } else if (child.pid !== undefined) {
        await terminateGroup(child, { graceMs: 1_000 }); // leftovers of its group, if any
      }
      reaper?.remove(child.pid);
      ownReaper?.close();
      await new Promise<void>((resolve) => (logStream ? logStream.end(resolve) : resolve()));
    })();
    return stopping;
  };

  const describe = (): string =>
    `${opts.cliPath} ${args.join(' ')}\n--- server output (last lines) ---\n${tail.toString() || '(none)'}`;

  try {
    await waitUntilReady({
      address,
      host,
      uiPort,
      namespaces: [...new Set(['default', namespace])],
      timeoutMs: opts.readyTimeoutMs ?? 60_000,
      failed: () => {
        if (spawnError) return new Error(`could not run the Temporal CLI: ${spawnError.message}`);
        if (!hasExited(child)) return undefined;
        const how = child.signalCode ?? `exit code ${child.exitCode}`;
        return new EarlyExit(
          `Temporal dev server exited (${how}) before it was ready.\n${describe()}`,
          /address already in use|bind:/i.test(tail.toString()),
        );
      },
      log,
    });
  } catch (err) {
    await stop();
    if (err instanceof EarlyExit) throw err;
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${describe()}`, {
      cause: err,
    });
  }

  if (child.pid === undefined) throw new Error('Temporal dev server has no pid');
  return {
    address,
    uiUrl: uiPort === false ? undefined : `http://${hostPort(host, uiPort)}`,
    pid: child.pid,
    exited,
    stop,
  };
}

async function waitUntilReady(o: {
  address: string;
  host: string;
  uiPort: number | false;
  namespaces: string[];
  timeoutMs: number;
  failed: () => Error | undefined;
  log: (s: string) => void;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const port = Number(o.address.slice(o.address.lastIndexOf(':') + 1));
  let lastError = 'the frontend port never opened';
  for (;;) {
    const failure = o.failed();
    if (failure) throw failure;
    if (Date.now() > deadline) {
      throw new Error(
        `Temporal dev server at ${o.address} not ready after ${Math.round(o.timeoutMs / 1000)}s: ${lastError}`,
      );
    }
    if (await isPortOpen(port, o.host)) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address: o.address, connectTimeout: '3s' });
        for (const namespace of o.namespaces) {
          await connection.workflowService.describeNamespace({ namespace });
          const added = await ensureSearchAttributes(connection, namespace);
          if (added.length)
            o.log(`[dev-server] registered search attributes on ${namespace}: ${added.join(', ')}`);
        }
        break;
      } catch (err) {
        if (err instanceof SearchAttributeConflict) throw err;
        lastError = err instanceof Error ? err.message : String(err);
      } finally {
        await connection?.close().catch(() => {});
      }
    }
    await sleep(150);
  }
  if (o.uiPort !== false) {
    while (!(await isPortOpen(o.uiPort, o.host))) {
      const failure = o.failed();
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`the Web UI never opened port ${o.uiPort}`);
      await sleep(150);
    }
  }
}
