/**
 * `npm run stack:prod`: BlogTube on a production-like stack on one machine.
 * Provisions the Temporal server, its SQL tool and the Web UI server (cached
 * builds), runs a private PostgreSQL cluster (or uses BLOGTUBE_POSTGRES_URL),
 * sets up Temporal's schemas, starts the server on PostgreSQL persistence and
 * visibility with BlogTube's search attributes, the Web UI, then the
 * simulators, codec server, N orchestrator and M model worker processes and
 * the bridge, supervised. Ctrl-C / SIGTERM stops everything in reverse order.
 *
 *   npm run stack:prod -- --orchestrators 3 --model-workers 2 [--no-ui]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isPortOpen } from './net.js';
import {
  parsePostgresUrl,
  startCluster,
  type PostgresCluster,
  type PostgresTarget,
} from './postgres.js';
import { Reaper } from './proc.js';
import { resolveProdStackPlan, type ProdStackPlan } from './prod-stack-plan.js';
import { redactUrl, bannerText } from './start-plan.js';
import {
  assertBuilt,
  checkPortsFree,
  ensureDevKeyFile,
  superviseServices,
  watchServer,
} from './start.js';
import { handleShutdownSignals, Supervisor } from './supervisor.js';
import { setupTemporalSchemas } from './temporal-schema.js';
import { ensureServerTools, ensureUiServer } from './temporal-server-bin.js';
import {
  serverPorts,
  startTemporalServer,
  type ServerPorts,
  type TemporalServer,
} from './temporal-server.js';
import { startWebUi, type WebUi } from './web-ui.js';

/** dist/scripts/stack-prod.js → project root. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const started = Date.now();
  const plan = resolveProdStackPlan(process.argv.slice(2), process.env, ROOT);
  assertBuilt(plan.start.services);
  await checkPortsFree(plan.start);
  const ports = await serverPorts(plan.temporal.port, plan.temporal.internalPortBase);
  await checkStackPortsFree(plan, ports);
  if (plan.start.codec.generatedKeyFile) ensureDevKeyFile(plan.start.codec.generatedKeyFile);

  const reaper = new Reaper({ graceMs: 15_000 });
  const supervisor = new Supervisor({
    reaper,
    graceMs: 10_000,
    prefixWidth: Math.max(...plan.start.services.map((s) => s.name.length)),
  });
  const log = (s: string): void => supervisor.log(s);
  let pg: PostgresCluster | undefined;
  let server: TemporalServer | undefined;
  let ui: WebUi | undefined;
  let shuttingDown = false;
  handleShutdownSignals({
    signals: ['SIGINT', 'SIGTERM', 'SIGHUP'],
    log,
    shutdown: async () => {
      shuttingDown = true;
      await supervisor.stop();
      for (const [what, part] of [
        ['the Web UI', ui],
        ['the Temporal server', server],
        ['PostgreSQL', pg],
      ] as const) {
        if (!part) continue;
        log(`stopping ${what}`);
        await part.stop();
      }
      reaper.close();
      log('all stopped');
    },
    force: () => {
      shuttingDown = true;
      supervisor.kill();
      reaper.close();
    },
  });
  const abortIfStopping = (): boolean => shuttingDown;

  const quiet = (s: string): void => log(s.replace(/^\[[\w-]+\] /, ''));
  const tools = await ensureServerTools({ log: quiet });
  const uiServer = plan.ui
    ? await ensureUiServer({ log: quiet }).catch((err: unknown) => {
        log(`no Web UI: ${(err as Error).message.split('\n')[0]}`);
        return undefined;
      })
    : undefined;
  if (abortIfStopping()) return;

  let target: PostgresTarget;
  if (plan.postgresUrl) {
    target = parsePostgresUrl(plan.postgresUrl);
    log(`PostgreSQL: ${target.host}:${target.port} (BLOGTUBE_POSTGRES_URL)`);
  } else {
    log(
      `starting PostgreSQL on 127.0.0.1:${plan.pgPort} (data in ${join(plan.dataDir, 'postgres')})`,
    );
    pg = await startCluster({
      dir: join(plan.dataDir, 'postgres'),
      port: plan.pgPort,
      reaper,
      log: quiet,
    });
    target = pg.target;
  }
  if (abortIfStopping()) return;
  await setupTemporalSchemas(tools.sqlTool, target, quiet);

  const startServer = (): Promise<TemporalServer> =>
    startTemporalServer({
      serverPath: tools.server,
      root: ROOT,
      ports,
      pg: target,
      logFile: join(plan.dataDir, 'temporal-server.log'),
      logLevel: plan.temporal.logLevel,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      reaper,
      log: quiet,
    });
  log(
    `starting the Temporal server on 127.0.0.1:${ports.frontend} (log: ${join(plan.dataDir, 'temporal-server.log')})`,
  );
  server = await startServer();
  void watchServer(server, startServer, abortIfStopping, log, (s) => (server = s), {
    name: 'Temporal server',
    logHint: ` (see ${join(plan.dataDir, 'temporal-server.log')})`,
  });
  if (abortIfStopping()) return;

  if (plan.ui && uiServer) {
    ui = await startWebUi({
      uiServerPath: uiServer,
      root: ROOT,
      port: plan.ui.port,
      temporalAddress: server.address,
      codecEndpoint: plan.start.codec.endpoint,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      logFile: join(plan.dataDir, 'temporal-ui.log'),
      reaper,
    });
  }

  await superviseServices(
    supervisor,
    plan.start.services,
    (service) => ({ ...plan.start.childEnv, ...plan.workerEnv[service.name] }),
    abortIfStopping,
    log,
  );
  if (abortIfStopping()) return;
  process.stdout.write(
    `\n${bannerText(plan.start).replace('(your server, from TEMPORAL_ADDRESS)', '(this stack’s server, below)')}\n${stackText(plan, ports, target, ui, Date.now() - started)}\n\n`,
  );
}

/** The ports the stack itself listens on must be free (the services' are checked by `checkPortsFree`). */
async function checkStackPortsFree(plan: ProdStackPlan, ports: ServerPorts): Promise<void> {
  const wanted: [number, string][] = [
    [ports.frontend, 'Temporal frontend; TEMPORAL_PORT'],
    ...Object.entries(ports)
      .filter(([k]) => k !== 'frontend')
      .map(([k, p]): [number, string] => [p, `Temporal ${k}; TEMPORAL_INTERNAL_PORT_BASE`]),
  ];
  if (plan.ui) wanted.push([plan.ui.port, 'Temporal Web UI; TEMPORAL_UI_PORT']);
  if (!plan.postgresUrl) wanted.push([plan.pgPort, 'PostgreSQL; BLOGTUBE_PG_PORT']);
  for (const [port, env] of Object.entries(plan.workerEnv).flatMap(([name, vars]) =>
    Object.values(vars).map((p) => [p, name] as const),
  )) {
    wanted.push([Number(port), `${env} metrics`]);
  }
  const busy: string[] = [];
  for (const [port, what] of wanted) if (await isPortOpen(port)) busy.push(`${port} (${what})`);
  if (busy.length) {
    throw new Error(
      `already in use on 127.0.0.1: ${busy.join(', ')}.\n  Another stack running? Stop it, or set the variables named above.`,
    );
  }
}

function stackText(
  plan: ProdStackPlan,
  ports: ServerPorts,
  pg: PostgresTarget,
  ui: WebUi | undefined,
  startMs: number,
): string {
  const rows: [string, string][] = [
    [
      'Temporal server',
      `127.0.0.1:${ports.frontend}  (PostgreSQL persistence and visibility; log in ${join(plan.dataDir, 'temporal-server.log')})`,
    ],
    ['Temporal Web UI', ui ? `${ui.url}  (Temporal UI server)` : '(not started)'],
    [
      'PostgreSQL',
      plan.postgresUrl
        ? `${redactUrl(plan.postgresUrl)}  (BLOGTUBE_POSTGRES_URL)`
        : `${pg.host}:${pg.port}  (private cluster in ${join(plan.dataDir, 'postgres')}, user ${pg.user})`,
    ],
    [
      'Workers',
      `${plan.orchestrators} orchestrator and ${plan.modelWorkers} model worker processes; metrics on ${Object.values(
        plan.workerEnv,
      )
        .map((v) => Object.values(v)[0])
        .join(', ')}`,
    ],
    ['Started in', `${(startMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['  Production-like stack', ...rows.map(([k, v]) => `    ${k.padEnd(width)}  ${v}`)].join(
    '\n',
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`[supervisor] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
