/**
 * Records the replay histories under `test/replay/` (replayed in CI by
 * `test/replay/replay.test.ts`). Re-record only when a workflow change is
 * intended and runs on the old code are drained (docs/changing-workflows.md):
 *
 *   npm run build && node dist/scripts/record-replay-histories.js [scenario...]
 *
 * It starts everything it needs on loopback, as the integration tests do: a
 * private in-memory Temporal dev server, the GitHub and Anthropic simulators,
 * the orchestrator and model workers and the webhook bridge, in this process.
 * Each scenario runs on its own simulated repository (`replay/<scenario>`)
 * through the bridge, like a real delivery; then the issue workflow's history
 * and its agents' histories are written as `<scenario>-issue.json` and
 * `<scenario>-agent-<type>.json`. Payloads are sealed with the TEST-ONLY key of
 * `scripts/replay-histories.ts`. A scenario whose run did not go the way it is
 * meant to (no message delivered, no failure…) fails the recording.
 * With no argument every scenario is recorded; a scenario's files are replaced,
 * any other `*.json` there is left alone.
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { createBridge, serverUrl } from '../client/bridge.js';
import { deliverWebhook } from '../client/demo.js';
import { PermissionChecker } from '../client/permissions.js';
import { connectClient } from '../client/temporal.js';
import { loadSettings } from '../common/env.js';
import { createOctokit } from '../common/github-client.js';
import { agentWorkflowId, issueWorkflowId } from '../common/ids.js';
import type { AgentType, IssueRef, IssueStatus } from '../common/schemas.js';
import { planDecisionUpdate, statusQuery } from '../common/workflow-api.js';
import { startAnthropicSim, SANDBOX_API_KEY } from '../sandbox/anthropic/server.js';
import type { AgentKnobs } from '../sandbox/anthropic/server.js';
import { startGitHubSim, SANDBOX_TOKENS, USERS } from '../sandbox/github/server.js';
import {
  createModelWorker,
  createOrchestratorWorker,
  createWorkspaceWorkers,
} from '../workers/create.js';
import { startDevServer } from './dev-server.js';
import {
  historyFileName,
  historyToJson,
  REPLAY_SCENARIOS,
  replayCodecEnv,
  replayDir,
} from './replay-histories.js';
import type { History, RecordedHistory, ReplayScenario } from './replay-histories.js';
import { ensureTemporalCli } from './temporal-cli.js';
import { commitFile } from '../sandbox/github/maintainer.js';
import { FULL_CREW_ISSUE } from '../sandbox/issues.js';

const OWNER = 'replay';
const WEBHOOK_SECRET = 'replay-webhook-secret';
/** Time to first token of the simulated model (ms), as in the end-to-end tests. */
const TTFT_MS = 30;

type Event = NonNullable<History['events']>[number];

/** What a scenario can do with the running system. */
interface Ctx {
  /** Replace the Anthropic simulator's scenario knobs. */
  knobs(agents: Partial<Record<AgentType, AgentKnobs>>): Promise<void>;
  /** Time to first token of every model answer (ms). */
  latency(ttftMs: number): Promise<void>;
  commitFile(path: string, content: string): Promise<void>;
  /** Open an issue as the maintainer and deliver its webhook; the run's handle. */
  openIssue(issue: { title: string; body: string }): Promise<{ ref: IssueRef; handle: Handle }>;
  /** Deliver `issue_comment.created` by the maintainer. */
  comment(ref: IssueRef, body: string): Promise<void>;
  handle(workflowId: string): Handle;
}

type Handle = WorkflowHandle;

interface Outcome {
  ref: IssueRef;
  status: IssueStatus;
}

interface Scenario {
  name: ReplayScenario;
  /** The agents whose histories are kept (default: every agent that started). */
  agents?: AgentType[];
  /** Runs give their agents workspaces (a workspace worker, `WORKSPACE_AGENTS=on`). */
  workspaces?: boolean;
  /** Child workflows recorded besides the crew's agents: file suffix → workflow id. */
  extra?: (o: Outcome) => Record<`agent-${string}`, string>;
  what: string;
  run(ctx: Ctx): Promise<Outcome>;
  /** Throws when the recorded histories do not show what the scenario is for. */
  check(o: Outcome, issue: Event[], agents: Map<AgentType, Event[]>): void;
}

function expect(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(`the recorded run does not show: ${what}`);
}

/** Whether some event carries these attributes (`workflowExecutionSignaledEventAttributes`…). */
function has(events: Event[], attr: keyof Event): boolean {
  return events.some((e) => e[attr] != null);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function phaseReached(handle: Handle, phase: string): Promise<IssueStatus> {
  return waitFor(`phase ${phase}`, async () => {
    const s = await handle.query(statusQuery);
    return s.phase === phase ? s : undefined;
  });
}

async function settle(handle: Handle): Promise<IssueStatus> {
  await handle.result().catch(() => undefined);
  return handle.query(statusQuery);
}

const SCENARIOS: Scenario[] = [
  {
    name: 'happy-path',
    what: 'the full crew; backend → frontend note held until the frontend starts; frontend → devops note signalled to the running devops agent',
    async run(ctx) {
      await ctx.knobs({
        frontend: {
          messageTo: { to: 'devops', text: 'The playlist panel is served at /playlists.' },
        },
        // Still exploring when the frontend's note arrives.
        devops: { extraTurns: 4 },
      });
      const { ref, handle } = await ctx.openIssue(FULL_CREW_ISSUE);
      return { ref, status: await settle(handle) };
    },
    check({ status }, issue, agents) {
      expect(status.phase === 'done' && !status.draft, 'a finished run with a ready PR');
      expect(status.agents.length === 5, 'five agents');
      expect(
        status.messages.some((m) => m.from === 'backend' && m.to === 'frontend'),
        'a backend → frontend message',
      );
      expect(
        has(issue, 'signalExternalWorkflowExecutionInitiatedEventAttributes'),
        'the issue workflow signalling a running agent',
      );
      expect(
        has(agents.get('devops') ?? [], 'workflowExecutionSignaledEventAttributes'),
        'the devops agent receiving a message while it runs',
      );
    },
  },
  {
    name: 'failed-agent',
    what: 'the frontend fails (HTTP 400, non-retryable); documentation is skipped; the PR is a draft',
    // Its siblings' histories are those of the happy path.
    agents: ['frontend'],
    async run(ctx) {
      await ctx.knobs({ frontend: { failWith: { status: 400 } } });
      const { ref, handle } = await ctx.openIssue(FULL_CREW_ISSUE);
      return { ref, status: await settle(handle) };
    },
    check({ status }, issue, agents) {
      const state = Object.fromEntries(status.agents.map((a) => [a.agent, a.state]));
      expect(state.frontend === 'failed', 'a failed frontend agent');
      expect(state.documentation === 'skipped', 'its dependent skipped');
      expect(status.draft === true, 'a draft PR');
      expect(has(issue, 'childWorkflowExecutionFailedEventAttributes'), 'a failed child');
      expect(
        has(agents.get('frontend') ?? [], 'workflowExecutionFailedEventAttributes'),
        'the frontend history ending failed',
      );
    },
  },
  {
    name: 'plan-approval',
    what: '`approval: plan`; the plan is approved by the decidePlan Update',
    async run(ctx) {
      await ctx.commitFile(
        '.github/blogtube.yml',
        'version: 1\napproval: plan\napproval_timeout_minutes: 60\n',
      );
      const { ref, handle } = await ctx.openIssue({
        title: 'Add a playlists API endpoint',
        body: 'Add an API endpoint that lists playlists.',
      });
      await phaseReached(handle, 'awaiting_approval');
      await handle.executeUpdate(planDecisionUpdate, {
        args: [{ approve: true, by: USERS.maintainer.login }],
      });
      return { ref, status: await settle(handle) };
    },
    check({ status }, issue) {
      expect(status.phase === 'done', 'a finished run');
      expect(has(issue, 'workflowExecutionUpdateAcceptedEventAttributes'), 'an accepted Update');
      expect(has(issue, 'workflowExecutionUpdateCompletedEventAttributes'), 'a completed Update');
    },
  },
  {
    name: 'question-run',
    what: 'a question is set aside; a maintainer’s `/blogtube run` comment runs it',
    async run(ctx) {
      const { ref, handle } = await ctx.openIssue({
        title: 'How do I configure the video player?',
        body: 'I could not find it in the docs. Any help appreciated, thanks!',
      });
      await phaseReached(handle, 'question');
      await ctx.comment(ref, '/blogtube run please');
      return { ref, status: await settle(handle) };
    },
    check({ status }, issue) {
      expect(status.analysis?.type === 'question', 'a question');
      expect(status.phase === 'done' && status.agents.length > 0, 'a run after the comment');
      expect(
        issue.some(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'issueComment',
        ),
        'the comment signal',
      );
    },
  },
  {
    name: 'cancelled',
    what: 'cancelled while the backend runs, the database agent done: a draft PR with its commit',
    async run(ctx) {
      await ctx.latency(150);
      const { ref, handle } = await ctx.openIssue({
        title: 'Add playlists',
        body: 'Add a playlists table in the database, API endpoints for it, and a UI component.',
      });
      // Cancel while the backend's first model call is in flight (usually: the
      // call may also complete just as the cancellation arrives).
      const backend = ctx.handle(agentWorkflowId(ref, 'backend'));
      await waitFor('the backend agent to call the model', async () => {
        const { events } = await backend.fetchHistory();
        return events?.some(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel',
        )
          ? true
          : undefined;
      });
      await handle.cancel();
      return { ref, status: await settle(handle) };
    },
    check({ status }, issue, agents) {
      expect(status.phase === 'cancelled', 'a cancelled run');
      expect(
        has(issue, 'workflowExecutionCanceledEventAttributes'),
        'the issue history ending cancelled',
      );
      expect(status.agents.find((a) => a.agent === 'database')?.state === 'done', 'a done agent');
      const backend = agents.get('backend') ?? [];
      expect(
        has(backend, 'workflowExecutionCancelRequestedEventAttributes') &&
          has(backend, 'workflowExecutionCanceledEventAttributes'),
        'the backend agent cancelled while it ran',
      );
    },
  },
  {
    name: 'workspace-agents',
    what: 'the demo issue with workspace agents: checkouts, editor, search and sandboxed `run` (the backend’s first edit breaks its test, it sees the failure and fixes it)',
    workspaces: true,
    async run(ctx) {
      await ctx.knobs({ backend: { tests: 'break-then-fix' } });
      const { ref, handle } = await ctx.openIssue(FULL_CREW_ISSUE);
      return { ref, status: await settle(handle) };
    },
    check({ status }, _issue, agents) {
      expect(status.phase === 'done' && !status.draft, 'a finished run with a ready PR');
      const scheduled = (events: Event[]) =>
        events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
      for (const [agent, events] of agents) {
        const names = scheduled(events);
        for (const a of ['workspaceCreate', 'workspaceEdit', 'workspaceRun', 'workspaceFiles']) {
          expect(names.includes(a), `${agent} calling ${a}`);
        }
      }
      expect(
        scheduled(agents.get('backend') ?? []).filter((n) => n === 'workspaceRun').length >= 2,
        'the backend running its tests twice (failing, then passing)',
      );
    },
  },
  {
    name: 'fix-round',
    workspaces: true,
    what: "workspace agents and the checks: the backend's commit breaks `npm test`, one fix round sends it back, it fixes it, the checks pass, a ready PR",
    async run(ctx) {
      await ctx.knobs({ backend: { tests: 'break-then-fix', fixAttempts: 0 } });
      const { ref, handle } = await ctx.openIssue({
        title: 'Add favorites: users can favorite videos',
        body: 'A favorites table in the database and an API endpoint to list favorites.',
      });
      return { ref, status: await settle(handle) };
    },
    extra: ({ ref }) => ({ 'agent-fixbackend': `${agentWorkflowId(ref, 'backend')}/fix:1` }),
    check({ status }, issue) {
      expect(status.phase === 'done' && !status.draft, 'a finished run with a ready PR');
      const c = status.checks;
      expect(
        c?.roundsUsed === 1 && c.stop === 'all_passed',
        'one fix round, then every check passes',
      );
      expect(c?.rounds?.[0]?.agents.join() === 'backend', 'the round sent to the backend only');
      expect(
        issue.some(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'workspaceCheck',
        ),
        'checks run by the issue workflow',
      );
    },
  },
];

async function main(argv: string[]): Promise<void> {
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  if (SCENARIOS.map((s) => s.name).join() !== REPLAY_SCENARIOS.join()) {
    throw new Error('SCENARIOS and REPLAY_SCENARIOS (scripts/replay-histories.ts) disagree');
  }
  const unknown = argv.filter((a) => !SCENARIOS.some((s) => s.name === a));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  const chosen = argv.length > 0 ? SCENARIOS.filter((s) => argv.includes(s.name)) : SCENARIOS;
  const outDir = replayDir();
  await mkdir(outDir, { recursive: true });

  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const cliPath = await ensureTemporalCli({ log });
  const server = await startDevServer({ cliPath, uiPort: false, log });
  const stops: (() => Promise<unknown>)[] = [() => server.stop()];
  try {
    const github = await startGitHubSim({ port: 0 });
    stops.unshift(() => github.close());
    const anthropic = await startAnthropicSim({ port: 0, ttftMs: TTFT_MS });
    stops.unshift(() => anthropic.close());
    const env: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: server.address,
      GITHUB_API_URL: github.url,
      ANTHROPIC_BASE_URL: anthropic.url,
      GITHUB_TOKEN: SANDBOX_TOKENS.bot,
      ANTHROPIC_API_KEY: SANDBOX_API_KEY,
      ...replayCodecEnv(),
    };
    const settings = loadSettings(env);
    const connection = await NativeConnection.connect({ address: server.address });
    stops.unshift(() => connection.close());
    const wsRoot = await mkdtemp(join(tmpdir(), 'blogtube-record-ws-'));
    await chmod(wsRoot, 0o755); // the sandbox user must reach the workspace root
    stops.push(() => rm(wsRoot, { recursive: true, force: true }));
    /** The workers of one mode (with or without workspaces); stops the previous ones. */
    let stopWorkers: (() => Promise<void>) | undefined;
    let mode: boolean | undefined;
    const workersFor = async (workspaces: boolean): Promise<void> => {
      if (mode === workspaces) return;
      await stopWorkers?.();
      const wEnv: NodeJS.ProcessEnv = workspaces
        ? { ...env, WORKSPACE_AGENTS: 'on', WORKSPACE_ROOT: wsRoot }
        : env;
      const wSettings = loadSettings(wEnv);
      const ctx = {
        settings: wSettings,
        connection,
        env: wEnv,
        options: { shutdownGraceTime: '1s' },
      };
      const workers: Worker[] = [await createOrchestratorWorker(ctx), await createModelWorker(ctx)];
      if (workspaces) {
        const w = await createWorkspaceWorkers(ctx);
        workers.push(w.shared, w.own);
      }
      const running = workers.map((w) => w.run());
      stopWorkers = async () => {
        for (const w of workers) w.shutdown();
        await Promise.allSettled(running);
      };
      mode = workspaces;
    };
    stops.unshift(async () => stopWorkers?.());
    const client = await connectClient(settings, env);
    stops.unshift(() => client.connection.close());
    const bridge = createBridge({
      client,
      permissions: new PermissionChecker(createOctokit(github.url, SANDBOX_TOKENS.bot), 60_000),
      secrets: [WEBHOOK_SECRET],
      orchestratorTaskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
      triggerLabel: settings.BLOGTUBE_TRIGGER_LABEL,
      maxBodyBytes: 256 * 1024,
    });
    const httpServer: Server = await bridge.listen(0, '127.0.0.1');
    stops.unshift(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));
    const bridgeUrl = serverUrl(httpServer);

    const sim = async (base: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    };
    const deliver = async (event: string, payload: unknown) => {
      const r = await deliverWebhook(bridgeUrl, WEBHOOK_SECRET, event, payload, randomUUID());
      if (r.status >= 300) throw new Error(`${event} webhook: HTTP ${r.status}`);
    };
    const maintainer = createOctokit(github.url, SANDBOX_TOKENS.maintainer);

    const written: string[] = [];
    for (const scenario of chosen) {
      log(`\n[record] ${scenario.name}: ${scenario.what}`);
      const repo = scenario.name;
      await sim(github.url, 'POST', '/_sim/repos', { owner: OWNER, repo });
      const r = { owner: OWNER, repo };
      const ctx: Ctx = {
        handle: (id) => client.workflow.getHandle(id),
        knobs: (agents) => sim(anthropic.url, 'POST', '/_sim/scenario', { agents }),
        latency: (ttftMs) => sim(anthropic.url, 'POST', '/_sim/latency', { ttftMs }),
        async commitFile(path, content) {
          await commitFile(maintainer, r, path, content);
        },
        async openIssue({ title, body }) {
          const [{ data: repository }, { data: issue }] = await Promise.all([
            maintainer.rest.repos.get(r),
            maintainer.rest.issues.create({ ...r, title, body }),
          ]);
          await deliver('issues', { action: 'opened', issue, repository, sender: issue.user });
          const ref = { ...r, number: issue.number };
          return { ref, handle: client.workflow.getHandle(issueWorkflowId(ref)) };
        },
        async comment(ref, body) {
          const user = { login: USERS.maintainer.login, type: 'User' };
          await deliver('issue_comment', {
            action: 'created',
            issue: { number: ref.number, title: '', body: '' },
            comment: { id: ref.number * 1000 + 1, body, user },
            repository: { name: ref.repo, owner: { login: ref.owner } },
            sender: user,
          });
        },
      };
      await workersFor(scenario.workspaces === true);
      await sim(anthropic.url, 'DELETE', '/_sim/scenario');
      await ctx.latency(TTFT_MS);
      const outcome = await scenario.run(ctx);

      const issueId = issueWorkflowId(outcome.ref);
      const files = new Map<string, RecordedHistory>();
      const issueEvents = await closedHistory(client, issueId);
      files.set(historyFileName(scenario.name, 'issue'), toRecorded(issueId, issueEvents));
      const agentEvents = new Map<AgentType, Event[]>();
      for (const a of outcome.status.agents.filter((s) => s.attempts > 0)) {
        const id = agentWorkflowId(outcome.ref, a.agent);
        const events = await closedHistory(client, id);
        agentEvents.set(a.agent, events);
        if (scenario.agents && !scenario.agents.includes(a.agent)) continue;
        files.set(historyFileName(scenario.name, `agent-${a.agent}`), toRecorded(id, events));
      }
      for (const [suffix, id] of Object.entries(scenario.extra?.(outcome) ?? {}) as [
        `agent-${string}`,
        string,
      ][]) {
        files.set(
          historyFileName(scenario.name, suffix),
          toRecorded(id, await closedHistory(client, id)),
        );
      }
      expect(files.size > 1, 'at least one agent history');
      scenario.check(outcome, issueEvents, agentEvents);

      // Replace this scenario's recordings; other files (e.g. histories kept
      // from before a patch, docs/changing-workflows.md) stay.
      const own = new RegExp(`^${scenario.name}-(issue|agent-[a-z]+)\\.json$`);
      for (const old of (await readdir(outDir)).filter((f) => own.test(f))) {
        await rm(join(outDir, old));
      }
      for (const [file, recorded] of files) {
        const text = `${JSON.stringify(recorded)}\n`;
        await writeFile(join(outDir, file), text);
        written.push(file);
        log(
          `[record]   ${file}: ${recorded.events.length} events, ${(text.length / 1024).toFixed(1)} KiB`,
        );
      }
    }
    log(`\n[record] wrote ${written.length} histories to ${outDir}`);
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

/** The workflow's history once it has closed (agents may close just after their parent). */
async function closedHistory(client: Client, workflowId: string): Promise<Event[]> {
  const handle = client.workflow.getHandle(workflowId);
  await waitFor(`${workflowId} to close`, async () => {
    const d = await handle.describe();
    return d.status.name === 'RUNNING' ? undefined : d;
  });
  return (await handle.fetchHistory()).events ?? [];
}

function toRecorded(workflowId: string, events: Event[]): RecordedHistory {
  return { workflowId, events: historyToJson({ events }).events };
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`record-replay-histories: ${err instanceof Error ? err.stack : err}\n`);
    process.exit(1);
  },
);
