/**
 * The seed's design, as the baseline of the end-to-end comparison: one plain
 * async function per issue, every agent awaited one after another, no durable
 * state (a crash loses the whole run), no retries. It calls the same
 * simulators through the same Octokit and Anthropic clients and uses the same
 * pure code as the workflows: analyzer, plan (`workflows/pure/scheduler.ts`,
 * taken one agent at a time), prompt builder, path guard, PR and progress text,
 * and the GitHub activity functions as plain functions.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { Octokit } from '@octokit/rest';
import { createGitHubActivities } from '../activities/github.js';
import { analyzeIssue } from '../activities/analysis/pure/analyzer.js';
import type { IssueTypeClassifier } from '../activities/analysis/pure/issue-type.js';
import { buildSystem, firstUserContent, renderMessages, TOOLS } from '../common/text/prompts.js';
import { issueBranch, progressMarker } from '../common/ids.js';
import { checkRead, checkWrite } from '../common/path-guard.js';
import { ALWAYS_PROTECTED, resolveAgents } from '../common/repo-config.js';
import { AgentType, ZERO_USAGE, addUsage } from '../common/schemas.js';
import type {
  AgentMessage,
  AgentStatus,
  ContentBlock,
  ConversationMessage,
  IssueRef,
  IssueStatus,
  StagedFile,
  ToolUseBlock,
} from '../common/schemas.js';
import { renderProgress, renderPullRequest } from '../workflows/pure/report.js';
import { agentsToStart, buildPlan, isFinished } from '../workflows/pure/scheduler.js';
import type { RunStates } from '../workflows/pure/scheduler.js';

const MAX_OUTPUT_TOKENS = 4096;

export interface BaselineDeps {
  octokit: Octokit;
  anthropic: Anthropic;
  classifier: IssueTypeClassifier;
}

export interface BaselineResult {
  ok: boolean;
  prUrl?: string;
  agents: { agent: AgentType; ms: number; turns: number }[];
  error?: string;
}

/** One issue, start to PR, agents strictly one after another. */
export async function runSequentialBaseline(
  deps: BaselineDeps,
  ref: IssueRef,
): Promise<BaselineResult> {
  const github = createGitHubActivities({ octokit: deps.octokit });
  const runId = `baseline:${ref.owner}/${ref.repo}#${ref.number}`;
  const issue = await github.loadIssue(ref);
  const loaded = await github.loadRepoConfig(ref, issue.defaultBranch);
  const { config } = loaded;
  const agents = resolveAgents(config);
  const analysis = analyzeIssue(
    { title: issue.title, body: issue.body, labels: issue.labels },
    agents,
    deps.classifier,
  );
  // One agent at a time: the same plan, with the parallelism limit at 1.
  const plan = buildPlan(analysis.agents, agents, analysis.type, 1);
  const now = () => new Date().toISOString();
  const status: IssueStatus = {
    workflowId: runId,
    repo: `${ref.owner}/${ref.repo}`,
    issue: ref.number,
    title: issue.title,
    phase: 'running',
    analysis,
    plan,
    agents: plan.nodes.map((n): AgentStatus => ({
      agent: n.agent,
      state: 'pending',
      attempts: 0,
      turns: 0,
      tokens: ZERO_USAGE,
      files: [],
    })),
    messages: [],
    startedAt: now(),
    updatedAt: now(),
    tokens: ZERO_USAGE,
  };
  const branch = issueBranch(ref);
  await github.ensureBranch(ref, branch, loaded.baseSha);
  status.branch = branch;
  const progress = () => github.upsertComment(ref, progressMarker(ref), renderProgress(status));
  await progress();

  const inboxes = new Map<AgentType, AgentMessage[]>();
  const states: RunStates = Object.fromEntries(plan.nodes.map((n) => [n.agent, 'pending']));
  const timings: BaselineResult['agents'] = [];
  while (!isFinished(plan, states)) {
    const next = agentsToStart(plan, states)[0];
    if (!next) break; // a dependency failed: the seed's design stops here
    const s = status.agents.find((a) => a.agent === next) as AgentStatus;
    const t0 = Date.now();
    s.state = 'running';
    states[next] = 'running';
    try {
      const out = await runAgent(deps, github, {
        ref,
        branch,
        runId,
        agent: next,
        model: config.model,
        maxTurns: config.limits.max_turns,
        rules: {
          allowed: agents[next].paths,
          protectedPaths: [...ALWAYS_PROTECTED, ...config.protected_paths],
          maxFileBytes: config.limits.max_file_bytes,
          maxFiles: config.limits.max_files_per_agent,
        },
        context: {
          agent: next,
          repo: status.repo,
          issue: { number: issue.number, title: issue.title, body: issue.body },
          analysis,
          writablePaths: agents[next].paths,
          teammates: plan.nodes.map((n) => n.agent).filter((a) => a !== next),
          dependencySummaries: status.agents
            .filter(
              (a) =>
                a.state === 'done' &&
                plan.nodes.find((n) => n.agent === next)?.dependsOn.includes(a.agent),
            )
            .map((a) => ({ agent: a.agent, summary: a.summary ?? '' })),
          docsRef: loaded.baseSha,
        },
        inbox: inboxes,
      });
      Object.assign(s, out, { state: 'done' });
      states[next] = 'done';
      timings.push({ agent: next, ms: Date.now() - t0, turns: out.turns });
    } catch (err) {
      s.state = 'failed';
      s.error = err instanceof Error ? err.message : String(err);
      states[next] = 'failed';
      throw err;
    }
    status.tokens = status.agents.reduce((u, a) => addUsage(u, a.tokens), ZERO_USAGE);
    await progress();
  }
  status.phase = 'opening_pr';
  const pr = renderPullRequest(status);
  const info = await github.openPullRequest({
    ref,
    branch,
    base: issue.defaultBranch,
    ...pr,
  });
  status.prUrl = info.url;
  status.prNumber = info.number;
  await github.verifyRun({
    ref,
    branch,
    commits: status.agents.flatMap((a) =>
      a.commitSha ? [{ agent: a.agent, sha: a.commitSha }] : [],
    ),
    prNumber: info.number,
  });
  status.phase = 'done';
  await progress();
  return { ok: true, prUrl: info.url, agents: timings };
}

interface AgentRun {
  ref: IssueRef;
  branch: string;
  runId: string;
  agent: AgentType;
  model: string;
  maxTurns: number;
  rules: Parameters<typeof checkWrite>[2];
  context: Parameters<typeof buildSystem>[0];
  inbox: Map<AgentType, AgentMessage[]>;
}

/** The agent loop of `workflows/agent.ts`, as plain awaited calls. */
async function runAgent(
  deps: BaselineDeps,
  github: ReturnType<typeof createGitHubActivities>,
  run: AgentRun,
): Promise<Pick<AgentStatus, 'turns' | 'tokens' | 'files' | 'commitSha' | 'summary'>> {
  const repoDocs =
    run.context.analysis.risk === 'high'
      ? await github.readAgentDocs(run.ref, run.context.docsRef)
      : undefined;
  const system = buildSystem(run.context, { repoDocs });
  const takeInbox = (): ContentBlock[] => {
    const msgs = run.inbox.get(run.agent) ?? [];
    run.inbox.delete(run.agent);
    return msgs.length ? [{ type: 'text', text: renderMessages(msgs) }] : [];
  };
  const messages: ConversationMessage[] = [
    {
      role: 'user',
      content: [...firstUserContent(run.context), ...takeInbox()],
    },
  ];
  const staged = new Map<string, StagedFile>();
  let usage = ZERO_USAGE;
  let summary: string | undefined;
  for (let turn = 1; turn <= run.maxTurns && summary === undefined; turn++) {
    const message = await deps.anthropic.messages
      .stream({
        model: run.model,
        max_tokens: MAX_OUTPUT_TOKENS,
        system,
        tools: TOOLS,
        messages: messages as MessageParam[],
      })
      .finalMessage();
    const u = message.usage;
    usage = addUsage(usage, {
      input: u.input_tokens,
      output: u.output_tokens,
      cacheRead: u.cache_read_input_tokens ?? 0,
      cacheWrite: u.cache_creation_input_tokens ?? 0,
    });
    const content: ContentBlock[] = [];
    for (const b of message.content) {
      if (b.type === 'text') content.push({ type: 'text', text: b.text });
      if (b.type === 'tool_use') {
        const input =
          b.input && typeof b.input === 'object' ? (b.input as Record<string, unknown>) : {};
        content.push({ type: 'tool_use', id: b.id, name: b.name, input });
      }
    }
    messages.push({ role: 'assistant', content });
    const uses = content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (uses.length === 0) {
      const text = content.find((b) => b.type === 'text');
      summary = text && text.type === 'text' ? text.text.slice(0, 500) : 'done';
      break;
    }
    const results: ContentBlock[] = [];
    for (const use of uses) {
      const args = use.input;
      const reply = (text: string, isError = false) =>
        results.push({
          type: 'tool_result',
          tool_use_id: use.id,
          content: text,
          ...(isError ? { is_error: true } : {}),
        });
      if (use.name === 'list_files') {
        const dir = checkRead(args.path ?? '');
        if (!dir.ok) reply(`refused: ${dir.reason}`, true);
        else {
          const files = await github.listFiles(run.ref, run.branch, dir.path);
          reply(files.length ? files.join('\n') : '(no files)');
        }
      } else if (use.name === 'read_file') {
        const file = checkRead(args.path);
        if (!file.ok || file.path === '') reply('refused: bad path', true);
        else {
          const text = await github.readFile(run.ref, run.branch, file.path);
          if (text === undefined) reply(`not found: ${file.path}`, true);
          else reply(text);
        }
      } else if (use.name === 'write_file') {
        const verdict = checkWrite(args.path, args.content, run.rules, [...staged.keys()]);
        if (!verdict.ok) reply(`refused: ${verdict.reason}`, true);
        else {
          const file = await github.stageFile(
            run.ref,
            verdict.path,
            args.content as string,
            run.rules,
            [...staged.keys()],
          );
          staged.set(file.path, file);
          reply(`ok: wrote ${file.bytes} bytes to ${file.path} (committed when you finish)`);
        }
      } else if (use.name === 'send_message') {
        const to = AgentType.safeParse(args.to);
        const text = typeof args.text === 'string' ? args.text.slice(0, 4000) : '';
        if (!to.success || !text || !run.context.teammates.includes(to.data))
          reply('refused', true);
        else {
          run.inbox.set(to.data, [
            ...(run.inbox.get(to.data) ?? []),
            { from: run.agent, to: to.data, text },
          ]);
          reply(`queued for ${to.data}`);
        }
      } else if (use.name === 'finish') {
        summary = (typeof args.summary === 'string' && args.summary ? args.summary : 'done').slice(
          0,
          500,
        );
        reply('finished');
      } else reply(`unknown tool ${use.name}`, true);
    }
    if (summary !== undefined) break;
    messages.push({ role: 'user', content: [...results, ...takeInbox()] });
  }
  if (summary === undefined) throw new Error(`${run.agent} agent did not finish`);
  const files = [...staged.values()];
  let commitSha: string | undefined;
  if (files.length > 0) {
    const commit = await github.commitAgentChanges({
      ref: run.ref,
      branch: run.branch,
      workflowId: run.runId,
      agent: run.agent,
      summary,
      files,
    });
    commitSha = commit.sha;
  }
  return {
    turns: messages.filter((m) => m.role === 'assistant').length,
    tokens: usage,
    files: files.map((f) => f.path),
    commitSha,
    summary,
  };
}
