/**
 * The benchmark's system under test, every part a separate process as in
 * `npm start`: a Temporal dev server (unless an address is given), the GitHub
 * and Anthropic simulators, the orchestrator worker, model workers and the
 * webhook bridge, on free loopback ports with their own task queues. Worker
 * processes are preloaded with the heap probe so heap is reported too.
 */
import { adminCall } from '../sandbox/admin-client.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { connectClient } from '../client/temporal.js';
import { loadSettings } from '../common/env.js';
import type { Settings } from '../common/env.js';
import { startDevServer } from '../scripts/dev-server.js';
import type { DevServer } from '../scripts/dev-server.js';
import { onLines } from '../scripts/lines.js';
import { freePort, sleep, waitForPort } from '../scripts/net.js';
import { Reaper, spawnGroup, terminateGroup } from '../scripts/proc.js';
import { ensureTemporalCli } from '../scripts/temporal-cli.js';
import { ROOT } from '../scripts/issue-data.js';
import { fromProbe, type RssSample } from './rss-trace.js';

export const WEBHOOK_SECRET = 'bench-webhook-secret';
export const BOT_TOKEN = 'sbx-bot-token';
export const MAINTAINER_TOKEN = 'sbx-maintainer-token';
export const ANTHROPIC_KEY = 'sandbox-anthropic-key';

/** The simulated latency profile (documented in README's performance section). */
export interface LatencyProfile {
  githubMeanMs: number;
  githubJitterMs: number;
  anthropicTtftMs: number;
  anthropicTokensPerSec: number;
}

export const REALISTIC: LatencyProfile = {
  githubMeanMs: 80,
  githubJitterMs: 30,
  anthropicTtftMs: 600,
  anthropicTokensPerSec: 80,
};

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Latest heap report from the probe (worker processes only). */
  heap?: { heapUsed: number; heapTotal: number; at: number };
  /** When it was ready (logged "polling", or its port answered). */
  readyAt?: number;
  /** RSS from the probe since the process started (worker processes only). */
  rssTrace: RssSample[];
  exited: Promise<void>;
}

export interface BenchStackOptions {
  /** Use this Temporal server; else a fresh in-memory dev server is started. */
  temporalAddress?: string;
  modelWorkers: number;
  modelSlots: number;
  latency: LatencyProfile;
  logDir: string;
  /** Orchestrator worker processes (default 1). */
  orchestrators?: number;
  /**
   * Workspace worker processes (default 0). With one or more, runs give their
   * agents workspaces (`WORKSPACE_AGENTS=on`), as `npm start` and `stack:prod` do.
   */
  workspaceWorkers?: number;
  /** Added to every worker's environment. */
  workerEnv?: NodeJS.ProcessEnv;
  /** Added to the Anthropic simulator's environment. */
  anthropicSimEnv?: NodeJS.ProcessEnv;
  /**
   * A built checkout whose `dist/` the worker processes run from (default: this
   * one): `bench:prod --baseline` measures another commit's workers in the same run.
   */
  workersRoot?: string;
}

export interface BenchStack {
  address: string;
  temporalVersion: string;
  client: Client;
  settings: Settings;
  env: NodeJS.ProcessEnv;
  githubUrl: string;
  anthropicUrl: string;
  bridgeUrl: string;
  orchestrator: Proc;
  /** All orchestrator processes (the first is `orchestrator`). */
  orchestrators: Proc[];
  models: (Proc | undefined)[];
  workspaces: Proc[];
  bridge: Proc;
  /** Stops the orchestrator (SIGTERM) and starts a fresh one with `extraEnv` added; resolves once it polls. */
  restartOrchestrator(extraEnv: NodeJS.ProcessEnv): Promise<Proc>;
  /** Starts model worker `i` (again, with `extraEnv` added); resolves once it polls. */
  startModel(i: number, extraEnv?: NodeJS.ProcessEnv): Promise<Proc>;
  /** SIGTERM (graceful) model worker `i`. */
  stopModel(i: number): Promise<void>;
  /** SIGKILL model worker `i`; resolves when it is gone. */
  killModel(i: number): Promise<number>;
  workerProcs(): Proc[];
  /** Every live process of the stack: simulators, workers, bridge. */
  allProcs(): Proc[];
  stop(): Promise<void>;
}

function dist(rel: string): string {
  return join(ROOT, 'dist', rel);
}

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  mkdirSync(opts.logDir, { recursive: true });
  const reaper = new Reaper({ graceMs: 5_000 });
  const procs: Proc[] = [];
  const logs: ReturnType<typeof createWriteStream>[] = [];
  let server: DevServer | undefined;
  let temporalVersion = 'unknown';
  let address = opts.temporalAddress;
  if (!address) {
    const cliPath = await ensureTemporalCli({ log: () => {} });
    server = await startDevServer({ cliPath, uiPort: false, reaper, log: () => {} });
    address = server.address;
    try {
      temporalVersion = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      // keep unknown
    }
  } else if (process.env.TEMPORAL_CLI_PATH) {
    try {
      temporalVersion = execFileSync(process.env.TEMPORAL_CLI_PATH, ['--version'], {
        encoding: 'utf8',
      }).trim();
    } catch {
      // keep unknown
    }
  }

  const spawnProc = async (
    name: string,
    file: string,
    env: NodeJS.ProcessEnv,
    ready: { port?: number; line?: RegExp },
    probe = false,
  ): Promise<Proc> => {
    const main = probe && opts.workersRoot ? join(opts.workersRoot, 'dist', file) : dist(file);
    const args = probe
      ? ['--import', pathToFileURL(dist('bench/heap-probe.js')).href, main]
      : [main];
    const child = spawnGroup(process.execPath, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    reaper.add(child.pid);
    const log = createWriteStream(join(opts.logDir, `${name}.log`), { flags: 'a' });
    logs.push(log);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const proc: Proc = {
      name,
      child,
      pid: child.pid,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
      rssTrace: [],
    };
    child.on('message', (m: unknown) => {
      const heap = fromProbe(m);
      if (!heap) return;
      const at = Date.now();
      proc.heap = { heapUsed: heap.heapUsed, heapTotal: heap.heapTotal, at };
      proc.rssTrace.push({ at, rss: heap.rss });
    });
    child.on('error', () => {});
    procs.push(proc);
    if (ready.line) {
      const pattern = ready.line;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} not ready in 60 s`)), 60_000);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        if (child.stdout) onLines(child.stdout, (l) => pattern.test(l) && done());
        void proc.exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited while starting; see ${opts.logDir}/${name}.log`));
        });
      });
    }
    if (ready.port !== undefined) await waitForPort(ready.port, { timeoutMs: 60_000 });
    proc.readyAt = Date.now();
    return proc;
  };

  const [githubPort, anthropicPort, bridgePort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const L = opts.latency;
  await spawnProc(
    'github-sim',
    'sandbox/github/main.js',
    {
      ...process.env,
      GITHUB_SIM_PORT: String(githubPort),
      GITHUB_SIM_LATENCY_MS: String(L.githubMeanMs),
      GITHUB_SIM_JITTER_MS: String(L.githubJitterMs),
    },
    { port: githubPort },
  );
  await spawnProc(
    'anthropic-sim',
    'sandbox/anthropic/main.js',
    {
      ...process.env,
      ANTHROPIC_SIM_PORT: String(anthropicPort),
      ANTHROPIC_SIM_TTFT_MS: String(L.anthropicTtftMs),
      ANTHROPIC_SIM_TOKENS_PER_SEC: String(L.anthropicTokensPerSec),
      ANTHROPIC_SIM_API_KEY: ANTHROPIC_KEY,
      ...opts.anthropicSimEnv,
    },
    { port: anthropicPort },
  );
  const suffix = randomUUID().slice(0, 8);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // What is measured is what a deployment runs (the image's profile).
    BLOGTUBE_PROFILE: 'production',
    TEMPORAL_ADDRESS: address,
    GITHUB_API_URL: `http://127.0.0.1:${githubPort}`,
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${anthropicPort}`,
    ORCHESTRATOR_TASK_QUEUE: `bench-orchestrator-${suffix}`,
    MODEL_TASK_QUEUE: `bench-model-${suffix}`,
    MODEL_SLOTS: String(opts.modelSlots),
    GITHUB_TOKEN: BOT_TOKEN,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BRIDGE_HOST: '127.0.0.1',
    BRIDGE_PORT: String(bridgePort),
    BLOGTUBE_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    BLOGTUBE_CODEC_KEYS_FILE: '',
    ...((opts.workspaceWorkers ?? 0) > 0 && {
      WORKSPACE_AGENTS: 'on',
      WORKSPACE_TASK_QUEUE: `bench-workspace-${suffix}`,
    }),
    ...opts.workerEnv,
  };
  for (const k of ['GITHUB_TOKEN_FILE', 'ANTHROPIC_API_KEY_FILE', 'GITHUB_WEBHOOK_SECRET_FILE']) {
    delete env[k];
  }
  const settings = loadSettings(env);
  const spawnOrchestrator = (extraEnv: NodeJS.ProcessEnv = {}, i = 0) =>
    spawnProc(
      i === 0 ? 'orchestrator-worker' : `orchestrator-worker-${i}`,
      'workers/orchestrator.js',
      // Metrics ports of their own when there are several (0: a free port).
      i === 0 ? { ...env, ...extraEnv } : { ...env, ...orchestratorPorts, ...extraEnv },
      { line: /polling/ },
      true,
    );
  const orchestratorPorts = { ORCHESTRATOR_METRICS_PORT: '0', ORCHESTRATOR_CORE_METRICS_PORT: '' };
  let orchestrator = await spawnOrchestrator();
  const others = await Promise.all(
    Array.from({ length: (opts.orchestrators ?? 1) - 1 }, (_, i) => spawnOrchestrator({}, i + 1)),
  );
  const models: (Proc | undefined)[] = [];
  const startModel = async (i: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<Proc> => {
    const p = await spawnProc(
      `model-worker-${i}`,
      'workers/model.js',
      { ...env, ...extraEnv },
      { line: /polling/ },
      true,
    );
    models[i] = p;
    return p;
  };
  await Promise.all(Array.from({ length: opts.modelWorkers }, (_, i) => startModel(i)));
  // Each workspace worker its own root (a worker clears what a predecessor left in its root),
  // reachable by the sandbox's user.
  const workspaces = await Promise.all(
    Array.from({ length: opts.workspaceWorkers ?? 0 }, async (_, i) => {
      const root = join(opts.logDir, `workspace-root-${i}`);
      mkdirSync(root, { recursive: true, mode: 0o755 });
      return spawnProc(
        `workspace-worker-${i}`,
        'workers/workspace.js',
        {
          ...env,
          WORKSPACE_ROOT: root,
          WORKSPACE_WORKER_METRICS_PORT: '0',
          WORKSPACE_WORKER_CORE_METRICS_PORT: '',
        },
        { line: /polling/ },
        true,
      );
    }),
  );
  const bridge = await spawnProc('bridge', 'client/bridge-main.js', env, { port: bridgePort });
  const client = await connectClient(settings, env);
  let serverVersion = '';
  try {
    const info = await client.workflowService.getSystemInfo({});
    serverVersion = (info as { serverVersion?: string }).serverVersion ?? '';
  } catch {
    // older servers
  }
  if (serverVersion) temporalVersion = `${temporalVersion} (server ${serverVersion})`;

  const live = (p: Proc | undefined): p is Proc =>
    p !== undefined && p.child.exitCode === null && p.child.signalCode === null;

  return {
    address,
    temporalVersion,
    client,
    settings,
    env,
    githubUrl: `http://127.0.0.1:${githubPort}`,
    anthropicUrl: `http://127.0.0.1:${anthropicPort}`,
    bridgeUrl: `http://127.0.0.1:${bridgePort}`,
    get orchestrator() {
      return orchestrator;
    },
    get orchestrators() {
      return [orchestrator, ...others];
    },
    async restartOrchestrator(extraEnv) {
      if (live(orchestrator)) await terminateGroup(orchestrator.child, { graceMs: 15_000 });
      orchestrator = await spawnOrchestrator(extraEnv);
      return orchestrator;
    },
    models,
    workspaces,
    bridge,
    startModel,
    async stopModel(i) {
      const p = models[i];
      if (live(p)) await terminateGroup(p.child, { graceMs: 15_000 });
      models[i] = undefined;
    },
    async killModel(i) {
      const p = models[i];
      if (!live(p)) throw new Error(`model worker ${i} is not running`);
      process.kill(-p.pid, 'SIGKILL');
      const at = Date.now();
      await p.exited;
      models[i] = undefined;
      return at;
    },
    workerProcs: () => [orchestrator, ...others, ...models, ...workspaces].filter(live),
    allProcs: () => procs.filter(live),
    async stop() {
      await client.connection.close().catch(() => {});
      for (const p of [...procs].reverse()) {
        if (live(p)) await terminateGroup(p.child, { graceMs: 5_000 }).catch(() => {});
        reaper.remove(p.pid);
      }
      if (server) await server.stop();
      reaper.close();
      await Promise.all(logs.map((l) => new Promise<void>((resolve) => l.end(() => resolve()))));
      await sleep(10);
    },
  };
}

/** VmRSS and VmHWM of a process, in bytes (Linux /proc). */
export function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export { adminCall };
