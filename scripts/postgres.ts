/**
 * PostgreSQL for the production-like stack: a private cluster under a data
 * directory the launcher owns (initialised once, started and stopped with the
 * stack, listening on loopback TCP only), or an existing server by URL
 * (`BLOGTUBE_POSTGRES_URL=postgres://user:password@host:port`).
 *
 * `postgres` refuses to run as root: as root, the cluster runs as the
 * `postgres` system user when it exists, else as a `blogtube-pg` system user
 * created for it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isExecutableFile, run } from './go-install.js';
import { sleep } from './net.js';
import type { Reaper } from './proc.js';
import { type Exit, startService } from './service-process.js';

const exec = promisify(execFile);

/** Where the Temporal server and the SQL tool connect. */
export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface PostgresCluster {
  target: PostgresTarget;
  pid: number;
  exited: Promise<Exit>;
  /** Fast shutdown (SIGINT): open sessions are closed, the cluster checkpoints and stops. */
  stop(): Promise<void>;
}

/** `postgres://user:password@host:port[/db]` → target (the database part is ignored). */
export function parsePostgresUrl(url: string): PostgresTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('BLOGTUBE_POSTGRES_URL is not a URL (postgres://user:password@host:port)');
  }
  if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname || !u.username) {
    throw new Error('BLOGTUBE_POSTGRES_URL must look like postgres://user:password@host:port');
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/**
 * PostgreSQL's server programs: `BLOGTUBE_PG_BIN`, else the newest
 * `/usr/lib/postgresql/<major>/bin` (Debian), else the directory of `initdb` on PATH.
 */
export async function findPgBin(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const candidates: string[] = [];
  if (env.BLOGTUBE_PG_BIN) candidates.push(env.BLOGTUBE_PG_BIN);
  const debian = '/usr/lib/postgresql';
  const majors = (await readdir(debian).catch(() => [] as string[]))
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  candidates.push(...majors.map((v) => join(debian, v, 'bin')));
  for (const dir of (env.PATH ?? '').split(':')) if (dir) candidates.push(dir);
  for (const dir of candidates) {
    if (
      (await isExecutableFile(join(dir, 'initdb'))) &&
      (await isExecutableFile(join(dir, 'postgres')))
    )
      return dir;
  }
  throw new Error(
    env.BLOGTUBE_PG_BIN
      ? `BLOGTUBE_PG_BIN=${env.BLOGTUBE_PG_BIN} has no initdb and postgres`
      : 'PostgreSQL server programs (initdb, postgres) not found: install PostgreSQL (apt-get install postgresql), set BLOGTUBE_PG_BIN to their directory, or use an existing server with BLOGTUBE_POSTGRES_URL',
  );
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

function passwdEntry(name: string): Account | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const f = line?.split(':');
  return f ? { name, uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

/** The account the cluster runs as: ourselves, or a system user when we are root. */
async function clusterAccount(log: (s: string) => void): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = passwdEntry('postgres') ?? passwdEntry('blogtube-pg');
  if (existing) return existing;
  log('[postgres] running as root: creating the system user blogtube-pg to run PostgreSQL');
  await exec('useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    'blogtube-pg',
  ]);
  const created = passwdEntry('blogtube-pg');
  if (!created) throw new Error('useradd blogtube-pg did not create the user');
  return created;
}

export interface ClusterOptions {
  /** Owned by the launcher: `pgdata/` (the cluster), `password`, `postgres.log`. */
  dir: string;
  port: number;
  env?: NodeJS.ProcessEnv;
  reaper?: Reaper;
  log?: (s: string) => void;
  readyTimeoutMs?: number;
}

/** Initialises the cluster on first use, starts `postgres` as a child process group, waits until it accepts connections. */
export async function startCluster(opts: ClusterOptions): Promise<PostgresCluster> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const bin = await findPgBin(env);
  const account = await clusterAccount(log);
  const pgdata = join(opts.dir, 'pgdata');
  const user = 'temporal';
  // The cluster's user must reach pgdata through our directory.
  await mkdir(opts.dir, { recursive: true, mode: 0o711 });
  await chmod(opts.dir, 0o711);
  if (account) await assertReachable(opts.dir, account.name);
  const ids = account ? { uid: account.uid, gid: account.gid } : {};
  const childEnv: NodeJS.ProcessEnv = { PATH: env.PATH, LANG: 'C', LC_ALL: 'C' };
  const passwordFile = join(opts.dir, 'password');

  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    await rm(pgdata, { recursive: true, force: true });
    await mkdir(pgdata, { mode: 0o700 });
    if (account) await chown(pgdata, account.uid, account.gid);
    const password = randomBytes(18).toString('hex');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    // initdb reads the superuser's password from a file only its user can read; removed at once.
    const pwfile = join(pgdata, '..', `.initdb-pw-${process.pid}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (account) await chown(pwfile, account.uid, account.gid);
    log(`[postgres] initialising a cluster in ${pgdata}${account ? ` (as ${account.name})` : ''}`);
    try {
      await exec(
        join(bin, 'initdb'),
        [
          '-D',
          pgdata,
          '-U',
          user,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C',
        ],
        { env: childEnv, ...ids },
      );
    } catch (err) {
      await rm(pgdata, { recursive: true, force: true });
      throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, {
        cause: err,
      });
    } finally {
      await rm(pwfile, { force: true });
    }
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  const target: PostgresTarget = { host: '127.0.0.1', port: opts.port, user, password };

  const service = await startService({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: [
      '-D',
      pgdata,
      '-p',
      String(opts.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    env: childEnv,
    ids,
    logFile: join(opts.dir, 'postgres.log'),
    reaper: opts.reaper,
    // Fast shutdown: open sessions are closed, the cluster checkpoints and stops.
    stopSignal: 'SIGINT',
    graceMs: 15_000,
  });

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    const failure = service.failure();
    if (failure) {
      await service.stop();
      throw new Error(failure);
    }
    const ready = await run(
      join(bin, 'pg_isready'),
      ['-h', target.host, '-p', String(target.port), '-U', user, '-d', 'postgres', '-q'],
      childEnv,
      5_000,
    );
    if (ready.ok) break;
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`postgres on port ${opts.port} not ready in time:\n${service.tail()}`);
    }
    await sleep(200);
  }
  return { target, pid: service.pid, exited: service.exited, stop: service.stop };
}

/** Every directory above `dir` must let other users through (x), or the cluster's user cannot reach it. */
async function assertReachable(dir: string, user: string): Promise<void> {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const s = await stat(d);
    if ((s.mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as ${user}, which cannot enter ${d} (mode ${(s.mode & 0o777).toString(8)}): put the data directory elsewhere or chmod o+x ${d}`,
      );
    }
    if (d === dirname(d)) return;
  }
}
