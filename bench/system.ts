/**
 * The system benchmark: issues through the whole stack (webhook → bridge →
 * Temporal → worker processes → simulators → PR), with timings read from
 * workflow histories, memory sampled from /proc, faults and SIGKILLs injected.
 */
import { randomUUID } from 'node:crypto';
import { cpus, hostname, loadavg } from 'node:os';
import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { createAnthropic } from '../activities/claude.js';
import { createGitHubActivities } from '../activities/github.js';
import { getIssueTypeClassifier } from '../activities/analysis/weights.js';
import { assignmentBlock, buildSystem, type PromptOptions } from '../common/text/prompts.js';
import { deliverWebhook } from '../client/demo.js';
import { createOctokit } from '../common/github-client.js';
import { agentWorkflowId, isIssueRunBranch, issueWorkflowId } from '../common/ids.js';
import { DEFAULT_AGENTS } from '../common/repo-config.js';
import type {
  AgentType,
  IssueRef,
  IssueStatus,
  IssueWorkflowResult,
  PromptContext,
  TokenUsage,
} from '../common/schemas.js';
import { statusQuery } from '../common/workflow-api.js';
import { sleep } from '../scripts/net.js';
import {
  MODEL_FIRST_RETRY_MS,
  MODEL_HEARTBEAT_THROTTLE_MS,
  MODEL_HEARTBEAT_TIMEOUT_MS,
} from '../workflows/activity-options.js';
import { activities, criticalPathMs, issueTimes, spawnTimes } from './history.js';
import type { SpawnTimes } from './history.js';
import { issueAt } from './issues.js';
import type { BenchIssue } from './issues.js';
import {
  adminCall,
  BOT_TOKEN,
  MAINTAINER_TOKEN,
  procMemory,
  startBenchStack,
  WEBHOOK_SECRET,
} from './processes.js';
import type { BenchStack, LatencyProfile } from './processes.js';
import { cacheReadShare } from '../common/usage.js';
import { runSequentialBaseline } from './sequential-baseline.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';

export type Mode = 'smoke' | 'quick' | 'full';

export interface SystemPlan {
  levels: number[];
  /** Issues run one at a time through both designs (also the level-1 sample). */
  compareIssues: number;
  faultIssues: number;
  faultKills: number;
  recoveryKills: number;
  throughputIssues: number;
  /** Issues opened at once in one repository (agents queue on the per-area leases). */
  sameRepoIssues: number;
  modelSlots: number;
  /** Last: a fresh orchestrator with MAX_CACHED_WORKFLOWS = cacheCap runs this many issues at once (0: skipped). */
  cacheCapIssues: number;
  cacheCap: number;
}

export const PLANS: Record<Mode, SystemPlan> = {
  smoke: {
    levels: [1],
    compareIssues: 1,
    faultIssues: 0,
    faultKills: 0,
    recoveryKills: 0,
    throughputIssues: 0,
    sameRepoIssues: 0,
    modelSlots: 8,
    cacheCapIssues: 0,
    cacheCap: 0,
  },
  quick: {
    levels: [1, 5, 10],
    compareIssues: 3,
    faultIssues: 10,
    faultKills: 2,
    recoveryKills: 3,
    throughputIssues: 6,
    sameRepoIssues: 5,
    modelSlots: 32,
    cacheCapIssues: 10,
    cacheCap: 20,
  },
  full: {
    levels: [1, 10, 50, 100, 200],
    compareIssues: 5,
    faultIssues: 100,
    faultKills: 2,
    recoveryKills: 10,
    throughputIssues: 20,
    sameRepoIssues: 10,
    modelSlots: 32,
    cacheCapIssues: 100,
    cacheCap: 100,
  },
};

export interface IssueRecord {
  text: string;
  workflowId: string;
  phase: string;
  ok: boolean;
  e2eMs: number;
  prMs?: number;
  agentPhaseMs?: number;
  criticalMs?: number;
  spawns: SpawnTimes[];
  agents: { agent: AgentType; ms?: number; turns: number; tokens: TokenUsage }[];
  complexity?: string;
  risk?: string;
  tokens?: TokenUsage;
  systemBytes: number[];
  turns: number;
  /** Over the agent children: time inside activities, waiting to start, and in all. */
  agentActivityMs: number;
  agentScheduleToStartMs: number;
  agentTotalMs: number;
}

export interface MemoryPeak {
  process: string;
  peakRss: number;
  hwm: number;
  peakHeapUsed?: number;
  peakHeapTotal?: number;
}

export interface LevelResult {
  concurrency: number;
  issues: number;
  wallMs: number;
  issuesPerMin: number;
  ok: number;
  e2e: Summary;
  spawn: Summary;
  scheduleToStart: Summary;
  /** Parts of the spawn: the child's workflow-task run time, and the area-lease wait (absent in older runs). */
  spawnWorkflowTask?: Summary;
  spawnLease?: Summary;
  pr: Summary;
  /** Share of agent time spent inside activities (model calls, GitHub tools); the rest is orchestration. */
  activityShare: number;
  memory: MemoryPeak[];
}

export interface SystemReport {
  mode: Mode;
  latency: LatencyProfile;
  temporal: string;
  modelSlots: number;
  /** Cores of the machine (absent in older runs: 2). */
  cpus?: number;
  loadAvg: { before: number[]; after: number[] };
  levels: LevelResult[];
  compare: {
    issues: {
      text: string;
      parallelMs: number;
      sequentialMs: number;
      agentPhaseMs?: number;
      criticalMs?: number;
    }[];
    parallel: Summary;
    sequential: Summary;
    ratio: number;
    /** Σ agent-phase time / Σ critical-path bound (1.0 = on the bound). */
    criticalPathRatio: number;
  };
  faults?: {
    issues: number;
    ok: number;
    successRate: number;
    kills: number;
    failures: string[];
    wallMs: number;
  };
  recovery?: {
    kills: number;
    recoveredMs: Summary;
    samples: number[];
    turnsRepeated: number;
    otherWorker: number;
  };
  /** RSS of each worker process right after start, before any issue. */
  idleMemory?: { process: string; rss: number }[];
  /** The same kind of batch, all issues in one repository. */
  sameRepo?: LevelResult;
  /** A batch on a fresh orchestrator whose sticky workflow cache is capped (MAX_CACHED_WORKFLOWS). */
  cacheCap?: { maxCachedWorkflows: number; idleRss: number; level: LevelResult };
  /** Timing options of the run's code, for the notes (absent in older runs). */
  options?: {
    modelHeartbeatTimeoutMs: number;
    modelHeartbeatThrottleMs: number;
    modelFirstRetryMs: number;
    leaseRequest: 'local activity' | 'activity';
  };
  throughput?: {
    workers: number;
    issues: number;
    wallMs: number;
    issuesPerMin: number;
    ok: number;
  }[];
  cost: {
    systemBytes: { simple: Summary; complex: Summary };
    perIssue: { input: number; output: number; cacheRead: number; cacheWrite: number; n: number };
    cacheReadRatio: number;
    naive: {
      systemTokensActual: number;
      systemTokensNaive: number;
      extraInputTokensPerIssue: number;
      inputTokensPerIssue: number;
    };
  };
  records: IssueRecord[];
}

export interface Ctx {
  stack: BenchStack;
  owner: string;
  /** Repositories created on the GitHub simulator so far. */
  repos: Set<string>;
  log: (s: string) => void;
}

/** Creates `owner/name` on the GitHub simulator once. */
export async function ensureRepo(ctx: Ctx, name: string): Promise<void> {
  if (ctx.repos.has(name)) return;
  ctx.repos.add(name);
  await adminCall(ctx.stack.githubUrl, 'POST', '/_sim/repos', { owner: ctx.owner, repo: name });
}

interface Started {
  ref: IssueRef;
  text: BenchIssue;
  workflowId: string;
  t0: number;
}

async function retry<T>(fn: () => Promise<T>, what: string, attempts = 8): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await sleep(200 * 2 ** Math.min(i, 4));
    }
  }
  throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
}

/** Opens an issue as the maintainer and delivers its signed webhook (retried under faults). */
async function openIssue(ctx: Ctx, text: BenchIssue, repo: string): Promise<Started> {
  await ensureRepo(ctx, repo);
  const octokit = createOctokit(ctx.stack.githubUrl, MAINTAINER_TOKEN);
  const { owner } = ctx;
  const { data: repository } = await retry(
    () => octokit.rest.repos.get({ owner, repo }),
    'repos.get',
  );
  const { data: issue } = await retry(
    () => octokit.rest.issues.create({ owner, repo, title: text.title, body: text.body }),
    'issues.create',
  );
  const payload = { action: 'opened', issue, repository, sender: issue.user };
  const ref = { owner, repo, number: issue.number };
  const deliveryId = randomUUID();
  const t0 = Date.now();
  await retry(async () => {
    const r = await deliverWebhook(
      ctx.stack.bridgeUrl,
      WEBHOOK_SECRET,
      'issues',
      payload,
      deliveryId,
    );
    if (r.status >= 300) throw new Error(`bridge answered ${r.status}: ${JSON.stringify(r.reply)}`);
  }, 'webhook');
  return { ref, text, workflowId: issueWorkflowId(ref), t0 };
}

async function pool<T, R>(
  items: readonly T[],
  size: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** What the system produced for one issue, from its status query and histories. */
async function collect(
  client: Client,
  s: Started,
  result: IssueWorkflowResult | undefined,
  endMs: number,
): Promise<IssueRecord> {
  const handle = client.workflow.getHandle(s.workflowId);
  let status: IssueStatus | undefined;
  try {
    status = await handle.query(statusQuery);
  } catch {
    status = undefined;
  }
  const parent = await handle.fetchHistory();
  const times = issueTimes(parent.events ?? []);
  const spawns: SpawnTimes[] = [];
  let agentActivityMs = 0;
  let agentScheduleToStartMs = 0;
  let agentTotalMs = 0;
  for (const child of times.children) {
    const h = await client.workflow.getHandle(child.workflowId).fetchHistory();
    const sp = spawnTimes(child, h.events ?? []);
    if (sp) spawns.push(sp);
    for (const a of activities(h.events ?? [])) {
      if (a.startedMs !== undefined && a.closedMs !== undefined) {
        agentActivityMs += a.closedMs - a.startedMs;
        agentScheduleToStartMs += a.startedMs - a.scheduledMs;
      }
    }
    if (child.closedMs !== undefined) agentTotalMs += child.closedMs - child.initiatedMs;
  }
  const durations: Partial<Record<AgentType, number>> = {};
  for (const c of times.children)
    if (c.closedMs !== undefined) durations[c.agent] = c.closedMs - c.initiatedMs;
  const plan = status?.plan;
  const agents = (status?.agents ?? []).map((a) => ({
    agent: a.agent,
    ms: durations[a.agent],
    turns: a.turns,
    tokens: a.tokens,
  }));
  const systemBytes = (status?.agents ?? []).map((a) =>
    status?.analysis ? instructionBytesFor(status, a.agent) : 0,
  );
  return {
    text: s.text.id,
    workflowId: s.workflowId,
    phase: result?.phase ?? 'unfinished',
    ok: result?.phase === 'done' && result.failedAgents.length === 0,
    e2eMs: endMs - s.t0,
    prMs: times.prMs,
    agentPhaseMs: times.agentPhaseMs,
    criticalMs: plan ? criticalPathMs(plan, durations) : undefined,
    spawns,
    agents,
    complexity: status?.analysis?.complexity,
    risk: status?.analysis?.risk,
    tokens: status?.tokens,
    systemBytes,
    turns: agents.reduce((n, a) => n + a.turns, 0),
    agentActivityMs,
    agentScheduleToStartMs,
    agentTotalMs,
  };
}

function promptContext(status: IssueStatus, agent: AgentType) {
  return {
    agent,
    repo: status.repo,
    issue: { number: status.issue, title: status.title ?? '', body: '' },
    analysis: status.analysis as NonNullable<IssueStatus['analysis']>,
    writablePaths: DEFAULT_AGENTS[agent].paths,
    teammates: status.agents.map((a) => a.agent).filter((a) => a !== agent),
    dependencySummaries: [],
    docsRef: 'HEAD',
  };
}

/**
 * Bytes of the instructions the model activity and the agent loop build for
 * this agent (same pure builders): the system prompt and the agent's
 * assignment (the first message's part after the issue).
 */
function instructionBytesFor(status: IssueStatus, agent: AgentType): number {
  const ctx = promptContext(status, agent);
  const texts = [...buildSystem(ctx).map((b) => b.text), assignmentBlock(ctx)];
  return texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
}

/** Samples VmRSS/VmHWM (and the probe's heap) of every worker process while running. */
function memorySampler(stack: BenchStack): { stop(): MemoryPeak[] } {
  const peaks = new Map<string, MemoryPeak>();
  const sample = () => {
    for (const p of stack.workerProcs()) {
      const m = procMemory(p.pid);
      if (!m) continue;
      const name = p.name.replace(/-\d+$/, (x) => x); // keep model-worker-<i>
      const peak = peaks.get(name) ?? { process: name, peakRss: 0, hwm: 0 };
      peak.peakRss = Math.max(peak.peakRss, m.rss);
      peak.hwm = Math.max(peak.hwm, m.hwm);
      if (p.heap && Date.now() - p.heap.at < 2000) {
        peak.peakHeapUsed = Math.max(peak.peakHeapUsed ?? 0, p.heap.heapUsed);
        peak.peakHeapTotal = Math.max(peak.peakHeapTotal ?? 0, p.heap.heapTotal);
      }
      peaks.set(name, peak);
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return [...peaks.values()].sort((a, b) => a.process.localeCompare(b.process));
    },
  };
}

async function waitResult(
  client: Client,
  s: Started,
  deadlineMs: number,
): Promise<{ result?: IssueWorkflowResult; endMs: number }> {
  const handle = client.workflow.getHandle(s.workflowId);
  const left = Math.max(1, deadlineMs - Date.now());
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      handle.result() as Promise<IssueWorkflowResult>,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), left))),
    ]);
    return { result, endMs: Date.now() };
  } catch {
    return { result: undefined, endMs: Date.now() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * n issues opened at once, each in its own repository unless `sameRepo` (the
 * per-repository area limits, AREA_LIMITS, would otherwise queue agents of
 * different issues behind each other); waits for all; timings from histories.
 */
export async function runBatch(
  ctx: Ctx,
  n: number,
  offset: number,
  timeoutMs: number,
  onDone?: (done: number) => void,
  sameRepo?: string,
) {
  const sampler = memorySampler(ctx.stack);
  const t0 = Date.now();
  const started = await pool(
    Array.from({ length: n }, (_, i) => i),
    50,
    (i) => openIssue(ctx, issueAt(offset + i), sameRepo ?? `r${i}`),
  );
  let done = 0;
  const deadline = Date.now() + timeoutMs;
  const finished = await Promise.all(
    started.map(async (s) => {
      const r = await waitResult(ctx.stack.client, s, deadline);
      onDone?.(++done);
      return r;
    }),
  );
  const wallMs = Date.now() - t0;
  const memory = sampler.stop();
  const records = await pool(started, 8, async (s) => {
    const i = started.indexOf(s);
    const f = finished[i] as { result?: IssueWorkflowResult; endMs: number };
    return collect(ctx.stack.client, s, f.result, f.endMs);
  });
  return { started, records, wallMs, memory };
}

export function levelResult(
  concurrency: number,
  records: IssueRecord[],
  wallMs: number,
  memory: MemoryPeak[],
): LevelResult {
  const spawns = records.flatMap((r) => r.spawns);
  return {
    concurrency,
    issues: records.length,
    wallMs,
    issuesPerMin: records.filter((r) => r.ok).length / (wallMs / 60_000),
    ok: records.filter((r) => r.ok).length,
    e2e: summarize(records.filter((r) => r.ok).map((r) => r.e2eMs)),
    spawn: summarize(spawns.map((s) => s.spawnMs)),
    scheduleToStart: summarize(spawns.map((s) => s.scheduleToStartMs)),
    spawnWorkflowTask: summarize(spawns.map((s) => s.workflowTaskMs)),
    spawnLease: summarize(spawns.flatMap((s) => (s.leaseMs !== undefined ? [s.leaseMs] : []))),
    pr: summarize(records.flatMap((r) => (r.prMs !== undefined ? [r.prMs] : []))),
    activityShare:
      records.reduce((n, r) => n + r.agentActivityMs, 0) /
      Math.max(
        1,
        records.reduce((n, r) => n + r.agentTotalMs, 0),
      ),
    memory,
  };
}

/** On the GitHub simulator: the PR is open on the issue branch and holds one commit per agent. */
async function verifyOnGitHub(
  ctx: Ctx,
  rec: IssueRecord,
  ref: IssueRef,
  agents: AgentType[],
  pulls: { head: string; state: string }[],
): Promise<string | undefined> {
  const branch = pulls.find((p) => isIssueRunBranch(ref, p.head) && p.state === 'open')?.head;
  if (!branch) return `${rec.workflowId}: no open PR on a branch of the issue`;
  const log = (await adminCall(
    ctx.stack.githubUrl,
    'GET',
    `/_sim/repos/${ctx.owner}/${ref.repo}/log?ref=${encodeURIComponent(branch)}`,
  )) as { message: string }[];
  for (const agent of agents) {
    const n = log.filter((c) =>
      c.message.includes(`BlogTube-Run: ${rec.workflowId}\nBlogTube-Agent: ${agent}`),
    ).length;
    if (n !== 1) return `${rec.workflowId}: ${n} commits of the ${agent} agent`;
  }
  return undefined;
}

export async function runSystemBench(opts: {
  mode: Mode;
  latency: LatencyProfile;
  temporalAddress?: string;
  logDir: string;
  log?: (s: string) => void;
}): Promise<SystemReport> {
  const plan = PLANS[opts.mode];
  const log = opts.log ?? (() => {});
  const loadBefore = loadavg();
  log(`starting the stack (dev server, simulators, workers, bridge as processes)…`);
  const stack = await startBenchStack({
    temporalAddress: opts.temporalAddress,
    modelWorkers: 2,
    modelSlots: plan.modelSlots,
    latency: opts.latency,
    logDir: opts.logDir,
  });
  try {
    const owner = `bench${randomUUID().slice(0, 6)}`;
    const repo = 'r0';
    await sleep(2000);
    const idleMemory = stack
      .workerProcs()
      .map((p) => ({ process: p.name, rss: procMemory(p.pid)?.rss ?? NaN }));
    const ctx: Ctx = { stack, owner, repos: new Set(), log };
    await ensureRepo(ctx, repo);
    let offset = 0;
    const allRecords: IssueRecord[] = [];

    // 1. Parallel vs the sequential baseline, one issue at a time (also concurrency 1).
    log(`comparing with the sequential baseline on ${plan.compareIssues} issue(s)…`);
    const baselineDeps = {
      octokit: createOctokit(stack.githubUrl, BOT_TOKEN),
      anthropic: createAnthropic(stack.anthropicUrl, 'sandbox-anthropic-key'),
      classifier: getIssueTypeClassifier(),
    };
    const compareIssues: SystemReport['compare']['issues'] = [];
    const level1: IssueRecord[] = [];
    const level1Mem: MemoryPeak[][] = [];
    let level1Wall = 0;
    for (let i = 0; i < plan.compareIssues; i++) {
      const text = issueAt(i);
      const b = await runBatch(ctx, 1, i, 10 * 60_000);
      const rec = b.records[0] as IssueRecord;
      level1.push(rec);
      level1Mem.push(b.memory);
      level1Wall += b.wallMs;
      const octokit = createOctokit(stack.githubUrl, MAINTAINER_TOKEN);
      const { data: issue } = await octokit.rest.issues.create({
        owner,
        repo,
        title: text.title,
        body: text.body,
      });
      const t0 = Date.now();
      await runSequentialBaseline(baselineDeps, { owner, repo, number: issue.number });
      const sequentialMs = Date.now() - t0;
      compareIssues.push({
        text: text.id,
        parallelMs: rec.e2eMs,
        sequentialMs,
        agentPhaseMs: rec.agentPhaseMs,
        criticalMs: rec.criticalMs,
      });
      log(`  ${text.id}: parallel ${rec.e2eMs} ms (${rec.phase}), sequential ${sequentialMs} ms`);
    }
    offset = plan.compareIssues;
    allRecords.push(...level1);
    const mergedMem = mergeMemory(level1Mem);
    const levels: LevelResult[] = [levelResult(1, level1, level1Wall, mergedMem)];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const withBound = compareIssues.filter((c) => c.agentPhaseMs !== undefined && c.criticalMs);
    const compare: SystemReport['compare'] = {
      issues: compareIssues,
      parallel: summarize(compareIssues.map((c) => c.parallelMs)),
      sequential: summarize(compareIssues.map((c) => c.sequentialMs)),
      ratio:
        sum(compareIssues.map((c) => c.sequentialMs)) /
        Math.max(1, sum(compareIssues.map((c) => c.parallelMs))),
      criticalPathRatio:
        sum(withBound.map((c) => c.agentPhaseMs as number)) /
        Math.max(1, sum(withBound.map((c) => c.criticalMs as number))),
    };

    // 2. Concurrency levels: spawn, PR, end-to-end, memory.
    for (const c of plan.levels.filter((l) => l > 1)) {
      log(`${c} concurrent issues…`);
      const b = await runBatch(ctx, c, offset, 20 * 60_000);
      offset += c;
      allRecords.push(...b.records);
      const lr = levelResult(c, b.records, b.wallMs, b.memory);
      levels.push(lr);
      log(
        `  ${lr.ok}/${c} ok in ${(b.wallMs / 1000).toFixed(1)} s; e2e p50 ${lr.e2e.p50} ms p99 ${lr.e2e.p99} ms; spawn p99 ${lr.spawn.p99} ms`,
      );
    }

    // 2b. The same in one repository: the per-area leases queue agents across issues.
    let sameRepo: LevelResult | undefined;
    if (plan.sameRepoIssues > 0) {
      log(`${plan.sameRepoIssues} concurrent issues in one repository…`);
      const b = await runBatch(ctx, plan.sameRepoIssues, offset, 20 * 60_000, undefined, 'shared');
      offset += plan.sameRepoIssues;
      allRecords.push(...b.records);
      sameRepo = levelResult(plan.sameRepoIssues, b.records, b.wallMs, b.memory);
      log(
        `  ${sameRepo.ok}/${plan.sameRepoIssues} ok; e2e p50 ${sameRepo.e2e.p50} ms; spawn p99 ${sameRepo.spawn.p99} ms`,
      );
    }

    // 3. Throughput with 1 and 2 model worker processes.
    let throughput: SystemReport['throughput'];
    if (plan.throughputIssues > 0) {
      throughput = [];
      for (const workers of [1, 2]) {
        if (workers === 1) await stack.stopModel(1);
        else await stack.startModel(1);
        log(`throughput: ${plan.throughputIssues} issues with ${workers} model worker(s)…`);
        const b = await runBatch(ctx, plan.throughputIssues, offset, 20 * 60_000);
        offset += plan.throughputIssues;
        const ok = b.records.filter((r) => r.ok).length;
        throughput.push({
          workers,
          issues: plan.throughputIssues,
          wallMs: b.wallMs,
          issuesPerMin: ok / (b.wallMs / 60_000),
          ok,
        });
        log(`  ${ok} ok in ${(b.wallMs / 1000).toFixed(1)} s`);
      }
    }

    // 4. Error recovery: SIGKILL the model worker running a call mid-stream.
    let recovery: SystemReport['recovery'];
    if (plan.recoveryKills > 0) {
      log(`recovery: ${plan.recoveryKills} SIGKILLs of the model worker mid-stream…`);
      await adminCall(stack.anthropicUrl, 'DELETE', '/_sim/requests');
      await adminCall(stack.anthropicUrl, 'POST', '/_sim/latency', {
        ttftMs: opts.latency.anthropicTtftMs,
        tokensPerSec: 15,
      });
      const samples: number[] = [];
      const issues: Started[] = [];
      let other = 0;
      for (let k = 0; k < plan.recoveryKills; k++) {
        const s = await openIssue(
          ctx,
          {
            id: 'recovery',
            title: 'Fix typo in the API docs',
            body: `docs/api.md says GET /api/vidoes (${k}).`,
          },
          `recovery${k}`,
        );
        issues.push(s);
        const r = await killMidStream(ctx, s);
        if (r) {
          samples.push(r.recoveredMs);
          if (r.otherWorker) other++;
          log(`  kill ${k + 1}: running again after ${r.recoveredMs} ms`);
        }
      }
      const deadline = Date.now() + 10 * 60_000;
      await Promise.all(issues.map((s) => waitResult(stack.client, s, deadline)));
      await adminCall(stack.anthropicUrl, 'POST', '/_sim/latency', {
        ttftMs: opts.latency.anthropicTtftMs,
        tokensPerSec: opts.latency.anthropicTokensPerSec,
      });
      const reqs = (await adminCall(stack.anthropicUrl, 'GET', '/_sim/requests')) as {
        issue: number | null;
        agent: string | null;
        turn: number | null;
        status: number;
      }[];
      const numbers = new Set(issues.map((s) => s.ref.number));
      const seen = new Map<string, number>();
      for (const r of reqs) {
        if (r.issue === null || !numbers.has(r.issue) || r.status !== 200) continue;
        const key = `${r.issue}/${r.agent}/${r.turn}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      const repeated = [...seen.values()].reduce((n, c) => n + (c - 1), 0);
      recovery = {
        kills: samples.length,
        recoveredMs: summarize(samples),
        samples,
        turnsRepeated: repeated,
        otherWorker: other,
      };
    }

    // 5. Success under faults: 10% 5xx, 5% 429 on both simulators, two SIGKILLs.
    let faults: SystemReport['faults'];
    if (plan.faultIssues > 0) {
      log(
        `faults: ${plan.faultIssues} issues with 10% 5xx, 5% 429 and ${plan.faultKills} SIGKILLs of the model worker…`,
      );
      // 5% of all requests: the 429 rule sees only the 90% the 5xx rule let through.
      const p429 = 0.05 / 0.9;
      await adminCall(stack.githubUrl, 'POST', '/_sim/faults', {
        rules: [
          { status: 502, rate: 0.1 },
          { status: 429, rate: p429, retryAfter: 1 },
        ],
      });
      await adminCall(stack.anthropicUrl, 'POST', '/_sim/faults', {
        rules: [
          { status: 500, rate: 0.1 },
          { status: 429, rate: p429, retryAfter: 1 },
        ],
      });
      let kills = 0;
      const killAt = Array.from({ length: plan.faultKills }, (_, i) =>
        Math.floor(((i + 1) * plan.faultIssues) / (plan.faultKills + 1)),
      );
      const pending: Promise<void>[] = [];
      const b = await runBatch(ctx, plan.faultIssues, offset, 25 * 60_000, (done) => {
        if (killAt.includes(done) && stack.models[0]) {
          pending.push(
            (async () => {
              await stack.killModel(0);
              kills++;
              log(`  SIGKILL model worker 0 after ${done} issues; restarting`);
              await sleep(1000);
              await stack.startModel(0);
            })(),
          );
        }
      });
      // Kills by issues completed can come late; make sure both happened during the batch.
      await Promise.all(pending);
      offset += plan.faultIssues;
      await adminCall(stack.githubUrl, 'DELETE', '/_sim/faults');
      await adminCall(stack.anthropicUrl, 'DELETE', '/_sim/faults');
      const failures: string[] = [];
      let ok = 0;
      for (const [i, rec] of b.records.entries()) {
        const s = b.started[i] as Started;
        if (!rec.ok) {
          failures.push(`${rec.workflowId}: phase ${rec.phase}`);
          continue;
        }
        const state = (await adminCall(
          stack.githubUrl,
          'GET',
          `/_sim/state?repo=${owner}/${s.ref.repo}`,
        )) as {
          pulls: { head: string; state: string }[];
        };
        const problem = await verifyOnGitHub(
          ctx,
          rec,
          s.ref,
          rec.agents.map((a) => a.agent),
          state.pulls,
        );
        if (problem) failures.push(problem);
        else ok++;
      }
      faults = {
        issues: plan.faultIssues,
        ok,
        successRate: ok / plan.faultIssues,
        kills,
        failures,
        wallMs: b.wallMs,
      };
      log(`  ${ok}/${plan.faultIssues} completed with a correct PR`);
    }

    // 6. Memory with a capped sticky cache: a fresh orchestrator, one batch.
    let cacheCap: SystemReport['cacheCap'];
    if (plan.cacheCapIssues > 0) {
      log(
        `memory: ${plan.cacheCapIssues} concurrent issues on a fresh orchestrator with MAX_CACHED_WORKFLOWS=${plan.cacheCap}…`,
      );
      const fresh = await stack.restartOrchestrator({
        MAX_CACHED_WORKFLOWS: String(plan.cacheCap),
      });
      await sleep(2000);
      const idleRss = procMemory(fresh.pid)?.rss ?? NaN;
      const b = await runBatch(ctx, plan.cacheCapIssues, offset, 20 * 60_000);
      offset += plan.cacheCapIssues;
      allRecords.push(...b.records);
      const level = levelResult(plan.cacheCapIssues, b.records, b.wallMs, b.memory);
      cacheCap = { maxCachedWorkflows: plan.cacheCap, idleRss, level };
      const peak = level.memory.find((m) => m.process === fresh.name)?.peakRss ?? NaN;
      log(
        `  ${level.ok}/${plan.cacheCapIssues} ok; orchestrator peak RSS ${Math.round(peak / 2 ** 20)} MiB; e2e p50 ${level.e2e.p50} ms`,
      );
    }

    const cost = await costOf(stack, owner, repo, allRecords);
    return {
      mode: opts.mode,
      latency: opts.latency,
      temporal: stack.temporalVersion,
      modelSlots: plan.modelSlots,
      cpus: cpus().length,
      loadAvg: { before: loadBefore, after: loadavg() },
      levels,
      compare,
      faults,
      recovery,
      idleMemory,
      sameRepo,
      cacheCap,
      throughput,
      cost,
      options: {
        modelHeartbeatTimeoutMs: MODEL_HEARTBEAT_TIMEOUT_MS,
        modelHeartbeatThrottleMs: MODEL_HEARTBEAT_THROTTLE_MS,
        modelFirstRetryMs: MODEL_FIRST_RETRY_MS,
        leaseRequest: 'local activity',
      },
      records: allRecords,
    };
  } finally {
    await stack.stop();
  }
}

function mergeMemory(lists: MemoryPeak[][]): MemoryPeak[] {
  const out = new Map<string, MemoryPeak>();
  for (const m of lists.flat()) {
    const cur = out.get(m.process);
    if (!cur) out.set(m.process, { ...m });
    else {
      cur.peakRss = Math.max(cur.peakRss, m.peakRss);
      cur.hwm = Math.max(cur.hwm, m.hwm);
      if (m.peakHeapUsed !== undefined)
        cur.peakHeapUsed = Math.max(cur.peakHeapUsed ?? 0, m.peakHeapUsed);
      if (m.peakHeapTotal !== undefined)
        cur.peakHeapTotal = Math.max(cur.peakHeapTotal ?? 0, m.peakHeapTotal);
    }
  }
  return [...out.values()];
}

const PENDING_STARTED =
  proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

function tsMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;
}

/**
 * Waits until the agent's model call streams (a heartbeat after it started),
 * SIGKILLs the worker process named by the activity's identity, restarts it,
 * and measures kill → the call started again (its next attempt's start time).
 */
async function killMidStream(
  ctx: Ctx,
  s: Started,
): Promise<{ recoveredMs: number; otherWorker: boolean } | undefined> {
  const { stack } = ctx;
  const child = stack.client.workflow.getHandle(agentWorkflowId(s.ref, 'documentation'));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) return undefined;
    await sleep(100);
    let pending;
    try {
      pending = (await child.describe()).raw.pendingActivities ?? [];
    } catch {
      continue; // child not started yet
    }
    const call = pending.find(
      (p) =>
        p.activityType?.name === 'callModel' && p.state === PENDING_STARTED && p.lastHeartbeatTime,
    );
    if (!call) continue;
    const identity = call.lastWorkerIdentity ?? '';
    const pid = Number(identity.split('@')[0]);
    const index = stack.models.findIndex((m) => m?.pid === pid);
    if (index < 0 || identity.split('@')[1] !== hostname()) return undefined;
    const attempt = call.attempt ?? 1;
    const killedAt = await stack.killModel(index);
    const restart = stack.startModel(index);
    for (;;) {
      if (Date.now() > deadline) return undefined;
      await sleep(50);
      const now = (await child.describe()).raw.pendingActivities ?? [];
      const again = now.find(
        (p) =>
          p.activityType?.name === 'callModel' &&
          (p.attempt ?? 1) > attempt &&
          p.state === PENDING_STARTED,
      );
      const moved =
        now.length === 0 ||
        now.every((p) => p.activityType?.name !== 'callModel' || (p.attempt ?? 1) > attempt);
      if (again) {
        await restart;
        const by = Number((again.lastWorkerIdentity ?? '').split('@')[0]);
        return {
          recoveredMs: Math.round(tsMs(again.lastStartedTime) - killedAt),
          otherWorker: by !== pid,
        };
      }
      if (moved && now.length === 0) {
        // Completed between polls: read the start of its last attempt from history.
        await restart;
        return undefined;
      }
    }
  }
}

async function costOf(
  stack: BenchStack,
  owner: string,
  repo: string,
  records: IssueRecord[],
): Promise<SystemReport['cost']> {
  const ok = records.filter((r) => r.ok && r.tokens);
  const bytes = (c: string) => ok.filter((r) => r.complexity === c).flatMap((r) => r.systemBytes);
  const tot = ok.reduce(
    (u, r) => ({
      input: u.input + (r.tokens?.input ?? 0),
      output: u.output + (r.tokens?.output ?? 0),
      cacheRead: u.cacheRead + (r.tokens?.cacheRead ?? 0),
      cacheWrite: u.cacheWrite + (r.tokens?.cacheWrite ?? 0),
    }),
    { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  );
  const n = Math.max(1, ok.length);
  const perIssue = {
    input: tot.input / n,
    output: tot.output / n,
    cacheRead: tot.cacheRead / n,
    cacheWrite: tot.cacheWrite / n,
    n: ok.length,
  };
  const cacheReadRatio = cacheReadShare(tot);

  // Naive: every call carries the full docs and the examples (complex, high risk).
  const anthropic = createAnthropic(stack.anthropicUrl, 'sandbox-anthropic-key');
  const github = createGitHubActivities({ octokit: createOctokit(stack.githubUrl, BOT_TOKEN) });
  const octokit = createOctokit(stack.githubUrl, BOT_TOKEN);
  const { data: branch } = await octokit.rest.repos.getBranch({ owner, repo, branch: 'main' });
  const docs = await github.readAgentDocs({ owner, repo }, branch.commit.sha);
  const count = async (ctx: PromptContext, opts: PromptOptions = {}) =>
    (
      await anthropic.messages.countTokens({
        model: 'claude-sonnet-5-5',
        system: buildSystem(ctx, opts),
        messages: [{ role: 'user', content: assignmentBlock(ctx) }],
      })
    ).input_tokens;
  let actual = 0;
  let naive = 0;
  let extra = 0;
  for (const r of ok) {
    const agents = r.agents;
    for (const a of agents) {
      const base = {
        agent: a.agent,
        repo: `${owner}/${repo}`,
        issue: { number: 1, title: '', body: '' },
        analysis: {
          type: 'feature' as const,
          confidence: 1,
          complexity: (r.complexity ?? 'simple') as 'simple',
          risk: (r.risk ?? 'low') as 'low',
          agents: agents.map((x) => x.agent),
          reasons: [],
        },
        writablePaths: DEFAULT_AGENTS[a.agent].paths,
        teammates: agents.map((x) => x.agent).filter((x) => x !== a.agent),
        dependencySummaries: [],
        docsRef: 'HEAD',
      };
      const act = await count(base);
      const nai = await count(
        {
          ...base,
          analysis: {
            ...base.analysis,
            complexity: 'complex' as 'simple',
            risk: 'high' as 'low',
          },
        },
        { repoDocs: docs },
      );
      actual += act;
      naive += nai;
      extra += (nai - act) * a.turns;
    }
    if (ok.indexOf(r) >= 20) break; // a sample is enough: the builder is deterministic
  }
  const sampled = Math.min(ok.length, 21) || 1;
  return {
    systemBytes: { simple: summarize(bytes('simple')), complex: summarize(bytes('complex')) },
    perIssue,
    cacheReadRatio,
    naive: {
      systemTokensActual: actual / sampled,
      systemTokensNaive: naive / sampled,
      extraInputTokensPerIssue: extra / sampled,
      inputTokensPerIssue: perIssue.input + perIssue.cacheRead + perIssue.cacheWrite,
    },
  };
}
