/**
 * `blogtube` — the operator's command line (commander). Reads go to Temporal
 * (queries, visibility); `demo` plays a maintainer against the sandbox.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { bridgeUrl, loadSettings, webUiWorkflowUrl } from '../common/env.js';
import type { Settings } from '../common/env.js';
import { issueWorkflowId, parseIssueRef } from '../common/ids.js';
import { statusQuery } from '../common/workflow-api.js';
import { AnalyzeInputError, analyzeJsonl, analyzeOne, formatAnalysis } from './analyze.js';
import { runDemo } from './demo.js';
import { formatStatus, formatList } from './pure/format.js';
import type { RunListItem } from './pure/format.js';
import { connectClient } from './temporal.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const EXIT = { usage: 2, notFound: 3, unavailable: 4 } as const;

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

export function buildCli(settings: Settings = loadSettings()): Command {
  const program = new Command('blogtube')
    .description('BlogTube Automation: GitHub issues in, pull requests out')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('status')
    .description('show a run: phase, every agent, tokens, PR url')
    .argument('<issue>', 'owner/repo#number')
    .option('--json', 'print JSON')
    .action(async (issue: string, opts: { json?: boolean }) => {
      const ref = parseIssueOrThrow(issue);
      await withClient(settings, async (client) => {
        const handle = client.workflow.getHandle(issueWorkflowId(ref));
        try {
          const status = await handle.query(statusQuery);
          print(Boolean(opts.json), status, () => formatStatus(status));
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) {
            throw new CliError(`no run found for ${issue}`, EXIT.notFound);
          }
          throw err;
        }
      });
    });

  program
    .command('list')
    .description('list runs, newest first')
    .option('--repo <owner/repo>', 'only this repository')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { repo?: string; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError('--limit must be a positive integer', EXIT.usage);
      const clauses = [`WorkflowType = 'issueWorkflow'`];
      if (opts.repo) {
        if (!/^[\w.-]+\/[\w.-]+$/.test(opts.repo))
          throw new CliError('--repo must be owner/repo', EXIT.usage);
        clauses.push(`BlogTubeRepo = '${opts.repo}'`);
      }
      await withClient(settings, async (client) => {
        const items: RunListItem[] = [];
        for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
          const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
          items.push({
            workflowId: wf.workflowId,
            status: wf.status.name,
            phase: String(sa.BlogTubePhase?.[0] ?? ''),
            prUrl: sa.BlogTubePrUrl?.[0] ? String(sa.BlogTubePrUrl[0]) : undefined,
            startTime: wf.startTime.toISOString(),
          });
          if (items.length >= limit) break;
        }
        items.sort((a, b) => b.startTime.localeCompare(a.startTime));
        print(Boolean(opts.json), items, () => formatList(items));
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
      const result = await runDemo({
        settings,
        owner,
        repo,
        title: opts.title,
        body: opts.body,
        bridgeUrl: bridgeUrl(settings),
      });
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
