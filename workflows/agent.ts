/**
 * One agent as a child workflow: a deterministic loop whose model calls and
 * GitHub tools are activities, so every finished turn is in history and a
 * crash costs at most the call in flight.
 *
 * This is the agent of runs started before workspaces (whole files through
 * the GitHub API: list_files, read_file, write_file). Kept as it is so their
 * histories replay; new runs start `workspaceAgentWorkflow`.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { GitHubActivities } from '../activities/github.js';
import { checkRead, checkWrite } from '../common/path-guard.js';
import type { WriteRules } from '../common/path-guard.js';
import type { AgentWorkflowInput, AgentWorkflowResult, StagedFile } from '../common/schemas.js';
import { GITHUB_ACTIVITY_OPTIONS } from './activity-options.js';
import { underAreaLease, type LeaseControl } from './area-lease.js';
import { runAgentLoop, toolAnswers } from './agent-loop.js';

const github = proxyActivities<GitHubActivities>(GITHUB_ACTIVITY_OPTIONS);

export async function agentWorkflow(input: AgentWorkflowInput): Promise<AgentWorkflowResult> {
  // Per-area limits across issues: the agent runs while it holds its area's lease.
  return underAreaLease(`${input.ref.owner}/${input.ref.repo}`, input.agent, (lease) =>
    runAgent(input, lease),
  );
}

async function runAgent(
  input: AgentWorkflowInput,
  lease: LeaseControl,
): Promise<AgentWorkflowResult> {
  const rules: WriteRules = {
    allowed: input.context.writablePaths,
    protectedPaths: input.protectedPaths,
    maxFileBytes: input.maxFileBytes,
    maxFiles: input.maxFiles,
  };
  const staged = new Map<string, StagedFile>();
  return runAgentLoop(input, {
    lease,
    fileCount: () => staged.size,
    files: async () => [...staged.values()],
    async runTool(use) {
      const { ok, refuse } = toolAnswers(use);
      const args = use.input;
      switch (use.name) {
        case 'list_files': {
          const dir = checkRead(args.path ?? '');
          if (!dir.ok) return refuse(`refused: ${dir.reason}`);
          const files = await github.listFiles(input.ref, input.branch, dir.path);
          return ok(files.length > 0 ? files.join('\n') : '(no files)');
        }
        case 'read_file': {
          const file = checkRead(args.path);
          if (!file.ok || file.path === '')
            return refuse(`refused: ${file.ok ? 'path is empty' : file.reason}`);
          const text = await github.readFile(input.ref, input.branch, file.path);
          return text === undefined ? refuse(`not found: ${file.path}`) : ok(text);
        }
        case 'write_file': {
          // Per-file and per-agent limits (files and bytes), checked here and again by the activity.
          const sizes = [...staged.values()].map(({ path, bytes }) => ({ path, bytes }));
          const verdict = checkWrite(args.path, args.content, rules, sizes);
          if (!verdict.ok) return refuse(`refused: ${verdict.reason}`);
          const file = await github.stageFile(
            input.ref,
            verdict.path,
            args.content as string,
            rules,
            sizes,
          );
          staged.set(file.path, file);
          return ok(`ok: wrote ${file.bytes} bytes to ${file.path} (committed when you finish)`);
        }
        default:
          return undefined;
      }
    },
  });
}
