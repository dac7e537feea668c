/**
 * Runs Temporal's real server (all services in one process) on PostgreSQL
 * persistence and visibility, from the configuration committed in
 * deploy/temporal/: server-postgres.yaml (templated; this module sets its
 * variables), dynamicconfig.yaml and search-attributes.txt, the last two
 * shared with docker-compose.temporal.yml. Waits until the frontend serves
 * the namespace with BlogTube's search attributes registered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { ensureSearchAttributes, SearchAttributeConflict } from './dev-server.js';
import { freePort, freePortRange, hostPort, sleep } from './net.js';
import type { PostgresTarget } from './postgres.js';
import type { Reaper } from './proc.js';
import { type Exit, startService } from './service-process.js';

/** The files both deployment paths read, relative to the project root. */
export const SHARED_TEMPORAL_FILES = {
  dynamicConfig: 'deploy/temporal/dynamicconfig.yaml',
  searchAttributes: 'deploy/temporal/search-attributes.txt',
} as const;
const CONFIG_DIR = 'deploy/temporal';
const CONFIG_ENV = 'server-postgres';

/** `NAME=TYPE` lines (`#` comments and blank lines ignored) → { NAME: TYPE }. */
export function parseSearchAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\w+)=(\w+)$/.exec(line);
    if (!m?.[1] || !m[2]) throw new Error(`search-attributes.txt: not NAME=TYPE: ${line}`);
    out[m[1]] = m[2];
  }
  return out;
}

export function readSearchAttributes(root: string): Record<string, string> {
  return parseSearchAttributes(
    readFileSync(join(root, SHARED_TEMPORAL_FILES.searchAttributes), 'utf8'),
  );
}

/** Every port the server listens on (loopback). */
export interface ServerPorts {
  frontend: number;
  http: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/**
 * The frontend on `frontend` (0: a free port); the others from `base` upwards,
 * or from a free range when `base` is omitted (tests). The server stores its
 * membership ports as PostgreSQL smallint: they must stay below 32768.
 */
export async function serverPorts(frontend: number, base?: number): Promise<ServerPorts> {
  const names = [
    'http',
    'frontendMembership',
    'history',
    'historyMembership',
    'matching',
    'matchingMembership',
    'worker',
    'workerMembership',
  ] as const;
  const first = base ?? (await freePortRange(names.length));
  if (first + names.length > 32768) {
    throw new Error(
      `Temporal's internal ports ${first}-${first + names.length - 1} must stay below 32768`,
    );
  }
  const ports = { frontend: frontend || (await freePort()) } as ServerPorts;
  for (const [i, name] of names.entries()) ports[name] = first + i;
  return ports;
}

/** The variables deploy/temporal/server-postgres.yaml reads (pure; exported for tests). */
export function serverConfigEnv(o: {
  root: string;
  ports: ServerPorts;
  pg: PostgresTarget;
  logLevel?: string;
}): Record<string, string> {
  const p = o.ports;
  return {
    BLOGTUBE_TEMPORAL_LOG_LEVEL: o.logLevel ?? 'warn',
    BLOGTUBE_PG_ADDRESS: hostPort(o.pg.host, o.pg.port),
    BLOGTUBE_PG_USER: o.pg.user,
    BLOGTUBE_PG_PASSWORD: o.pg.password,
    BLOGTUBE_TEMPORAL_FRONTEND_PORT: String(p.frontend),
    BLOGTUBE_TEMPORAL_HTTP_PORT: String(p.http),
    BLOGTUBE_TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    BLOGTUBE_TEMPORAL_HISTORY_PORT: String(p.history),
    BLOGTUBE_TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    BLOGTUBE_TEMPORAL_MATCHING_PORT: String(p.matching),
    BLOGTUBE_TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    BLOGTUBE_TEMPORAL_WORKER_PORT: String(p.worker),
    BLOGTUBE_TEMPORAL_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    BLOGTUBE_TEMPORAL_DYNAMIC_CONFIG: join(o.root, SHARED_TEMPORAL_FILES.dynamicConfig),
  };
}

export interface TemporalServer {
  address: string;
  pid: number;
  exited: Promise<Exit>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  serverPath: string;
  /** Project root (the configuration files). */
  root: string;
  ports: ServerPorts;
  pg: PostgresTarget;
  logFile: string;
  namespace?: string;
  logLevel?: string;
  reaper?: Reaper;
  log?: (s: string) => void;
  readyTimeoutMs?: number;
}

export async function startTemporalServer(o: ServerOptions): Promise<TemporalServer> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, serverConfigEnv(o));
  const service = await startService({
    name: 'temporal-server',
    command: o.serverPath,
    args: [
      '--root',
      o.root,
      '--config',
      CONFIG_DIR,
      '--env',
      CONFIG_ENV,
      '--allow-no-auth',
      'start',
    ],
    env,
    cwd: o.root,
    logFile: o.logFile,
    reaper: o.reaper,
    graceMs: 15_000,
  });
  const address = hostPort('127.0.0.1', o.ports.frontend);
  try {
    await waitUntilServing({
      address,
      namespace: o.namespace ?? 'default',
      attributes: readSearchAttributes(o.root),
      failed: service.failure,
      timeoutMs: o.readyTimeoutMs ?? 120_000,
      log: o.log ?? (() => {}),
    });
  } catch (err) {
    await service.stop();
    throw err;
  }
  return { address, pid: service.pid, exited: service.exited, stop: service.stop };
}

/** gRPC ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

/**
 * Until the frontend answers: registers the namespace (a fresh database has
 * none), waits until the frontend's namespace cache knows it, registers the
 * search attributes.
 */
async function waitUntilServing(o: {
  address: string;
  namespace: string;
  attributes: Record<string, string>;
  failed: () => string | undefined;
  timeoutMs: number;
  log: (s: string) => void;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let lastError = 'the frontend never answered';
  let registered = false;
  for (;;) {
    const failure = o.failed();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) {
      throw new Error(
        `Temporal server at ${o.address} not serving namespace ${o.namespace} after ${Math.round(o.timeoutMs / 1000)}s: ${lastError}`,
      );
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address: o.address, connectTimeout: '3s' });
      if (!registered) {
        await connection.workflowService
          .registerNamespace({
            namespace: o.namespace,
            workflowExecutionRetentionPeriod: msToTs('3 days'),
          })
          .then(
            () => o.log(`[temporal-server] registered namespace ${o.namespace}`),
            (err: { code?: number }) => {
              if (err.code !== ALREADY_EXISTS) throw err;
            },
          );
        registered = true;
      }
      await connection.workflowService.describeNamespace({ namespace: o.namespace });
      const added = await ensureSearchAttributes(connection, o.namespace, o.attributes);
      if (added.length) {
        o.log(
          `[temporal-server] registered search attributes on ${o.namespace}: ${added.join(', ')}`,
        );
      }
      return;
    } catch (err) {
      if (err instanceof SearchAttributeConflict) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await connection?.close().catch(() => {});
    }
    await sleep(500);
  }
}
