/**
 * `npm start`: the whole system on one machine. Provisions the Temporal CLI and
 * runs its dev server with a persistent database (unless TEMPORAL_ADDRESS names
 * a server), then the GitHub and Anthropic simulators (unless pointed at real
 * services), both workers and the webhook bridge, supervised: prefixed output,
 * restarts with backoff, ordered shutdown on Ctrl-C / SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Connection } from '@temporalio/client';
import { ensureSearchAttributes, startDevServer, type DevServer } from './dev-server.js';
import { isPortOpen, sleep, waitForPort } from './net.js';
import { killGroup, Reaper } from './proc.js';
import { describeExit, formatDelay, nextRestart } from './restart-policy.js';
import { bannerText, resolveStartPlan, type ServicePlan, type StartPlan } from './start-plan.js';
import { handleShutdownSignals, Supervisor } from './supervisor.js';
import { ensureTemporalCli } from './temporal-cli.js';

/** dist/scripts/start.js → project root. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const plan = resolveStartPlan(process.env, ROOT);
  assertBuilt(plan.services, ' (npm start does)');

  await checkPortsFree(plan);
  if (plan.codec.generatedKeyFile) ensureDevKeyFile(plan.codec.generatedKeyFile);

  const reaper = new Reaper({ graceMs: 10_000 });
  const supervisor = new Supervisor({
    reaper,
    graceMs: 10_000,
    prefixWidth: Math.max(...plan.services.map((s) => s.name.length), 'temporal'.length),
  });
  const log = (s: string): void => supervisor.log(s);
  let server: DevServer | undefined;
  let shuttingDown = false;

  handleShutdownSignals({
    signals: ['SIGINT', 'SIGTERM', 'SIGHUP'],
    log,
    shutdown: async () => {
      shuttingDown = true;
      await supervisor.stop();
      if (server) {
        log('stopping the Temporal dev server');
        await server.stop();
      }
      reaper.close();
      log('all stopped');
    },
    force: () => {
      shuttingDown = true;
      supervisor.kill();
      if (server) killGroup(server.pid, 'SIGKILL');
      reaper.close();
    },
  });

  if (plan.temporal.mode === 'dev-server') {
    const t = plan.temporal;
    const cliPath = await ensureTemporalCli({
      log: (s) => log(s.replace(/^\[temporal-cli\] /, '')),
    });
    const startServer = async (): Promise<DevServer> =>
      startDevServer({
        cliPath,
        ip: t.host,
        port: t.port,
        uiPort: t.uiPort,
        dbFile: t.dbFile,
        logFile: t.logFile,
        uiCodecEndpoint: plan.codec.endpoint,
        reaper,
        log,
      });
    log(`starting the Temporal dev server on ${t.host}:${t.port} (log: .data/temporal.log)`);
    server = await startServer();
    void watchServer(
      server,
      startServer,
      () => shuttingDown,
      log,
      (s) => (server = s),
    );
  } else {
    await registerSearchAttributes(plan.urls.temporalAddress, log);
  }
  if (shuttingDown) return;

  await superviseServices(
    supervisor,
    plan.services,
    () => plan.childEnv,
    () => shuttingDown,
    log,
  );
  if (!shuttingDown) process.stdout.write(`\n${bannerText(plan)}\n\n`);
}

/** Fails before anything starts when a service's built file is missing; `hint` follows the advice to build. */
export function assertBuilt(services: ServicePlan[], hint = ''): void {
  const missing = services.filter((s) => !existsSync(join(ROOT, s.file)));
  if (missing.length) {
    throw new Error(
      `missing build output: ${missing.map((s) => s.file).join(', ')}; run \`npm run build\`${hint}`,
    );
  }
}

/**
 * Starts each service under the supervisor, in order, with its environment
 * (`envOf`, over this process's), waiting up to a minute for each one with a
 * port to listen (then going on); stops starting when `stopping` says so.
 */
export async function superviseServices(
  supervisor: Supervisor,
  services: ServicePlan[],
  envOf: (service: ServicePlan) => NodeJS.ProcessEnv,
  stopping: () => boolean,
  log: (s: string) => void,
): Promise<void> {
  for (const service of services) {
    if (stopping()) return;
    supervisor.add({
      name: service.name,
      command: process.execPath,
      args: [join(ROOT, service.file)],
      cwd: ROOT,
      // Children's logs are read here, prefixed: human-readable unless LOG_FORMAT says otherwise.
      env: { LOG_FORMAT: 'pretty', ...process.env, ...envOf(service) },
    });
    if (service.port !== undefined) {
      await waitForPort(service.port, {
        timeoutMs: READY_TIMEOUT_MS,
        abort: () => (stopping() ? 'shutting down' : undefined),
      }).catch((err: unknown) => {
        if (!stopping()) {
          log(
            `${service.name} is not listening on port ${service.port} yet (${(err as Error).message}); going on`,
          );
        }
      });
    }
  }
}

/** A development encryption key, made once and kept (mode 0600) so histories stay readable. */
export function ensureDevKeyFile(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `dev1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}

/** Fails fast, naming the variable to change, when a port we would listen on is taken. */
export async function checkPortsFree(plan: StartPlan): Promise<void> {
  const wanted: [number, string][] = plan.services
    .filter((s) => s.port !== undefined)
    .map((s) => [s.port as number, `${s.name}; ${s.portVar ?? 'port'}`]);
  if (plan.temporal.mode === 'dev-server') {
    wanted.unshift(
      [plan.temporal.port, 'Temporal frontend; TEMPORAL_PORT'],
      [plan.temporal.uiPort, 'Temporal Web UI; TEMPORAL_UI_PORT'],
    );
  }
  const busy: string[] = [];
  for (const [port, what] of wanted) {
    if (await isPortOpen(port)) busy.push(`${port} (${what})`);
  }
  if (busy.length === 0) return;
  const hint =
    plan.temporal.mode === 'dev-server' && busy[0]?.includes('TEMPORAL_PORT')
      ? `\n  A Temporal server already runs there? Use it: TEMPORAL_ADDRESS=${plan.urls.temporalAddress} npm start`
      : '';
  throw new Error(
    `already in use on 127.0.0.1: ${busy.join(', ')}.\n  Is another \`npm start\` running? Stop it, or set the variables named above.${hint}`,
  );
}

/** A server process {@link watchServer} can restart. */
interface Restartable {
  address: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Restarts a Temporal server (same port and database) if it dies while we run. */
export async function watchServer<S extends Restartable>(
  first: S,
  start: () => Promise<S>,
  shuttingDown: () => boolean,
  log: (s: string) => void,
  replace: (s: S) => void,
  label = { name: 'temporal dev server', logHint: ' (see .data/temporal.log)' },
): Promise<void> {
  let current = first;
  let failures = 0;
  for (;;) {
    const startedAt = Date.now();
    const { code, signal } = await current.exited;
    if (shuttingDown()) return;
    const next = nextRestart(failures, Date.now() - startedAt);
    failures = next.failures;
    log(
      `${label.name} exited (${describeExit(code, signal)}); restarting in ${formatDelay(next.delayMs)}${label.logHint}`,
    );
    await current.stop();
    await sleep(next.delayMs);
    if (shuttingDown()) return;
    try {
      current = await start();
      replace(current);
      log(`${label.name} is back on ${current.address}`);
    } catch (err) {
      log(`${label.name} did not come back: ${(err as Error).message.split('\n')[0]}`);
      current = { ...current, exited: Promise.resolve({ code: null, signal: null }) };
    }
  }
}

/** Best effort on a server we do not run: it may refuse operator calls (Temporal Cloud). */
async function registerSearchAttributes(address: string, log: (s: string) => void): Promise<void> {
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '10s' });
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length) log(`registered search attributes on ${namespace}: ${added.join(', ')}`);
  } catch (err) {
    log(
      `could not check search attributes on ${namespace} (${(err as Error).message}); register them yourself if runs fail to upsert them`,
    );
  } finally {
    await connection?.close().catch(() => {});
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`[supervisor] ${err instanceof Error ? err.message : String(err)}\n`);
    // Children and the dev server die with the reaper once we exit.
    process.exit(1);
  });
}
