/**
 * The repository's checks as the workflow, the GitHub activities and the
 * reports share them: the status context of a check, the states GitHub keeps,
 * what one run of a check gave. Pure definitions (zod schemas, their types).
 */
import { z } from 'zod';

// The plain helpers live in a zod-free module (the workflow bundle imports that).
export { seconds, STATUS_CONTEXT_PREFIX, statusContext } from './check-text.js';

/** A commit status's state, as GitHub keeps them. */
export const StatusState = z.enum(['error', 'failure', 'pending', 'success']);
export type StatusState = z.infer<typeof StatusState>;

/** GitHub's longest status description. */
export const MAX_STATUS_DESCRIPTION = 140;

/** One commit status to write: the activity writes it once per (sha, context, state). */
export const CommitStatusInput = z.object({
  owner: z.string().min(1),
  repo: z.string().min(1),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  context: z.string().min(1).max(255),
  state: StatusState,
  /** Cut to GitHub's 140 characters. */
  description: z.string(),
  /** The run in the Web UI. */
  targetUrl: z.string().url().optional(),
});
export type CommitStatusInput = z.infer<typeof CommitStatusInput>;

export const CommitStatusWritten = z.object({
  id: z.number().int(),
  /** False when GitHub already held this state as the context's latest (a retry). */
  created: z.boolean(),
});
export type CommitStatusWritten = z.infer<typeof CommitStatusWritten>;

/** What the head commit's status of a context must be at the end of a run. */
export const ExpectedStatus = z.object({ context: z.string().min(1), state: StatusState });
export type ExpectedStatus = z.infer<typeof ExpectedStatus>;

/**
 * One run of one check in a workspace: the workspace's command result reduced
 * to what the reports and the fix rounds need (`timedOut`: the sandbox killed
 * it at its time limit).
 */
export const CheckRun = z.object({
  name: z.string(),
  command: z.string(),
  exitCode: z.number().int(),
  durationMs: z.number().nonnegative(),
  timedOut: z.boolean(),
  /** The command's output (the workspace keeps head and tail); reports show its tail. */
  output: z.string(),
});
export type CheckRun = z.infer<typeof CheckRun>;

/** A check's verdict on the head: a failure that the base commit shares is not the crew's. */
export const CheckOutcome = z.enum(['passed', 'failed', 'timed_out', 'failing_on_base']);
export type CheckOutcome = z.infer<typeof CheckOutcome>;

export const CheckResult = CheckRun.extend({ outcome: CheckOutcome });
export type CheckResult = z.infer<typeof CheckResult>;

/** Why the checks phase ended. */
export const ChecksStop = z.enum([
  'no_checks',
  'all_passed',
  /** What still fails fails on the base branch too: no round is spent on it. */
  'failing_on_base',
  'max_fix_rounds',
  'budget_spent',
  /** No agent changed files, so nobody can be sent a failure. */
  'no_agent',
  /** The deployment runs no workspace workers: the checks could not run. */
  'no_workspace',
]);
export type ChecksStop = z.infer<typeof ChecksStop>;

/** The checks phase as the run's status shows it (progress comment, PR body, `status --json`). */
export const ChecksReport = z.object({
  /** Checks in the config; 0: "no checks configured". */
  configured: z.number().int().nonnegative(),
  /** The latest verdicts at the head, one per check that has finished. */
  results: z.array(CheckResult),
  /** Checks running now. */
  running: z.array(z.string()).optional(),
  roundsUsed: z.number().int().nonnegative(),
  maxFixRounds: z.number().int().nonnegative(),
  /** Each fix round: the agents it sent back (agent types; plain strings keep this module free of cycles). */
  rounds: z
    .array(z.object({ round: z.number().int().positive(), agents: z.array(z.string()) }))
    .optional(),
  stop: ChecksStop.optional(),
});
export type ChecksReport = z.infer<typeof ChecksReport>;

/** One line for a terminal or the Web UI (defined beside the other texts, free of zod). */
export { checksLine } from './check-text.js';
