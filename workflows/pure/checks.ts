/**
 * The repository's checks after the crew, as pure decisions: which agents a
 * failed check goes back to, whether another fix round runs, what GitHub is
 * told (commit statuses, the PR's "Checks" section, the draft flag). No
 * Temporal, no I/O: the issue workflow calls these between its activities.
 */
import picomatch from 'picomatch/posix.js';
import { seconds, statusContext } from '../../common/check-text.js';
import type {
  CheckOutcome,
  CheckResult,
  CheckRun,
  ChecksReport,
  ChecksStop,
  ExpectedStatus,
  StatusState,
} from '../../common/checks.js';
import { inertMarkdown } from '../../common/inert-text.js';
import type { ResolvedAgents } from '../../common/repo-config.js';
import { AGENT_TYPES } from '../../common/agent-types.js';
import { addUsage } from '../../common/usage.js';
import type {
  AgentStatus,
  AgentType,
  AgentWorkflowResult,
  PlanNode,
} from '../../common/schemas.js';
import { fence } from '../../common/text/prompts.js';

// ---------------------------------------------------------------------------
// Verdicts

function failedRun(run: CheckRun): boolean {
  return run.timedOut || run.exitCode !== 0;
}

/**
 * Each check's verdict at the head. A check that fails at the head and also
 * failed at the base commit (`base`, by check name: run once per base sha and
 * remembered by the caller) is `failing_on_base`: not the crew's doing.
 */
export function classifyChecks(
  head: readonly CheckRun[],
  base: Readonly<Record<string, CheckRun>> = {},
): CheckResult[] {
  return head.map((run) => {
    let outcome: CheckOutcome = 'passed';
    const atBase = base[run.name];
    if (failedRun(run)) {
      if (atBase && failedRun(atBase)) outcome = 'failing_on_base';
      else outcome = run.timedOut ? 'timed_out' : 'failed';
    }
    return { ...run, outcome };
  });
}

/** The checks failing at the head whose result at the base commit is not known yet. */
export function baseRunsNeeded(
  head: readonly CheckRun[],
  base: Readonly<Record<string, CheckRun>>,
): string[] {
  return head.filter((r) => failedRun(r) && !base[r.name]).map((r) => r.name);
}

/** The crew's failures: what a fix round is for. */
export function crewFailures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.outcome === 'failed' || r.outcome === 'timed_out');
}

/** Every check passes (none configured: nothing holds the PR back). */
export function allChecksPass(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.outcome === 'passed');
}

/**
 * The PR opens ready for review only when every configured check ran and
 * passed: a draft otherwise. No checks configured: the checks hold nothing back.
 */
export function checksDraft(report: ChecksReport): boolean {
  // A deployment without workspace workers cannot run checks: it says so and behaves as before.
  if (report.configured === 0 || report.stop === 'no_workspace') return false;
  return report.results.length < report.configured || !allChecksPass(report.results);
}

// ---------------------------------------------------------------------------
// Routing a failure to agents

/** What the router knows of the run: the agents' areas, the plan, who changed what. */
export interface RoutingContext {
  agents: ResolvedAgents;
  /** The plan's nodes (dependency order decides who is "last"). */
  plan: readonly PlanNode[];
  /** Files each agent changed in this run (agents that changed none may be left out). */
  changes: readonly { agent: AgentType; files: readonly string[] }[];
}

/** Why a failure went to its agents. */
export type RouteReason =
  /** Their areas own files the failure names. */
  | 'owns_named_files'
  /** The check exercises their changed files (see `exercisedBy`). */
  | 'exercises_changes'
  /** Nothing else pointed anywhere: the last agents in the plan that changed files. */
  | 'last_changed'
  /** No agent changed files: nobody to send it to. */
  | 'none';

export interface Route {
  agents: AgentType[];
  reason: RouteReason;
  /** The repository paths the failure output names (those owned by an agent when routed by them). */
  paths: string[];
}

const WORKSPACE_PREFIX = '/workspace/';
const MAX_NAMED_PATHS = 200;
const MAX_TOKEN = 300;
const REPO_PATH = /^[\w@+-][\w.@+-]*(?:\/[\w.@+-]+)*$/;
const FILE_NAME = /\.[A-Za-z0-9]{1,10}$/;

/** One token of output as a repository path (`api/users.js:12:5` → `api/users.js`), or undefined. */
function repoPath(token: string): string | undefined {
  if (token.length > MAX_TOKEN) return undefined;
  let p = token
    .replace(/^file:\/\//, '')
    .replace(/[.,;:]+$/, '')
    .replace(/(?::\d+){1,2}$/, '');
  const inWorkspace = p.lastIndexOf(WORKSPACE_PREFIX);
  if (inWorkspace >= 0) p = p.slice(inWorkspace + WORKSPACE_PREFIX.length);
  else if (p.startsWith('/')) return undefined; // outside the checkout
  p = p.replace(/^(?:\.\/)+/, '');
  const segments = p.split('/');
  if (segments.includes('..') || segments.includes('node_modules')) return undefined;
  return REPO_PATH.test(p) && FILE_NAME.test(p) ? p : undefined;
}

/**
 * The repository paths a check's output names, in order of first mention:
 * `api/users.js:12:5`, `at fn (/workspace/api/x.js:3:1)`, `FAIL db/store.test.js`,
 * `./web/app.js`. Paths outside the checkout and dependencies (`node_modules`)
 * are left out. Linear: the output is split on separators, each token checked.
 */
export function namedPaths(output: string): string[] {
  const found = new Set<string>();
  for (const token of output.split(/[\s()[\]{}<>'"`,|=]+/)) {
    const p = token && repoPath(token);
    if (p) found.add(p);
    if (found.size >= MAX_NAMED_PATHS) break;
  }
  return [...found];
}

function owns(config: ResolvedAgents[AgentType], path: string): boolean {
  return config.paths.some((g) => picomatch(g, { dot: true })(path));
}

/** The enabled agents whose areas own one of `paths`, in the crew's order. */
export function owningAgents(agents: ResolvedAgents, paths: readonly string[]): AgentType[] {
  return AGENT_TYPES.filter((a) => agents[a].enabled && paths.some((p) => owns(agents[a], p)));
}

const GENERIC_MODULES = new Set(['index', 'main', 'app', 'test', 'tests', 'spec', 'util', 'utils']);

function specific(name: string): boolean {
  return name.length >= 3 && !GENERIC_MODULES.has(name);
}

/** `api/routes/users.test.js` → `users`: a file's module name. */
function moduleName(file: string): string {
  return (file.split('/').pop() ?? '').split('.')[0] ?? '';
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^a-z0-9_-]+/));
}

/**
 * Does a check exercise one of these changed files? A heuristic for failures
 * that name no file of any area:
 * 1. the check's command names the file or a directory holding it
 *    (`node --test api/`, `jest db/store.test.js`);
 * 2. the output names the file's module as a word (`users` for
 *    `api/users.js`: a test title, `Cannot find module './users'`);
 * 3. the output names a test file named after the changed file's module or
 *    one of its folders (`test/api.test.js` for `api/app.js`,
 *    `test/store.test.js` for `db/store.js`).
 * Names shorter than 3 characters and generic ones (`index`, `app`, `test`,
 * `utils`, …) count for nothing.
 */
export function exercisedBy(run: CheckRun, files: readonly string[]): boolean {
  // Command words that are paths: `api/`, `./db/store.test.js`, `web/components`.
  const named = run.command
    .split(/\s+/)
    .filter((t) => !t.startsWith('-') && (t.includes('/') || FILE_NAME.test(t)))
    .map((t) => t.replace(/^(?:\.\/)+/, '').replace(/\/+$/, ''))
    .filter((t) => REPO_PATH.test(t));
  const said = words(run.output);
  const testedModules = new Set(namedPaths(run.output).map((p) => moduleName(p).toLowerCase()));
  return files.some((file) => {
    if (named.some((p) => file === p || file.startsWith(`${p}/`))) return true;
    const mod = moduleName(file).toLowerCase();
    if (specific(mod) && said.has(mod)) return true;
    const folders = file.split('/').slice(0, -1);
    return [mod, ...folders.map((f) => f.toLowerCase())].some(
      (m) => specific(m) && testedModules.has(m),
    );
  });
}

/** Depth of each agent in the plan: 0 for no dependencies, 1 + the deepest dependency's. */
function planDepths(plan: readonly PlanNode[]): Map<AgentType, number> {
  const deps = new Map(plan.map((n) => [n.agent, n.dependsOn]));
  const depth = new Map<AgentType, number>();
  const visit = (a: AgentType, seen: Set<AgentType>): number => {
    const known = depth.get(a);
    if (known !== undefined) return known;
    if (seen.has(a)) return 0; // a cycle cannot be planned; stay finite anyway
    seen.add(a);
    const d = Math.max(-1, ...(deps.get(a) ?? []).map((x) => visit(x, seen))) + 1;
    depth.set(a, d);
    return d;
  };
  for (const n of plan) visit(n.agent, new Set());
  return depth;
}

/**
 * The agents a failed check goes back to: those whose areas own files the
 * failure names (narrowed to the ones that changed files in this run when
 * some did), else those whose changed files the check exercises, else the
 * last agents in the plan (deepest in its dependency order) that changed files.
 */
export function routeFailure(run: CheckRun, ctx: RoutingContext): Route {
  const changers = ctx.changes.filter((c) => c.files.length > 0);
  const changed = new Set(changers.map((c) => c.agent));
  const paths = namedPaths(run.output);
  const owners = owningAgents(ctx.agents, paths);
  if (owners.length > 0) {
    const theirs = owners.filter((a) => changed.has(a));
    const agents = theirs.length > 0 ? theirs : owners;
    const owned = paths.filter((p) => agents.some((a) => owns(ctx.agents[a], p)));
    return { agents, reason: 'owns_named_files', paths: owned };
  }
  const exercising = AGENT_TYPES.filter((a) =>
    changers.some((c) => c.agent === a && exercisedBy(run, c.files)),
  );
  if (exercising.length > 0) return { agents: exercising, reason: 'exercises_changes', paths };
  if (changers.length === 0) return { agents: [], reason: 'none', paths };
  const depths = planDepths(ctx.plan);
  const depthOf = (a: AgentType) => depths.get(a) ?? 0;
  const deepest = Math.max(...changers.map((c) => depthOf(c.agent)));
  const last = AGENT_TYPES.filter((a) => changed.has(a) && depthOf(a) === deepest);
  return { agents: last, reason: 'last_changed', paths };
}

/** One agent's share of a fix round: the failed checks routed to it. */
export interface FixAssignment {
  agent: AgentType;
  checks: string[];
}

/** The crew's failures of a round, grouped by the agent each is routed to (crew order). */
export function assignFixes(results: readonly CheckResult[], ctx: RoutingContext): FixAssignment[] {
  const byAgent = new Map<AgentType, string[]>();
  for (const failure of crewFailures(results)) {
    for (const agent of routeFailure(failure, ctx).agents) {
      byAgent.set(agent, [...(byAgent.get(agent) ?? []), failure.name]);
    }
  }
  return AGENT_TYPES.filter((a) => byAgent.has(a)).map((agent) => ({
    agent,
    checks: byAgent.get(agent) ?? [],
  }));
}

// ---------------------------------------------------------------------------
// Fix rounds

export type ChecksDecision =
  | { kind: 'fix'; round: number; assignments: FixAssignment[] }
  | { kind: 'stop'; reason: ChecksStop };

export interface FixRoundInput {
  /** The latest verdicts at the branch head (`classifyChecks`). */
  results: readonly CheckResult[];
  /** Fix rounds already run. */
  roundsUsed: number;
  maxFixRounds: number;
  /** Tokens the whole issue has spent, and its budget. */
  tokensUsed: number;
  tokenBudget: number;
  routing: RoutingContext;
}

/**
 * After a run of the checks: another fix round, or stop. Failures on the base
 * branch too cost no round and start none; a round runs while rounds remain
 * and the issue's token budget is not spent.
 */
export function decideChecks(input: FixRoundInput): ChecksDecision {
  const { results } = input;
  if (results.length === 0) return { kind: 'stop', reason: 'no_checks' };
  if (crewFailures(results).length === 0) {
    return {
      kind: 'stop',
      reason: allChecksPass(results) ? 'all_passed' : 'failing_on_base',
    };
  }
  if (input.roundsUsed >= input.maxFixRounds) return { kind: 'stop', reason: 'max_fix_rounds' };
  if (input.tokensUsed >= input.tokenBudget) return { kind: 'stop', reason: 'budget_spent' };
  const assignments = assignFixes(results, input.routing);
  if (assignments.length === 0) return { kind: 'stop', reason: 'no_agent' };
  return { kind: 'fix', round: input.roundsUsed + 1, assignments };
}

// ---------------------------------------------------------------------------
// What GitHub and the agents are told

const OUTCOME_WORDS: Record<CheckOutcome, (r: CheckResult) => string> = {
  passed: (r) => `Passed in ${seconds(r.durationMs)}`,
  failed: (r) => `Failed (exit ${r.exitCode}) in ${seconds(r.durationMs)}`,
  timed_out: (r) => `Timed out after ${seconds(r.durationMs)}`,
  failing_on_base: (r) =>
    `${r.timedOut ? 'Timed out' : `Failed (exit ${r.exitCode})`} in ${seconds(r.durationMs)}, also on the base branch`,
};

/** The commit status of a check: `pending` while it runs, then its verdict. */
export function statusFor(result: CheckResult | { name: string; running: true }): {
  context: string;
  state: StatusState;
  description: string;
} {
  const context = statusContext(result.name);
  if ('running' in result) return { context, state: 'pending', description: 'Running' };
  return {
    context,
    state: result.outcome === 'passed' ? 'success' : 'failure',
    description: OUTCOME_WORDS[result.outcome](result),
  };
}

/** What `verifyRun` must find on the head commit: each check's final state. */
export function expectedStatuses(results: readonly CheckResult[]): ExpectedStatus[] {
  return results.map((r) => {
    const { context, state } = statusFor(r);
    return { context, state };
  });
}

const TAIL_LINES = 40;
const TAIL_CHARS = 3000;
// Terminal colours and cursor moves (ESC [ … final byte), then other control characters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

function cleanOutput(output: string): string {
  return output.replace(ANSI, '').replace(CONTROL, '').replace(/\s+$/, '');
}

function capChars(text: string): string {
  return text.length <= TAIL_CHARS ? text : `…${text.slice(text.length - TAIL_CHARS + 1)}`;
}

/** The last lines of a check's output, without terminal escapes: at most 40 lines, 3000 characters. */
export function outputTail(output: string): string {
  return capChars(cleanOutput(output).split('\n').slice(-TAIL_LINES).join('\n'));
}

/** A line that starts a test failure's report (TAP `not ok`, spec `✖`, Jest `FAIL`, an error). */
const FAILURE_START = /^\s*(?:not ok \d+|✖|FAIL\b|\w*Error\b)/;
const FAILURE_LINES = 25;
const AFTER_FAILURE_LINES = 12;

/**
 * What a reader of a failed check needs: the tail, or, when the first failure's
 * report is earlier than the tail (test runners print a summary last), that
 * report's first lines (the error, the top of the stack) and then the last
 * lines. Without terminal escapes, at most 3000 characters.
 */
export function failureExcerpt(output: string): string {
  const lines = cleanOutput(output).split('\n');
  const first = lines.findIndex((l) => FAILURE_START.test(l));
  if (first < 0 || first >= lines.length - TAIL_LINES) return outputTail(output);
  const report = lines.slice(first, first + FAILURE_LINES).join('\n');
  const tail = lines.slice(Math.max(first + FAILURE_LINES, lines.length - AFTER_FAILURE_LINES));
  const text = tail.length > 0 ? `${report}\n…\n${tail.join('\n')}` : report;
  return text.length <= TAIL_CHARS ? text : `${text.slice(0, TAIL_CHARS - 1)}…`;
}

/**
 * The first message of an agent sent back in a fix round: each failed check
 * routed to it, with its command, exit code and the tail of its output
 * (fenced: the output is untrusted).
 */
export function fixRoundMessage(round: number, failures: readonly CheckResult[]): string {
  const parts = failures.map((r) =>
    [
      `Check "${r.name}" (\`${r.command}\`): ${OUTCOME_WORDS[r.outcome](r).toLowerCase()}.`,
      'Its output (the first failure, then the end):',
      '<message>',
      fence(failureExcerpt(r.output)),
      '</message>',
    ].join('\n'),
  );
  return [
    `Fix round ${round}: the repository's checks failed on the branch head after the crew's commits,`,
    'and the failure points at your area. Find the cause, fix it in your files, then call finish.',
    '',
    ...parts,
  ].join('\n');
}

const ICON: Record<CheckOutcome, string> = {
  passed: '✅',
  failed: '❌',
  timed_out: '⏱️',
  failing_on_base: '⚠️',
};

const RESULT_TEXT: Record<CheckOutcome, (r: CheckResult) => string> = {
  passed: () => 'passed',
  failed: (r) => `failed (exit ${r.exitCode})`,
  timed_out: () => 'timed out',
  failing_on_base: () => 'failing on the base branch',
};

const STOP_TEXT: Record<ChecksStop, string> = {
  no_checks: '',
  all_passed: 'Every check passes.',
  failing_on_base:
    'What fails here fails on the base branch too, so it is not counted against this change.',
  max_fix_rounds: 'Checks still fail after the last fix round.',
  budget_spent: "The issue's token budget is spent: no further fix round.",
  no_agent: 'No agent changed files, so no fix round could run.',
  no_workspace:
    'Not run: this deployment runs no workspace workers (`WORKSPACE_AGENTS`), so nothing here was checked.',
};

function failureDetails(r: CheckResult): string {
  const excerpt = failureExcerpt(r.output);
  const tail = outputTail(r.output);
  const lines = tail.split('\n').length;
  const what =
    excerpt === tail
      ? `the last ${lines === 1 ? 'line' : `${lines} lines`} of its output`
      : 'its first failure and the end of its output';
  return [
    `<details><summary><code>${inertMarkdown(r.name)}</code> (<code>${inertMarkdown(r.command)}</code>): ${RESULT_TEXT[r.outcome](r)}, ${what}</summary>`,
    '',
    `<pre>${inertMarkdown(excerpt)}</pre>`,
    '</details>',
  ].join('\n');
}

/**
 * The "Checks" section of the PR body and of the progress comment: each check
 * with its result and duration, the fix rounds, and each failure's output tail
 * in a collapsed block. Output and commands are made inert (no mention, no
 * closing keyword, no HTML of their own); check names are plain by config.
 */
export function renderChecks(report: ChecksReport): string {
  const head = '### Checks';
  if (report.configured === 0) {
    return `${head}\n\nNo checks configured (\`checks:\` in \`.github/blogtube.yml\`).`;
  }
  const rows = report.results.map(
    (r) =>
      `| ${ICON[r.outcome]} \`${inertMarkdown(r.name)}\` | ${RESULT_TEXT[r.outcome](r)} | ${seconds(r.durationMs)} |`,
  );
  for (const name of report.running ?? [])
    rows.push(`| 🔄 \`${inertMarkdown(name)}\` | running | |`);
  const lines = [head, '', '| Check | Result | Time |', '| --- | --- | --- |', ...rows, ''];
  const sent = (report.rounds ?? []).map((r) => `round ${r.round}: ${r.agents.join(', ')}`);
  lines.push(
    `Fix rounds: ${report.roundsUsed} of ${report.maxFixRounds}${sent.length > 0 ? ` (${sent.join('; ')})` : ''}.`,
  );
  const stop = report.stop ? STOP_TEXT[report.stop] : '';
  if (stop) lines.push('', stop);
  const failing = report.results.filter((r) => r.outcome !== 'passed');
  if (failing.length > 0) lines.push('', ...failing.map(failureDetails));
  return lines.join('\n');
}

/** Why the PR is a draft, when the checks are the reason; undefined when they hold nothing back. */
export function checksDraftNote(report: ChecksReport): string | undefined {
  if (!checksDraft(report)) return undefined;
  const failing = report.results.filter((r) => r.outcome !== 'passed');
  if (failing.length === 0) return 'This PR is a draft because not every check ran.';
  const onBase = failing.every((r) => r.outcome === 'failing_on_base');
  const names = failing.map((r) => `\`${inertMarkdown(r.name)}\``).join(', ');
  const one = failing.length === 1;
  return onBase
    ? `This PR is a draft because ${names} fail${one ? 's' : ''} on the base branch too.`
    : `This PR is a draft because ${names} do${one ? 'es' : ''} not pass.`;
}

// ---------------------------------------------------------------------------
// The phase's bookkeeping

/** A fix-round agent starts again: its row in the run's status shows it running. */
export function fixStarted(s: AgentStatus, round: number, at: string): void {
  Object.assign(s, { state: 'running', startedAt: at, summary: `fix round ${round}` });
  delete s.error;
  s.attempts += 1;
}

/** A fix-round agent's result joins its earlier work: tokens add up, files join, the new commit. */
export function fixDone(s: AgentStatus, result: AgentWorkflowResult, durationMs: number): void {
  s.state = 'done';
  s.turns += result.turns;
  s.tokens = addUsage(s.tokens, result.tokens);
  s.files = [...new Set([...s.files, ...result.files])];
  if (result.commitSha) s.commitSha = result.commitSha;
  s.summary = result.summary;
  s.durationMs = (s.durationMs ?? 0) + durationMs;
}

/** A fix-round agent failed: the work it committed before stays; the row says why. */
export function fixFailed(s: AgentStatus, message: string, durationMs: number): void {
  s.state = 'done';
  s.error = `fix round failed: ${message}`;
  s.durationMs = (s.durationMs ?? 0) + durationMs;
}

/** The routing context of the run: the agents' areas, the plan, who changed what. */
export function routingOf(
  agents: ResolvedAgents,
  plan: readonly PlanNode[],
  crew: readonly AgentStatus[],
): RoutingContext {
  return { agents, plan, changes: crew.map((a) => ({ agent: a.agent, files: a.files })) };
}

/** The tokens a fix-round agent may spend: its own budget, within what the issue has left. */
export function fixTokenBudget(agentTokens: number, issueTokens: number, used: number): number {
  return Math.max(1, Math.min(agentTokens, issueTokens - used));
}
