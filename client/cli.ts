/**
 * `blogtube` — the operator's command line (commander). Reads go to Temporal
 * (queries, visibility); decisions are Updates (`decidePlan`, `messageAgent`,
 * `raiseBudget`); `retry` starts a new run seeded with the last one's finished
 * agents; `demo` plays a maintainer against the sandbox.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { bridgeUrl, loadSettings, webUiWorkflowUrl } from '../common/env.js';
import type { Settings } from '../common/env.js';
import { formatRef, issueWorkflowId } from '../common/ids.js';
import { parseIssueRef } from '../common/issue-ref.js';
import { AGENT_TYPES, AgentType, Phase } from '../common/schemas.js';
import {
  operatorMessageUpdate,
  planDecisionUpdate,
  raiseBudgetUpdate,
} from '../common/workflow-api.js';
import { AnalyzeInputError, analyzeJsonl, analyzeOne, formatAnalysis } from './analyze.js';
import { runDemo } from './demo.js';
import {
  agentCommands,
  CliError,
  EXIT,
  fetchStatus,
  gatherStatuses,
  listRuns,
  operatorName,
  parseAgents,
  retryRun,
  runningHandle,
  update,
  watchRun,
} from './operator.js';
import { demoRefusal } from './pure/cli-errors.js';
import { formatList, formatReport, formatStatus, withCost } from './pure/format.js';
import { parseSince, summarize } from './pure/stats.js';
import { connectClient } from './temporal.js';
import { registerTrigger } from './trigger.js';

export { CliError } from './operator.js';

async function withClient<T>(settings: Settings, fn: (c: Client) => Promise<T>): Promise<T> {
  let client: Client;
  try {
    client = await connectClient(settings);
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${settings.TEMPORAL_ADDRESS} (${err instanceof Error ? err.message : err}); is \`npm start\` running, or TEMPORAL_ADDRESS set?`,
      EXIT.unavailable,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new CliError(`${name} must be a positive integer`, EXIT.usage);
  return n;
}

const EXIT_CODES_HELP = `
Exit codes: 0 ok; 1 the run ended without success (watch) or an unexpected error;
2 usage; 3 no such run; 4 Temporal unreachable; 5 the run is not in a state for this
(nothing awaits approval, not running, still running).`;

export function buildCli(settings: Settings = loadSettings()): Command {
  const program = new Command('blogtube')
    .description('BlogTube Automation: GitHub issues in, pull requests out')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError()
    .exitOverride();
  const issueArg = ['<issue>', 'owner/repo#number'] as const;

  program
    .command('status')
    .description(
      "show a run: phase, plan, every agent (state, attempts, duration, tokens, cost), messages, PR url, workspace agents' commands with their output",
    )
    .argument(...issueArg)
    .option('--json', 'print JSON (the status query, plus an estimated cost)')
    .action(async (issue: string, opts: { json?: boolean }) => {
      const ref = parseIssueOrThrow(issue);
      await withClient(settings, async (client) => {
        const status = await fetchStatus(client.workflow.getHandle(issueWorkflowId(ref)), issue);
        const commands = await agentCommands(client, ref, status);
        print(Boolean(opts.json), { ...withCost(status), commands }, () =>
          formatStatus(status, commands),
        );
      });
    });

  program
    .command('list')
    .description('list runs from Temporal visibility (search attributes), newest first')
    .option('--repo <owner/repo>', 'only this repository')
    .addOption(new Option('--phase <phase>', 'only runs in this phase').choices(Phase.options))
    .option('--failed', 'only runs that failed or had a failed agent')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        repo?: string;
        phase?: string;
        failed?: boolean;
        limit: string;
        json?: boolean;
      }) => {
        const limit = positiveInt('--limit', opts.limit);
        await withClient(settings, async (client) => {
          const items = await listRuns(
            client,
            { repo: opts.repo, phase: opts.phase, failed: opts.failed },
            limit,
          );
          print(Boolean(opts.json), items, () => formatList(items));
        });
      },
    );

  program
    .command('watch')
    .description(
      'follow a run live until it ends (exit 0 when it succeeded, 1 otherwise); one line per change when not on a terminal',
    )
    .argument(...issueArg)
    .option('--interval <ms>', 'poll the status query this often', '1000')
    .option('--json', 'print the status as one JSON line per change')
    .action(async (issue: string, opts: { interval: string; json?: boolean }) => {
      const ref = parseIssueOrThrow(issue);
      const intervalMs = positiveInt('--interval', opts.interval);
      const code = await withClient(settings, (client) =>
        watchRun(client, ref, {
          intervalMs,
          json: Boolean(opts.json),
          tty: Boolean(process.stdout.isTTY),
          write: (s) => void process.stdout.write(s),
        }),
      );
      if (code !== 0) {
        throw new CliError(`the run of ${issue} did not succeed`, EXIT.unsuccessful);
      }
    });

  const decide =
    (approve: boolean) =>
    async (issue: string, reason: string | undefined, opts: { json?: boolean; by?: string }) => {
      const ref = parseIssueOrThrow(issue);
      await withClient(settings, async (client) => {
        const handle = await runningHandle(client, ref);
        const by = opts.by ?? operatorName();
        const result = await update(() =>
          handle.executeUpdate(planDecisionUpdate, {
            args: [{ approve, by, ...(approve ? {} : { reason: reason ?? 'no reason given' }) }],
          }),
        );
        print(Boolean(opts.json), result, () =>
          approve
            ? `plan of ${issue} approved by ${by}: the agents start (phase ${result.phase})`
            : `plan of ${issue} rejected by ${by}: the run ends (phase ${result.phase})`,
        );
      });
    };
  program
    .command('approve')
    .description('approve the plan a run waits on (config `approval: plan`)')
    .argument(...issueArg)
    .option('--by <name>', 'who decides (recorded in the run)')
    .option('--json', 'print JSON')
    .action((issue: string, opts: { json?: boolean; by?: string }) =>
      decide(true)(issue, undefined, opts),
    );
  program
    .command('reject')
    .description('reject the plan a run waits on; the run ends with a comment')
    .argument(...issueArg)
    .argument('<reason...>', 'why (shown on the issue)')
    .option('--by <name>', 'who decides (recorded in the run)')
    .option('--json', 'print JSON')
    .action((issue: string, reason: string[], opts: { json?: boolean; by?: string }) =>
      decide(false)(issue, reason.join(' '), opts),
    );

  program
    .command('message')
    .description("send a note to one agent of a running issue; it appears in the agent's next turn")
    .argument(...issueArg)
    .addOption(new Option('--to <agent>', 'the agent').choices(AGENT_TYPES).makeOptionMandatory())
    .argument('<text...>', 'the note')
    .option('--by <name>', 'who sends it')
    .option('--json', 'print JSON')
    .action(
      async (issue: string, text: string[], opts: { to: string; by?: string; json?: boolean }) => {
        const ref = parseIssueOrThrow(issue);
        const to = AgentType.parse(opts.to);
        await withClient(settings, async (client) => {
          const handle = await runningHandle(client, ref);
          const result = await update(() =>
            handle.executeUpdate(operatorMessageUpdate, {
              args: [{ to, text: text.join(' '), by: opts.by ?? operatorName() }],
            }),
          );
          print(Boolean(opts.json), result, () =>
            result.delivered === 'now'
              ? `delivered to the ${to} agent: it reads it in its next turn`
              : `held for the ${to} agent: it reads it when it starts`,
          );
        });
      },
    );

  program
    .command('cancel')
    .description('cancel a running run (finished agents’ work is kept in a draft PR)')
    .argument(...issueArg)
    .option('--json', 'print JSON')
    .action(async (issue: string, opts: { json?: boolean }) => {
      const ref = parseIssueOrThrow(issue);
      await withClient(settings, async (client) => {
        const handle = await runningHandle(client, ref);
        await handle.cancel();
        print(
          Boolean(opts.json),
          { cancelled: true, workflowId: handle.workflowId },
          () =>
            `cancellation requested for ${issue}; \`blogtube status ${issue}\` shows when it has stopped`,
        );
      });
    });

  program
    .command('retry')
    .description(
      'run a finished run again: only its failed/skipped agents (or the named ones), keeping the commits of the others',
    )
    .argument(...issueArg)
    .option('--agent <types...>', `only these agents (of: ${AGENT_TYPES.join(', ')})`)
    .option(
      '--checks',
      "run the repository's checks (and their fix rounds) again on the branch head, even when every agent finished",
    )
    .option('--json', 'print JSON')
    .action(async (issue: string, opts: { agent?: string[]; checks?: boolean; json?: boolean }) => {
      const ref = parseIssueOrThrow(issue);
      const only = parseAgents(opts.agent);
      await withClient(settings, async (client) => {
        const r = await retryRun(client, settings, ref, only, Boolean(opts.checks));
        const uiUrl = webUiWorkflowUrl(settings, r.workflowId);
        print(Boolean(opts.json), { ...r, uiUrl }, () =>
          [
            `retry ${r.retry} of ${issue} started (run ${r.runId}, after ${r.previousRunId})`,
            `runs again: ${r.rerun.join(', ') || (opts.checks ? 'the checks' : 'the whole run')}`,
            `kept:       ${r.kept.join(', ') || 'nothing'}`,
            `Follow:     npx blogtube watch ${formatRef(ref)}`,
          ].join('\n'),
        );
      });
    });

  program
    .command('budget')
    .description('raise the token budget of a running issue; a run paused on its budget resumes')
    .argument(...issueArg)
    .requiredOption(
      '--add-tokens <n>',
      'tokens to add (to the issue budget and to each agent budget)',
    )
    .option('--by <name>', 'who raises it')
    .option('--json', 'print JSON')
    .action(async (issue: string, opts: { addTokens: string; by?: string; json?: boolean }) => {
      const ref = parseIssueOrThrow(issue);
      const addTokens = positiveInt('--add-tokens', opts.addTokens);
      await withClient(settings, async (client) => {
        const handle = await runningHandle(client, ref);
        const r = await update(() =>
          handle.executeUpdate(raiseBudgetUpdate, {
            args: [{ addTokens, by: opts.by ?? operatorName() }],
          }),
        );
        print(Boolean(opts.json), r, () =>
          [
            `budget of ${issue} raised by ${addTokens}: issue ${r.issueTokens} tokens, each agent ${r.agentTokens}`,
            r.resumed.length > 0 ? `resumed: ${r.resumed.join(', ')}` : '',
            `phase ${r.phase}`,
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('report')
    .description(
      'runs, success rate, p50/p95 of analysis, agent spawn, PR creation and end-to-end time, tokens and cost by agent',
    )
    .option('--since <when>', 'window: 7d, 12h, 30m or a date', '7d')
    .option('--repo <owner/repo>', 'only this repository')
    .option('--limit <n>', 'at most this many runs', '1000')
    .option('--json', 'print JSON')
    .action(async (opts: { since: string; repo?: string; limit: string; json?: boolean }) => {
      let sinceMs: number;
      try {
        sinceMs = parseSince(opts.since, Date.now());
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err), EXIT.usage);
      }
      const sinceIso = new Date(sinceMs).toISOString();
      const limit = positiveInt('--limit', opts.limit);
      await withClient(settings, async (client) => {
        const { statuses, unreadable } = await gatherStatuses(
          client,
          { repo: opts.repo, sinceIso },
          limit,
        );
        const report = summarize(statuses);
        print(Boolean(opts.json), { since: sinceIso, ...report, unreadable }, () =>
          [
            formatReport(report, sinceIso),
            ...(unreadable.length > 0
              ? [
                  `${unreadable.length} run(s) could not be read (no worker answered their status query)`,
                ]
              : []),
          ].join('\n'),
        );
      });
    });

  program
    .command('demo')
    .description(
      'open an issue in the sandbox repository as a maintainer and deliver its signed webhook',
    )
    .option('--repo <owner/repo>', 'sandbox repository', 'blogtube/blogtube')
    .option('--title <text>', 'issue title')
    .option('--body <text>', 'issue body')
    .option('--json', 'print JSON')
    .action(async (opts: { repo: string; title?: string; body?: string; json?: boolean }) => {
      const [owner, repo] = opts.repo.split('/');
      if (!owner || !repo) throw new CliError('--repo must be owner/repo', EXIT.usage);
      const result = await withClient(settings, (client) =>
        runDemo({
          settings,
          owner,
          repo,
          title: opts.title,
          body: opts.body,
          bridgeUrl: bridgeUrl(settings),
          isTaken: (workflowId) =>
            client.workflow
              .getHandle(workflowId)
              .describe()
              .then(
                () => true,
                (err: unknown) => {
                  if (err instanceof WorkflowNotFoundError) return false;
                  throw err;
                },
              ),
        }),
      );
      const refusal = demoRefusal(bridgeUrl(settings), result.bridgeStatus, result.bridgeReply);
      if (refusal)
        throw new CliError(`opened ${result.issueUrl}, but ${refusal}`, EXIT.unsuccessful);
      const uiUrl = webUiWorkflowUrl(settings, result.workflowId);
      print(Boolean(opts.json), { ...result, uiUrl }, () =>
        [
          `Opened ${result.issueUrl}`,
          `Webhook delivered: HTTP ${result.bridgeStatus} ${JSON.stringify(result.bridgeReply)}`,
          `Workflow: ${result.workflowId}`,
          `Web UI:   ${uiUrl}`,
          `Follow:   npx blogtube status ${owner}/${repo}#${result.issueNumber}`,
        ].join('\n'),
      );
    });

  program
    .command('analyze')
    .description('analyze issues as the workers do: type, confidence, complexity, risk, agents')
    .option(
      '--jsonl <file>',
      'issues as JSON lines {title, body, repo?}; prints one JSON object per line',
    )
    .option('--title <text>', 'title of one issue')
    .option('--body <text>', 'body of one issue', '')
    .option('--json', 'print JSON')
    .action(async (opts: { jsonl?: string; title?: string; body: string; json?: boolean }) => {
      if (opts.jsonl) {
        if (!existsSync(opts.jsonl)) throw new CliError(`no such file: ${opts.jsonl}`, EXIT.usage);
        try {
          await analyzeJsonl(opts.jsonl, (a) => process.stdout.write(`${JSON.stringify(a)}\n`));
        } catch (err) {
          if (err instanceof AnalyzeInputError) throw new CliError(err.message, EXIT.usage);
          throw err;
        }
        return;
      }
      if (opts.title === undefined) {
        throw new CliError('give --title (and --body) for one issue, or --jsonl FILE', EXIT.usage);
      }
      const result = analyzeOne(opts.title, opts.body);
      print(Boolean(opts.json), result, () => formatAnalysis(result));
    });

  registerTrigger(program, settings);

  return program;
}

function parseIssueOrThrow(text: string) {
  try {
    return parseIssueRef(text);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.usage);
  }
}

/**
 * `npm start` keeps its development encryption key in `.data/codec-keys`; a CLI
 * run from the checkout uses it unless keys are configured explicitly.
 */
export function useDevKeyFile(env: NodeJS.ProcessEnv, cwd: string): void {
  if (env.BLOGTUBE_CODEC_KEYS || env.BLOGTUBE_CODEC_KEYS_FILE) return;
  const file = join(cwd, '.data', 'codec-keys');
  if (existsSync(file)) env.BLOGTUBE_CODEC_KEYS_FILE = file;
}

/** Run the CLI; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  useDevKeyFile(process.env, process.cwd());
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (err) {
    process.stderr.write(`blogtube: ${err instanceof Error ? err.message : err}\n`);
    return EXIT.usage;
  }
  try {
    await buildCli(settings).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.usage;
    if (err instanceof CliError) {
      process.stderr.write(`blogtube: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`blogtube: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
