/**
 * `npm run bench:prod`: the system on Temporal's real server (PostgreSQL
 * persistence and visibility, as `npm run stack:prod` runs it), with the
 * benchmark's process harness (bench/processes.ts, bench/system.ts):
 * - throughput, spawn and PR-creation p99 at each concurrency level with 1, 2
 *   and 3 orchestrator processes, and the CPU each part used (workers, the
 *   Temporal server, PostgreSQL, the simulators; machine busy share) from /proc;
 * - memory of each worker role idle and at 1/10/50 concurrent issues against
 *   the SDK's floor in the same run (bench/floor.ts: a bare worker with a
 *   prebuilt bundle holding as many open workflows; a bare activity-only
 *   worker for the model role), read alike on both sides (bench/rss-trace.ts:
 *   idle settled, peak under load), heap used, and the bundle's composition;
 *   `--rounds N` repeats the memory part with fresh workers, each round with
 *   its floor measured right after it (full mode: 3);
 * - cost per issue with prompt caching as it is (the conversation marked,
 *   parallel first turns held at the prefix gate) and as it was
 *   (MODEL_CACHE_CONVERSATION=0, MODEL_CACHE_WAIT_MS=0), and with the marks
 *   but no gate, same issue texts, same run;
 * - the largest run's history: events and bytes per workflow.
 *
 * With `--baseline DIR` (a built checkout of another commit, its `dist/`
 * present) that commit's workers run the same memory batches first, on the
 * same server against the same floor: before/after in one run. `--no-cost`
 * skips the cost batches.
 *
 * Every stack has `--workspace-workers N` workspace workers (default 1; 0:
 * none, and runs give agents whole files), as `npm run stack:prod` runs one.
 *
 *   node dist/bench/prod.js [--smoke] [--orchestrators 1,2,3] [--levels 10,50] [--rounds N] [--workspace-workers N] [--baseline DIR] [--no-cost] [--out DIR]
 */
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { Client, Connection } from '@temporalio/client';
import { estimateCost, formatUsd, priceFor } from '../client/pure/pricing.js';
import { RepoConfig } from '../common/repo-config.js';
import type { TokenUsage } from '../common/schemas.js';
import { addUsage, cacheReadShare, ZERO_USAGE } from '../common/usage.js';
import { ROOT } from '../scripts/issue-data.js';
import { freePort, sleep } from '../scripts/net.js';
import { startCluster, type PostgresCluster } from '../scripts/postgres.js';
import { Reaper } from '../scripts/proc.js';
import { setupTemporalSchemas } from '../scripts/temporal-schema.js';
import { ensureServerTools } from '../scripts/temporal-server-bin.js';
import {
  serverPorts,
  startTemporalServer,
  type TemporalServer,
} from '../scripts/temporal-server.js';
import { workflowBundlePath } from '../workers/workflow-bundle.js';
import { adminCall } from '../sandbox/admin-client.js';
import { cpuMeter, cpuSeconds, treeCpuSeconds, type CpuTarget, type CpuUsage } from './cpu.js';
import { bareFloor, buildBareBundle, type Floor } from './floor.js';
import {
  REALISTIC,
  startBenchStack,
  type BenchStack,
  type BenchStackOptions,
} from './processes.js';
import { idleRss, SETTLE_MS, SETTLED_WINDOW_MS, type IdleRss } from './rss-trace.js';
import { SMOKE_LATENCY } from './run.js';
import { fmtMiB, fmtMs, median } from './stats.js';
import { levelResult, runBatch, type Ctx, type IssueRecord, type LevelResult } from './system.js';

const MiB = 2 ** 20;

export interface ProdPlan {
  orchestrators: number[];
  levels: number[];
  /** Workspace worker processes in every stack (runs then give their agents workspaces, as `stack:prod` does). */
  workspaceWorkers: number;
  /** Memory rounds: fresh workers, idle, 1 issue and each level, then the floor; the first is the first orchestrator pass. */
  memoryRounds: number;
  /** Issues run again with the conversation unmarked (same texts as the first ones at caching on); 0: no cost batches. */
  costIssues: number;
}

/** Another commit's workers measured in the same run (`--baseline`). */
export interface BaselineReport {
  /** The checkout's directory name (name it after its commit). */
  root: string;
  idle: WorkerIdle[];
  batches: ProdBatch[];
  bundle: { bytes: number; composition: Record<string, number> };
}

export const PROD_PLANS: Record<'smoke' | 'full', ProdPlan> = {
  smoke: { orchestrators: [1], levels: [2], costIssues: 2, memoryRounds: 1, workspaceWorkers: 1 },
  full: {
    orchestrators: [1, 2, 3],
    levels: [10, 50],
    costIssues: 10,
    memoryRounds: 3,
    workspaceWorkers: 1,
  },
};

/**
 * Both model workers again with `env`, and the Anthropic simulator's prompt
 * cache emptied: the next batch starts cold (the same repositories, so the
 * system prompts would be warm).
 */
async function restartModels(stack: BenchStack, env?: NodeJS.ProcessEnv): Promise<void> {
  await Promise.all([0, 1].map((i) => stack.stopModel(i)));
  await Promise.all([0, 1].map((i) => stack.startModel(i, env)));
  await adminCall(stack.anthropicUrl, 'DELETE', '/_sim/cache');
}

/** Model workers without conversation marks or the prefix gate: prompt caching as it was. */
const CACHING_OFF = { MODEL_CACHE_CONVERSATION: '0', MODEL_CACHE_WAIT_MS: '0' };

export interface ProdBatch {
  orchestrators: number;
  concurrency: number;
  variant:
    | 'default'
    | 'no conversation caching'
    | 'simulator without minimum, caching on'
    | 'simulator without minimum, caching off'
    | 'simulator without minimum, no prefix gate';
  level: LevelResult;
  cpu: CpuUsage;
  /** Workflows the batch opened (issues + agent children): the floor's count. */
  openWorkflows: number;
  loadAvg: number[];
  tokens: CostSummary;
}

/** A worker's idle RSS, read the same way as the floor's (bench/rss-trace.ts). */
export interface WorkerIdle extends IdleRss {
  process: string;
}

/** One memory round: fresh workers idle, then under load, then the floor measured right after. */
export interface MemoryRound {
  idle: WorkerIdle[];
  batches: Pick<ProdBatch, 'concurrency' | 'openWorkflows' | 'level'>[];
  floor: Floor;
  loadAvg: number[];
}

export interface CostSummary {
  issues: number;
  perIssue: TokenUsage;
  /** Of all input tokens (uncached + read + written), the share read from the cache. */
  readShare: number;
  /** The same over agents with two or more turns. */
  multiTurnReadShare: number;
  /** The same by how many turns an agent took (TURN_BUCKETS); buckets without agents are left out. */
  byTurns?: { turns: string; agents: number; readShare: number }[];
  usdPerIssue: number;
}

/** Agents grouped by their turns for the read share: each bucket's first turn count and its label. */
export const TURN_BUCKETS: readonly { from: number; label: string }[] = [
  { from: 1, label: '1' },
  { from: 2, label: '2–3' },
  { from: 4, label: '4–5' },
  { from: 6, label: '6–9' },
  { from: 10, label: '10+' },
];

function sumTokens(xs: readonly TokenUsage[]): TokenUsage {
  return xs.reduce(addUsage, ZERO_USAGE);
}

/** The read share of agents by how many turns each took. */
export function readShareByTurns(
  agents: readonly { turns: number; tokens: TokenUsage }[],
): NonNullable<CostSummary['byTurns']> {
  return TURN_BUCKETS.flatMap((b, i) => {
    const next = TURN_BUCKETS[i + 1]?.from ?? Infinity;
    const inBucket = agents.filter((a) => a.turns >= b.from && a.turns < next);
    return inBucket.length
      ? [
          {
            turns: b.label,
            agents: inBucket.length,
            readShare: cacheReadShare(sumTokens(inBucket.map((a) => a.tokens))),
          },
        ]
      : [];
  });
}

export interface ProdReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  mode: 'smoke' | 'full';
  /** Workspace worker processes in every stack (0: whole-file agents). */
  workspaceWorkers: number;
  temporal: string;
  loadAvg: { before: number[]; after: number[] };
  batches: ProdBatch[];
  /** The first round is the first orchestrator pass's (its batches are in `batches` too). */
  memory: MemoryRound[];
  bundle: { bytes: number; composition: Record<string, number> };
  history?: { workflowId: string; events: number; bytes: number; largestEventBytes: number }[];
  baseline?: BaselineReport;
  price: { model: string; family: string; inputPerMTok: number; outputPerMTok: number };
}

/** Bytes of a webpack bundle by package (a module's text up to the next module marker). */
export function bundleComposition(code: string): Record<string, number> {
  const marker = /\n\/\*\*\*\/ "([^"]+)"/g;
  const out: Record<string, number> = {};
  const add = (k: string, n: number): void => void (out[k] = (out[k] ?? 0) + n);
  const owner = (p: string): string => {
    const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(p);
    return m ? (m[1] as string) : p.startsWith('./dist/') ? 'blogtube' : 'other';
  };
  const map = code.indexOf('\n//# sourceMappingURL=');
  const end = map >= 0 ? map : code.length;
  let prev: string | undefined;
  let at = 0;
  for (let m = marker.exec(code); m && m.index < end; m = marker.exec(code)) {
    add(prev ? owner(prev) : 'webpack runtime', m.index - at);
    prev = m[1];
    at = m.index;
  }
  add(prev ? owner(prev) : 'webpack runtime', end - at);
  if (map >= 0) add('inline source map', code.length - map);
  return out;
}

function costOf(records: IssueRecord[], model: string): CostSummary {
  const ok = records.filter((r) => r.ok && r.tokens);
  const total = sumTokens(ok.map((r) => r.tokens as TokenUsage));
  const agents = ok.flatMap((r) => r.agents);
  const multi = sumTokens(agents.filter((a) => a.turns >= 2).map((a) => a.tokens));
  const n = Math.max(1, ok.length);
  const perIssue: TokenUsage = {
    input: total.input / n,
    output: total.output / n,
    cacheRead: total.cacheRead / n,
    cacheWrite: total.cacheWrite / n,
  };
  return {
    issues: ok.length,
    perIssue,
    readShare: cacheReadShare(total),
    multiTurnReadShare: cacheReadShare(multi),
    byTurns: readShareByTurns(agents),
    usdPerIssue: estimateCost(model, perIssue).usd,
  };
}

/** Events and encoded bytes of the run's workflows (the issue and each agent). */
async function historySizes(client: Client, rec: IssueRecord): Promise<ProdReport['history']> {
  const ids = [rec.workflowId];
  const parent = await client.workflow.getHandle(rec.workflowId).fetchHistory();
  for (const e of parent.events ?? []) {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (id) ids.push(id);
  }
  const H = proto.temporal.api.history.v1;
  const out: NonNullable<ProdReport['history']> = [];
  for (const id of ids) {
    const h = id === rec.workflowId ? parent : await client.workflow.getHandle(id).fetchHistory();
    const events = h.events ?? [];
    out.push({
      workflowId: id,
      events: events.length,
      bytes: H.History.encode(h).finish().byteLength,
      largestEventBytes: Math.max(
        0,
        ...events.map((e) => H.HistoryEvent.encode(e).finish().byteLength),
      ),
    });
  }
  return out;
}

/** Waits until every worker of the stack has polled for SETTLE_MS; their idle RSS, early and settled. */
async function settleIdle(stack: BenchStack): Promise<WorkerIdle[]> {
  const procs = stack.workerProcs();
  const ready = (p: (typeof procs)[number]): number => p.readyAt ?? Date.now();
  await sleep(Math.max(0, Math.max(...procs.map(ready)) + SETTLE_MS - Date.now()) + 500);
  return procs.map((p) => ({ process: p.name, ...idleRss(p.rssTrace, ready(p)) }));
}

function cpuTargets(stack: BenchStack, server: TemporalServer, pg: PostgresCluster): CpuTarget[] {
  const procs = stack.allProcs().map((p) => ({ name: p.name, read: () => cpuSeconds(p.pid) }));
  return [
    ...procs,
    { name: 'temporal-server', read: () => cpuSeconds(server.pid) },
    { name: 'postgresql', read: () => treeCpuSeconds(pg.pid) },
    { name: 'bench (this process)', read: () => cpuSeconds(process.pid) },
  ];
}

export async function runProdBench(opts: {
  mode: 'smoke' | 'full';
  plan?: ProdPlan;
  log?: (s: string) => void;
  /** A built checkout of another commit: its workers run the memory batches first. */
  baseline?: string;
}): Promise<ProdReport> {
  const plan = opts.plan ?? PROD_PLANS[opts.mode];
  const log = opts.log ?? (() => {});
  const latency = opts.mode === 'smoke' ? SMOKE_LATENCY : REALISTIC;
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  const stamp = startedAt.replace(/[:.]/g, '-');
  const work = join(tmpdir(), `blogtube-bench-prod-${stamp}`);
  mkdirSync(work, { recursive: true });
  await chmod(work, 0o711); // PostgreSQL's own user (as root) must reach its data directory
  const reaper = new Reaper({ graceMs: 15_000 });
  const tools = await ensureServerTools({ log });
  log('starting PostgreSQL, the schemas and the Temporal server…');
  const pg = await startCluster({ dir: join(work, 'postgres'), port: await freePort(), reaper });
  let server: TemporalServer | undefined;
  let connection: Connection | undefined;
  try {
    await setupTemporalSchemas(tools.sqlTool, pg.target);
    server = await startTemporalServer({
      serverPath: tools.server,
      root: ROOT,
      ports: await serverPorts(0),
      pg: pg.target,
      logFile: join(work, 'temporal-server.log'),
      reaper,
    });
    const address = server.address;
    connection = await Connection.connect({ address });
    const client = new Client({ connection });
    // The model every agent uses unless a repository configures another (the default).
    const model = RepoConfig.parse({}).model;
    const bundlePath = workflowBundlePath();
    const bundleCode = readFileSync(bundlePath, 'utf8');
    const batches: ProdBatch[] = [];
    const memory: MemoryRound[] = [];
    let temporal = 'unknown';
    let largest: IssueRecord | undefined;
    let offset = 0;

    const batch = async (
      stack: BenchStack,
      ctx: Ctx,
      k: number,
      c: number,
      variant: ProdBatch['variant'],
      at = offset,
      into: ProdBatch[] = batches,
    ): Promise<ProdBatch> => {
      log(`${k} orchestrator(s), ${c} concurrent issues (${variant})…`);
      const meter = cpuMeter(cpuTargets(stack, server as TemporalServer, pg));
      const b = await runBatch(ctx, c, at, 20 * 60_000);
      const cpu = meter.stop();
      const level = levelResult(c, b.records, b.wallMs, b.memory);
      for (const r of b.records) if (r.ok && (!largest || r.turns > largest.turns)) largest = r;
      const out: ProdBatch = {
        orchestrators: k,
        concurrency: c,
        variant,
        level,
        cpu,
        openWorkflows: b.records.reduce((n, r) => n + 1 + r.agents.length, 0),
        loadAvg: loadavg(),
        tokens: costOf(b.records, model),
      };
      log(
        `  ${level.ok}/${c} ok in ${fmtMs(b.wallMs)}: ${level.issuesPerMin.toFixed(1)}/min, spawn p99 ${fmtMs(level.spawn.p99)}, PR p99 ${fmtMs(level.pr.p99)}; ` +
          `orchestrators ${sumCores(cpu, /^orchestrator/).toFixed(2)} cores, server ${(cpu.cores['temporal-server'] ?? NaN).toFixed(2)}, PostgreSQL ${(cpu.cores.postgresql ?? NaN).toFixed(2)}, machine ${(cpu.machineBusy * 100).toFixed(0)}% busy`,
      );
      into.push(out);
      return out;
    };

    /** A stack on this server: two model workers of 32 slots, the plan's workspace workers, logs under `logDir`. */
    const stackFor = (logDir: string, more: Partial<BenchStackOptions> = {}): Promise<BenchStack> =>
      startBenchStack({
        temporalAddress: address,
        modelWorkers: 2,
        modelSlots: 32,
        latency,
        workspaceWorkers: plan.workspaceWorkers,
        logDir: join(work, logDir),
        ...more,
      });

    /** A memory round's work on a fresh one-orchestrator stack: idle, then 1 issue and each level; the idle readings. */
    const memoryBatches = async (
      stack: BenchStack,
      ctx: Ctx,
      into: ProdBatch[],
    ): Promise<WorkerIdle[]> => {
      const idle = await settleIdle(stack);
      let at = 0;
      for (const c of [1, ...plan.levels]) {
        await batch(stack, ctx, 1, c, 'default', at, into);
        at += c;
      }
      return idle;
    };

    let baseline: BaselineReport | undefined;
    if (opts.baseline) {
      const root = resolve(opts.baseline);
      log(`baseline ${root}: its workers, the same memory batches…`);
      const stack = await stackFor('logs-baseline', { workersRoot: root });
      const code = readFileSync(join(root, 'dist', 'workflow-bundle.js'), 'utf8');
      baseline = {
        root: basename(root),
        idle: [],
        batches: [],
        bundle: { bytes: Buffer.byteLength(code), composition: bundleComposition(code) },
      };
      try {
        const ctx: Ctx = { stack, owner: 'prodbase', repos: new Set(), log };
        baseline.idle = await memoryBatches(stack, ctx, baseline.batches);
      } finally {
        await stack.stop();
      }
    }

    const bareBundle = await buildBareBundle();
    /** The floor right after a memory round's workers stopped, for as many open workflows as its batches (and `more`). */
    const floorFor = async (
      round: MemoryRound['batches'],
      more: ProdBatch[] = [],
    ): Promise<Floor> => {
      log(
        'the SDK floor: bare workers with a prebuilt bundle idle and holding as many open workflows…',
      );
      const opens = [...new Set([...round, ...more].map((b) => b.openWorkflows))];
      return bareFloor(client, address, opens, bareBundle);
    };

    for (const k of plan.orchestrators) {
      const memoryPass = k === plan.orchestrators[0];
      const stack = await stackFor(`logs-${k}`, { orchestrators: k });
      let idle: WorkerIdle[] = [];
      try {
        temporal = stack.temporalVersion;
        const ctx: Ctx = { stack, owner: `prod${k}`, repos: new Set(), log };
        if (memoryPass) {
          log(`idle for ${SETTLE_MS / 1000} s…`);
          idle = await settleIdle(stack);
          await batch(stack, ctx, k, 1, 'default');
          offset += 1;
        }
        const first = offset;
        for (const c of plan.levels) {
          await batch(stack, ctx, k, c, 'default');
          offset += c;
        }
        if (k === plan.orchestrators[0] && plan.costIssues > 0) {
          // The same issue texts with the conversation unmarked: cost before/after.
          await restartModels(stack, CACHING_OFF);
          await batch(stack, ctx, k, plan.costIssues, 'no conversation caching', first);
        }
      } finally {
        await stack.stop();
      }
      if (memoryPass) {
        const round = batches.filter((b) => b.orchestrators === k && b.variant === 'default');
        memory.push({
          idle,
          batches: round,
          floor: await floorFor(round, baseline?.batches),
          loadAvg: loadavg(),
        });
      }
    }

    // More memory rounds, each with fresh workers and its own floor right after:
    // one round's peaks swing with the machine's load.
    for (let i = 1; i < plan.memoryRounds; i++) {
      const stack = await stackFor(`logs-memory-${i}`);
      const round: ProdBatch[] = [];
      let idle: WorkerIdle[] = [];
      try {
        const ctx: Ctx = { stack, owner: `prodmem${i}`, repos: new Set(), log };
        log(`memory round ${i + 1}/${plan.memoryRounds}: idle for ${SETTLE_MS / 1000} s…`);
        idle = await memoryBatches(stack, ctx, round);
      } finally {
        await stack.stop();
      }
      memory.push({ idle, batches: round, floor: await floorFor(round), loadAvg: loadavg() });
    }

    // The simulator's repositories are small, so most prompts stay under the
    // model's minimum cacheable length; the same variants with no minimum show
    // what the marking does once prompts are past it (real repositories' are).
    if (plan.costIssues > 0) {
      const stack = await stackFor('logs-cost', {
        anthropicSimEnv: { ANTHROPIC_SIM_MIN_CACHEABLE_TOKENS: '0' },
      });
      try {
        const ctx: Ctx = { stack, owner: 'prodcost', repos: new Set(), log };
        const k = 1;
        await batch(stack, ctx, k, plan.costIssues, 'simulator without minimum, caching on', 1);
        await restartModels(stack, { MODEL_CACHE_WAIT_MS: '0' });
        await batch(stack, ctx, k, plan.costIssues, 'simulator without minimum, no prefix gate', 1);
        await restartModels(stack, CACHING_OFF);
        await batch(stack, ctx, k, plan.costIssues, 'simulator without minimum, caching off', 1);
      } finally {
        await stack.stop();
      }
    }

    const history = largest ? await historySizes(client, largest) : undefined;
    const { price } = priceFor(model);
    return {
      startedAt,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      mode: opts.mode,
      workspaceWorkers: plan.workspaceWorkers,
      temporal: `${temporal.replace(/^unknown \((.*)\)$/, '$1')}, PostgreSQL persistence and visibility`,
      loadAvg: { before: loadBefore, after: loadavg() },
      batches,
      memory,
      bundle: {
        bytes: statSync(bundlePath).size,
        composition: bundleComposition(bundleCode),
      },
      history,
      ...(baseline && { baseline }),
      price: {
        model,
        family: price.family,
        inputPerMTok: price.inputPerMTok,
        outputPerMTok: price.outputPerMTok,
      },
    };
  } finally {
    await connection?.close().catch(() => {});
    await server?.stop();
    await pg.stop();
    reaper.close();
    // The cluster's data (hundreds of MiB) goes; the processes' logs stay for a look.
    await rm(join(work, 'postgres'), { recursive: true, force: true });
    log(`logs: ${work}`);
  }
}

function sumCores(cpu: CpuUsage, name: RegExp): number {
  return Object.entries(cpu.cores)
    .filter(([k]) => name.test(k))
    .reduce((n, [, v]) => n + v, 0);
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
/** A share read from the cache, to a tenth of a point (the goal is a threshold: 84.9% is not 85%). */
const sharePct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ratioOf = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export function renderProdMarkdown(r: ProdReport): string {
  const m = r.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const def = r.batches.filter((b) => b.variant === 'default');
  const first = def.filter((b) => b.orchestrators === (def[0]?.orchestrators ?? 1));
  const round = r.memory[0];
  const peak = (b: Pick<ProdBatch, 'level'>, name: RegExp): number =>
    Math.max(...b.level.memory.filter((x) => name.test(x.process)).map((x) => x.peakRss));
  const heap = (b: Pick<ProdBatch, 'level'>, name: RegExp): number =>
    Math.max(
      ...b.level.memory.filter((x) => name.test(x.process)).map((x) => x.peakHeapUsed ?? NaN),
    );
  const idleOf = (idle: WorkerIdle[], name: RegExp): IdleRss => {
    const mine = idle.filter((x) => name.test(x.process));
    const most = (k: keyof IdleRss): number => Math.max(...mine.map((x) => x[k]));
    return { early: most('early'), settled: most('settled') };
  };
  const orch = /^orchestrator/;
  const model = /^model-worker/;
  const activityRoles: [string, RegExp][] = [
    ['model worker', model],
    ['workspace worker', /^workspace-worker/],
  ];
  const settled = (x: IdleRss): string => `${fmtMiB(x.settled)} (${fmtMiB(x.early)})`;

  const throughput = [
    '| Orchestrators | Concurrent issues | OK | Wall | Issues/min | Spawn p50 / p99 | PR creation p50 / p99 | CPU (cores): orchestrators · model workers · Temporal server · PostgreSQL · simulators + bridge · bench | Machine busy | Load average (1 min) after |',
    '| ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |',
    ...def.map((b) => {
      const c = b.cpu;
      return `| ${b.orchestrators} | ${b.concurrency} | ${b.level.ok}/${b.level.issues} | ${fmtMs(b.level.wallMs)} | ${b.level.issuesPerMin.toFixed(1)} | ${fmtMs(b.level.spawn.p50)} / ${fmtMs(b.level.spawn.p99)} | ${fmtMs(b.level.pr.p50)} / ${fmtMs(b.level.pr.p99)} | ${sumCores(c, /^orchestrator/).toFixed(2)} · ${sumCores(c, /^model-worker/).toFixed(2)} · ${(c.cores['temporal-server'] ?? NaN).toFixed(2)} · ${(c.cores.postgresql ?? NaN).toFixed(2)} · ${sumCores(c, /sim$|^bridge$/).toFixed(2)} · ${(c.cores['bench (this process)'] ?? NaN).toFixed(2)} | ${pct(c.machineBusy)} | ${(b.loadAvg[0] ?? NaN).toFixed(1)} |`;
    }),
  ];

  const memRows = round
    ? [
        `| Worker role | State | RSS: idle settled (5 s after polling); under load peak (heap used) | SDK floor: idle settled (5 s after polling); under load peak (heap used) | Ratio | Over the floor |`,
        '| --- | --- | ---: | ---: | ---: | ---: |',
        (() => {
          const [o, f] = [idleOf(round.idle, orch), round.floor.idle];
          return `| orchestrator | idle | ${settled(o)} | ${settled(f)} | ${ratioOf(o.settled, f.settled)} | ${fmtMiB(o.settled - f.settled)} |`;
        })(),
        ...round.batches.map((b) => {
          const rss = peak(b, orch);
          const f = round.floor.byOpen[String(b.openWorkflows)];
          const gap = idleOf(round.idle, orch).settled - round.floor.idle.settled;
          return `| orchestrator | ${b.concurrency} issues (${b.openWorkflows} workflows) | ${fmtMiB(rss)} (${fmtMiB(heap(b, orch))}) | ${fmtMiB(f?.peak ?? NaN)} (${fmtMiB(f?.heapUsed ?? NaN)}) | ${ratioOf(rss, f?.peak ?? NaN)} | ${fmtMiB(rss - (f?.peak ?? NaN))} (${((rss - (f?.peak ?? NaN) - gap) / b.openWorkflows / 1024).toFixed(0)} KiB per workflow beyond the idle gap) |`;
        }),
        // The activity-only roles against a bare activity-only worker.
        ...activityRoles.flatMap(([label, name]) => {
          if (!round.idle.some((x) => name.test(x.process))) return [];
          const [w, f] = [idleOf(round.idle, name), round.floor.activityOnly];
          return [
            `| ${label} | idle | ${settled(w)} | ${settled(f)} (activity-only) | ${ratioOf(w.settled, f.settled)} | ${fmtMiB(w.settled - f.settled)} |`,
            ...round.batches.map((b) => {
              const rss = peak(b, name);
              return `| ${label} | ${b.concurrency} issues | ${fmtMiB(rss)} (${fmtMiB(heap(b, name))}) | ${fmtMiB(f.settled)} (activity-only, idle) | ${ratioOf(rss, f.settled)} | ${fmtMiB(rss - f.settled)} |`;
            }),
          ];
        }),
      ]
    : [];
  const levels = round?.batches.map((b) => b.concurrency) ?? [];
  const roundRatios = r.memory.map((m) => ({
    idleOver: idleOf(m.idle, orch).settled - m.floor.idle.settled,
    ratios: levels.map((c) => {
      const b = m.batches.find((x) => x.concurrency === c);
      return b ? peak(b, orch) / (m.floor.byOpen[String(b.openWorkflows)]?.peak ?? NaN) : NaN;
    }),
    load: m.loadAvg[0] ?? NaN,
  }));
  const roundRows =
    r.memory.length > 1
      ? [
          `The orchestrator in ${r.memory.length} rounds, each with fresh workers and the floor measured right after it: idle settled over the floor, and peak RSS over the floor's peak under load.`,
          '',
          `| Round | Idle over the floor | ${levels.map((c) => `${c} issues`).join(' | ')} | Load average (1 min) after |`,
          `| --- | ---: | ${levels.map(() => '---:').join(' | ')} | ---: |`,
          ...roundRatios.map(
            (x, i) =>
              `| ${i + 1} | ${fmtMiB(x.idleOver)} | ${x.ratios.map((q) => `${q.toFixed(2)}×`).join(' | ')} | ${x.load.toFixed(1)} |`,
          ),
          `| median | ${fmtMiB(median(roundRatios.map((x) => x.idleOver)))} | ${levels.map((_, i) => `${median(roundRatios.map((x) => x.ratios[i] ?? NaN)).toFixed(2)}×`).join(' | ')} | |`,
          '',
        ]
      : [];
  const compOf = (c: Record<string, number>): string =>
    Object.entries(c)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KiB`)
      .join(', ');
  const comp = compOf(r.bundle.composition);
  const base = r.baseline;
  const vs = (before: number, after: number, floor: number): string =>
    `${fmtMiB(before)} (${ratioOf(before, floor)}) | ${fmtMiB(after)} (${ratioOf(after, floor)}) | ${fmtMiB(floor)}`;
  const baselineRows =
    base && round
      ? [
          `Baseline: the workers of \`${base.root}\` ran the same memory batches first, on the same server; the floor is the same bare worker. RSS peak (ratio to the floor).`,
          '',
          '| Worker role | State | Before | After | SDK floor (bare worker, same open workflows) |',
          '| --- | --- | ---: | ---: | ---: |',
          `| orchestrator | idle (settled) | ${vs(idleOf(base.idle, orch).settled, idleOf(round.idle, orch).settled, round.floor.idle.settled)} |`,
          ...round.batches.flatMap((b) => {
            const old = base.batches.find((x) => x.concurrency === b.concurrency);
            return old
              ? [
                  `| orchestrator | ${b.concurrency} issues (${old.openWorkflows} / ${b.openWorkflows} workflows) | ${vs(peak(old, orch), peak(b, orch), round.floor.byOpen[String(b.openWorkflows)]?.peak ?? NaN)} |`,
                ]
              : [];
          }),
          `| model worker | idle (settled) | ${vs(idleOf(base.idle, model).settled, idleOf(round.idle, model).settled, round.floor.activityOnly.settled)} |`,
          ...round.batches.flatMap((b) => {
            const old = base.batches.find((x) => x.concurrency === b.concurrency);
            return old
              ? [
                  `| model worker | ${b.concurrency} issues | ${vs(peak(old, model), peak(b, model), round.floor.activityOnly.settled)} |`,
                ]
              : [];
          }),
          '',
          `Workflow bundle before: ${(base.bundle.bytes / MiB).toFixed(2)} MiB — ${compOf(base.bundle.composition)}.`,
          '',
        ]
      : [];

  const on =
    first.find(
      (b) =>
        b.concurrency ===
        r.batches.find((x) => x.variant === 'no conversation caching')?.concurrency,
    ) ?? first[1];
  const off = r.batches.find((b) => b.variant === 'no conversation caching');
  const costRow = (name: string, c: CostSummary): string => {
    const u = c.perIssue;
    return `| ${name} | ${c.issues} | ${Math.round(u.input + u.cacheRead + u.cacheWrite)} | ${Math.round(u.input)} | ${Math.round(u.cacheRead)} | ${Math.round(u.cacheWrite)} | ${Math.round(u.output)} | ${sharePct(c.readShare)} | ${sharePct(c.multiTurnReadShare)} | ${formatUsd(c.usdPerIssue)} |`;
  };
  const noMinOn = r.batches.find((b) => b.variant === 'simulator without minimum, caching on');
  const noMinOff = r.batches.find((b) => b.variant === 'simulator without minimum, caching off');
  const noMinNoGate = r.batches.find(
    (b) => b.variant === 'simulator without minimum, no prefix gate',
  );
  const costRows =
    on && off
      ? [
          '| Prompt caching | Issues | Input tokens / issue | uncached | cache read | cache write | Output | Read share | Read share, agents with ≥ 2 turns | Estimated cost / issue |',
          '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          costRow('off (MODEL_CACHE_CONVERSATION=0, MODEL_CACHE_WAIT_MS=0)', off.tokens),
          costRow('on (the default)', on.tokens),
          ...(noMinOn && noMinOff
            ? [
                costRow('off, simulator with no minimum cacheable length', noMinOff.tokens),
                ...(noMinNoGate
                  ? [costRow('conversation marked, no prefix gate, no minimum', noMinNoGate.tokens)]
                  : []),
                costRow('on, simulator with no minimum cacheable length', noMinOn.tokens),
              ]
            : []),
        ]
      : [];
  const turnVariants = [
    ['off', off],
    ['on', on],
    ['off, no minimum', noMinOff],
    ['marked, no gate, no minimum', noMinNoGate],
    ['on, no minimum', noMinOn],
  ] as const;
  const turnRows = turnVariants.some(([, b]) => b?.tokens.byTurns?.length)
    ? [
        '',
        "Read share by an agent's turns (agents in the bucket):",
        '',
        `| Prompt caching | ${TURN_BUCKETS.map((b) => `${b.label} turns`).join(' | ')} |`,
        `| --- | ${TURN_BUCKETS.map(() => '---:').join(' | ')} |`,
        ...turnVariants.flatMap(([name, b]) =>
          b?.tokens.byTurns
            ? [
                `| ${name} | ${TURN_BUCKETS.map((t) => {
                  const row = b.tokens.byTurns?.find((x) => x.turns === t.label);
                  return row ? `${sharePct(row.readShare)} (${row.agents})` : '–';
                }).join(' | ')} |`,
              ]
            : [],
        ),
      ]
    : [];
  const hist = r.history ?? [];
  const total = hist.reduce((n, h) => n + h.bytes, 0);
  return [
    `# Production benchmark ${r.startedAt}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; Temporal ${r.temporal}. Shared with other work: load average ${load(r.loadAvg.before)} at the start, ${load(r.loadAvg.after)} at the end. Mode ${r.mode}. Two model worker processes (32 slots each) throughout; ${r.workspaceWorkers ? `${r.workspaceWorkers} workspace worker process(es), runs giving their agents workspaces (\`WORKSPACE_AGENTS=on\`, as \`stack:prod\` runs)` : 'no workspace worker (whole-file agents)'}.`,
    '',
    '## Throughput and latency by orchestrator processes',
    '',
    ...throughput,
    '',
    '## Memory against the SDK floor (same run)',
    '',
    `Idle is the median RSS over the window ${(SETTLE_MS - SETTLED_WINDOW_MS) / 1000}–${SETTLE_MS / 1000} s after the worker polled, for the workers and the floor alike (V8 gives back its start-up heap only after some seconds of quiet; the reading 5 s after polling is in parentheses). Under load: the largest RSS while the batch ran, against the floor's largest while it took as many open workflows. Both sides read RSS from the same preloaded probe.`,
    '',
    ...memRows,
    '',
    ...roundRows,
    `Workflow bundle: ${(r.bundle.bytes / MiB).toFixed(2)} MiB — ${comp}.`,
    '',
    ...baselineRows,
    '## Cost per issue',
    '',
    `Prices: ${r.price.family} (${r.price.model}), $${r.price.inputPerMTok}/MTok input, $${r.price.outputPerMTok}/MTok output, cache writes 1.25×, reads 0.1× input (client/pure/pricing.ts). The same issue texts with prompt caching as it is (the conversation marked at every turn, parallel first turns held at the prefix gate) and as it was (neither); with no minimum, the marks without the gate too.`,
    '',
    ...costRows,
    ...turnRows,
    '',
    '## History of the largest run',
    '',
    ...(hist.length
      ? [
          `${hist[0]?.workflowId}: ${hist.length} workflows, ${hist.reduce((n, h) => n + h.events, 0)} events, ${(total / 1024).toFixed(0)} KiB in all; largest single history ${Math.max(...hist.map((h) => h.events))} events / ${(Math.max(...hist.map((h) => h.bytes)) / 1024).toFixed(0)} KiB; largest event ${(Math.max(...hist.map((h) => h.largestEventBytes)) / 1024).toFixed(1)} KiB.`,
        ]
      : ['(no run finished)']),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      orchestrators: { type: 'string' },
      levels: { type: 'string' },
      baseline: { type: 'string' },
      rounds: { type: 'string' },
      'workspace-workers': { type: 'string' },
      'no-cost': { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    },
  });
  const mode = values.smoke ? 'smoke' : 'full';
  const list = (s: string | undefined, d: number[]) =>
    s ? s.split(',').map((x) => Number(x.trim())) : d;
  const base = PROD_PLANS[mode];
  const plan: ProdPlan = {
    ...base,
    orchestrators: list(values.orchestrators, base.orchestrators),
    levels: list(values.levels, base.levels),
    memoryRounds: values.rounds ? Number(values.rounds) : base.memoryRounds,
    workspaceWorkers: values['workspace-workers']
      ? Number(values['workspace-workers'])
      : base.workspaceWorkers,
    ...(values['no-cost'] && { costIssues: 0 }),
  };
  if (!Number.isInteger(plan.memoryRounds) || plan.memoryRounds < 1) {
    throw new Error(`--rounds must be a whole number of at least 1, not ${values.rounds}`);
  }
  if (!Number.isInteger(plan.workspaceWorkers) || plan.workspaceWorkers < 0) {
    throw new Error(
      `--workspace-workers must be a whole number (0: whole-file agents), not ${values['workspace-workers']}`,
    );
  }
  const log = (s: string) => process.stderr.write(`[bench:prod] ${s}\n`);
  const report = await runProdBench({ mode, plan, log, baseline: values.baseline });
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = join(out, `${stamp}-prod.json`);
  const md = join(out, `${stamp}-prod.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, renderProdMarkdown(report));
  process.stdout.write(`${renderProdMarkdown(report)}\nwrote ${json}\n      ${md}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `bench:prod: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
