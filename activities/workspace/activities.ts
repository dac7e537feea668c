/**
 * The workspace activities of one workspace worker (Temporal's
 * worker-specific task queue pattern):
 *
 * - `workspaceCreate` runs on the shared workspace queue: any worker makes the
 *   checkout (branch head from the tarball cache), replays the agent's recorded
 *   edits, runs the setup command once, and answers with its own queue;
 * - `workspaceEdit`, `workspaceSearch`, `workspaceRun`, `workspaceFiles` and
 *   `workspaceRemove` go to that queue, so they reach the worker holding the
 *   workspace. A dead worker is noticed by the caller's schedule-to-start or
 *   heartbeat timeout; a workspace this worker does not hold is `WorkspaceLost`.
 *   Either way the agent rebuilds it elsewhere from its recorded edits.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Octokit } from '@octokit/rest';
import { domainFailure, Failure } from '../../common/failures.js';
import { checkLifecycleScripts, isPackageJson } from '../../common/path-guard.js';
import type { Staged, WriteRules } from '../../common/path-guard.js';
import type { WorkspaceConfig } from '../../common/repo-config.js';
import type { StagedFile } from '../../common/schemas.js';
import { atBoundary } from '../boundary.js';
import { whileAlive } from '../liveness.js';
import { type RepoRef } from './checkout.js';
import {
  operation,
  repoPath,
  replayEdits,
  runEditor,
  type EditorInput,
  type EditorResult,
} from './editor.js';
import { applyEdit, contentHash, type RecordedEdit } from './pure/edits.js';
import { formatRunResult } from './pure/run-result.js';
import { runSandboxed, SandboxUnavailable, type CommandResult } from './sandbox.js';
import { SandboxSessions } from './sandbox-session.js';
import { searchCheckout, type SearchInput, type SearchResult } from './search.js';
import type { WorkspaceStore } from './workspaces.js';

export interface WorkspaceDeps {
  store: WorkspaceStore;
  octokit: Octokit;
  /** This worker's own task queue (where the workspace's later calls go). */
  ownTaskQueue: string;
  /** False: this worker cannot sandbox; `workspaceRun` and setup are refused. */
  commands: boolean;
  /** PATH used to find bwrap, prlimit, setpriv (default the worker's). */
  hostPath?: string;
  /** Host files hidden from commands (key files). */
  hide?: readonly string[];
}

export interface WorkspaceCreateInput {
  /** The workspace id (the agent's workflow id, made safe). */
  id: string;
  ref: RepoRef;
  branch: string;
  /** The commit to check out: absent the first time (the branch head is used and returned). */
  sha?: string;
  edits: readonly RecordedEdit[];
  workspace: WorkspaceConfig;
}

export interface WorkspaceCreated {
  taskQueue: string;
  sha: string;
  /**
   * The setup command's result line, when there was one; `reused`: an earlier
   * workspace's setup result was restored instead (setup-cache.ts).
   */
  setup?: { exitCode: number; durationMs: number; killed?: string; reused?: true };
}

export interface WorkspaceEditInput {
  id: string;
  sha: string;
  ref: RepoRef;
  edit: EditorInput;
  rules: WriteRules;
  staged: readonly Staged[];
}

export interface WorkspaceRunInput {
  id: string;
  command: string;
  timeoutSeconds?: number;
  workspace: WorkspaceConfig;
}

/** One of the repository's checks, run once in a workspace made for it. */
export interface WorkspaceCheckInput {
  id: string;
  command: string;
  /** The check's time limit: the sandbox kills it there (reported as timed out). */
  timeoutSeconds: number;
  workspace: WorkspaceConfig;
}

/** What a check's run gave: exit code, time, whether its limit killed it, its output's tail. */
export interface WorkspaceCheckResult {
  exitCode: number;
  durationMs: number;
  timedOut: boolean;
  /** Why the sandbox killed it (`wall_time`: its time limit; `workspace_disk`). */
  killed?: string;
  output: string;
}

/** The most output a check's result carries (its tail): what routing and reports read. */
export const CHECK_OUTPUT_CHARS = 16_000;

export interface WorkspaceRunResult {
  text: string;
  /** A sandbox failure (not a non-zero exit): the tool result is an error. */
  failed: boolean;
}

export interface WorkspaceFilesInput {
  ref: RepoRef;
  sha: string;
  edits: readonly RecordedEdit[];
}

/** The workspace is not on this worker (removed, or the worker restarted): rebuild it. */
function lost(id: string): ApplicationFailure {
  return domainFailure(Failure.WorkspaceLost, `workspace ${id} is not on this worker`);
}

/** Final text of every path the edits touch, replayed on the base tree's files. */
export async function finalContents(
  baseTree: string,
  edits: readonly RecordedEdit[],
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [i, e] of edits.entries()) {
    const path = e.op.path;
    const before = files.has(path)
      ? files.get(path)
      : await readFile(join(baseTree, path), 'utf8').catch(() => undefined);
    const applied = applyEdit(before, e.op);
    if (!applied.ok) throw new Error(`edit ${i + 1} (${path}): ${applied.error}`);
    if (contentHash(applied.text) !== e.after) {
      throw domainFailure(
        Failure.EditsDiverged,
        `edit ${i + 1} (${path}) does not land on the base commit as it did in the workspace (a command changed the file before the editor did)`,
      );
    }
    files.set(path, applied.text);
  }
  return files;
}

export function createWorkspaceActivities(deps: WorkspaceDeps) {
  const { store, octokit } = deps;
  // An agent's commands reuse one sandbox per workspace (sandbox-session.ts).
  const sessions = new SandboxSessions({ binDir: join(store.root, 'bin') });

  const held = async (id: string) => {
    if (!(await store.exists(id))) throw lost(id);
    return store.dirs(id);
  };

  const sandboxed = async (
    id: string,
    command: string,
    workspace: WorkspaceConfig,
    network: boolean,
    wallSeconds?: number,
    session = false,
  ): Promise<CommandResult> => {
    if (!deps.commands) throw new SandboxUnavailable('this worker runs with commands off');
    const ctx = Context.current();
    const dirs = await held(id);
    const limits =
      wallSeconds === undefined
        ? workspace.limits
        : {
            ...workspace.limits,
            wall_seconds: Math.max(1, Math.min(wallSeconds, workspace.limits.wall_seconds)),
          };
    const opts = {
      network,
      limits,
      hostPath: deps.hostPath,
      hide: deps.hide,
      signal: ctx.cancellationSignal,
    };
    return whileAlive(() =>
      session ? sessions.run(id, dirs, command, opts) : runSandboxed(dirs, command, opts),
    );
  };

  /**
   * An agent's command (in its workspace's sandbox session) or a check (in a
   * sandbox of its own: it runs once): network only with `network: all`.
   */
  const command = (input: WorkspaceRunInput | WorkspaceCheckInput, session: boolean) =>
    sandboxed(
      input.id,
      input.command,
      input.workspace,
      input.workspace.network === 'all',
      input.timeoutSeconds,
      session,
    );

  const edit = async (input: WorkspaceEditInput): Promise<EditorResult> => {
    const dirs = await held(input.id);
    const e = input.edit;
    const norm = repoPath(e.path);
    if (norm.ok && e.command !== 'view' && isPackageJson(norm.path)) {
      // Lifecycle scripts: compared with the file at the workspace's base commit.
      const base = await store.cache.tree(input.ref, input.sha);
      const before = await readFile(join(base, norm.path), 'utf8').catch(() => undefined);
      const now = await readFile(join(dirs.checkout, norm.path), 'utf8').catch(() => undefined);
      const op = operation(e, norm.path);
      const applied = typeof op === 'string' ? undefined : applyEdit(now, op);
      if (applied?.ok) {
        const verdict = checkLifecycleScripts(norm.path, before, applied.text, input.rules);
        if (!verdict.ok) return { ok: false, error: `Refused: ${verdict.reason}` };
      }
    }
    return runEditor(
      {
        checkout: dirs.checkout,
        rules: input.rules,
        staged: input.staged,
        own: (p) => store.own(p),
      },
      e,
    );
  };

  return {
    async workspaceCreate(input: WorkspaceCreateInput): Promise<WorkspaceCreated> {
      return whileAlive(async () => {
        const sha =
          input.sha ??
          (await atBoundary('github', async () => {
            const { data } = await octokit.rest.repos.getBranch({
              owner: input.ref.owner,
              repo: input.ref.repo,
              branch: input.branch,
            });
            return data.commit.sha;
          }));
        sessions.close(input.id); // a rebuilt workspace gets a new sandbox
        const dirs = await store.create(input.id, input.ref, sha);
        try {
          await replayEdits(dirs.checkout, input.edits, (p) => store.own(p));
        } catch (err) {
          await store.remove(input.id);
          throw domainFailure(Failure.EditsDiverged, (err as Error).message);
        }
        const setupCommand = input.workspace.setup;
        // A worker that cannot sandbox runs no setup (its agents get editor and search only).
        if (!setupCommand || input.workspace.commands === 'off' || !deps.commands) {
          return { taskQueue: deps.ownTaskQueue, sha };
        }
        const network = input.workspace.network !== 'none';
        const prepared = await store.setup.prepare(
          store.dirs(input.id),
          { ref: input.ref, command: setupCommand, network, inputs: input.workspace.setup_inputs },
          () => sandboxed(input.id, setupCommand, input.workspace, network),
          // What setup makes of an agent's edits (a rebuilt workspace) is not shared.
          input.edits.length === 0,
        );
        if (prepared.reused) {
          return {
            taskQueue: deps.ownTaskQueue,
            sha,
            setup: { exitCode: 0, durationMs: prepared.durationMs, reused: true },
          };
        }
        const r = prepared.result;
        return {
          taskQueue: deps.ownTaskQueue,
          sha,
          setup: {
            exitCode: r.exitCode,
            durationMs: r.durationMs,
            ...(r.killed ? { killed: r.killed } : {}),
          },
        };
      });
    },

    async workspaceEdit(input: WorkspaceEditInput): Promise<EditorResult> {
      return whileAlive(() => edit(input));
    },

    async workspaceSearch(input: { id: string; search: SearchInput }): Promise<SearchResult> {
      return whileAlive(async () => searchCheckout((await held(input.id)).checkout, input.search));
    },
    async workspaceRun(input: WorkspaceRunInput): Promise<WorkspaceRunResult> {
      try {
        return { text: formatRunResult(await command(input, true)), failed: false };
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        // The sandbox itself failed: the agent sees it as a tool error.
        return { text: `the sandbox failed: ${(err as Error).message}`, failed: true };
      }
    },

    /**
     * A check: its command in the workspace, without network (like an agent's
     * command), its time limit enforced by the sandbox. A non-zero exit is a
     * result, not a failure; a sandbox that cannot run is one (retried elsewhere).
     */
    async workspaceCheck(input: WorkspaceCheckInput): Promise<WorkspaceCheckResult> {
      const r = await command(input, false);
      const text = r.note ? `${r.output}\n[${r.note}]` : r.output;
      return {
        exitCode: r.exitCode,
        durationMs: r.durationMs,
        timedOut: r.killed === 'wall_time',
        ...(r.killed ? { killed: r.killed } : {}),
        output: text.length > CHECK_OUTPUT_CHARS ? text.slice(-CHECK_OUTPUT_CHARS) : text,
      };
    },

    /** Blobs of the final contents of the edited paths: exactly the editor's edits. */
    async workspaceFiles(input: WorkspaceFilesInput): Promise<StagedFile[]> {
      return whileAlive(async () => {
        const base = await store.cache.tree(input.ref, input.sha);
        const files = await finalContents(base, input.edits);
        const staged: StagedFile[] = [];
        for (const [path, content] of files) {
          const blob = await atBoundary('github', () =>
            octokit.rest.git.createBlob({ ...input.ref, content, encoding: 'utf-8' }),
          );
          staged.push({ path, blobSha: blob.data.sha, bytes: Buffer.byteLength(content) });
        }
        return staged;
      });
    },

    async workspaceRemove(input: { id: string }): Promise<void> {
      sessions.close(input.id);
      await whileAlive(() => store.remove(input.id));
    },
  };
}

export type WorkspaceActivities = ReturnType<typeof createWorkspaceActivities>;
