/**
 * What happens to a GitHub event once it is known to be GitHub's: the route
 * (`pure/webhook-router.ts`), the sender's permission, and the Temporal call
 * that carries it out — signalWithStart of the issue's workflow, a signal, the
 * plan Update or a cancellation. One issue = one workflow id, and the id reuse
 * policy means a redelivery can never start a second run.
 *
 * Transport-free: the webhook bridge (`bridge.ts`) calls it after checking the
 * signature, and `blogtube trigger` (GitHub Actions) calls it with the event
 * the job was given.
 */
import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { issueWorkflowId } from '../common/ids.js';
import type { IssueRef, IssueText, IssueWorkflowInput } from '../common/schemas.js';
import { SA } from '../common/search-attributes.js';
import {
  ISSUE_WORKFLOW,
  issueCommentSignal,
  issueEditedSignal,
  planDecisionUpdate,
  runStopSignal,
  triggerSignal,
} from '../common/workflow-api.js';
import type { RunStop } from '../common/workflow-api.js';
import type { PermissionChecker } from './permissions.js';
import { routeWebhook } from './pure/webhook-router.js';
import type { Command } from './pure/webhook-router.js';

export interface DispatchOptions {
  client: Client;
  permissions: PermissionChecker;
  orchestratorTaskQueue: string;
  triggerLabel: string;
  /**
   * Events a run's history may hold before GitHub events stop becoming signals
   * to it (2,000; a whole run is under a hundred): whatever arrives, a waiting
   * run's history stays bounded. Maintainers' commands (Updates, cancel) are
   * not signals and still go through.
   */
  historyCap?: number;
  log?: (line: string) => void;
}

/** The answer to an event, as the bridge gives it to GitHub (status and JSON body). */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export type Dispatch = (event: string, payload: unknown, deliveryId: string) => Promise<Reply>;

/** The answer when the event could not be carried out (Temporal or GitHub unreachable). */
export const UNAVAILABLE: Reply = {
  status: 503,
  body: { error: 'temporarily unable to process the delivery; GitHub may redeliver it' },
};

const NO_RUN: Reply = {
  status: 202,
  body: { result: 'ignored', reason: 'no run in progress for this issue' },
};

/**
 * A dispatcher: event name, parsed payload and delivery id in, reply out. It
 * throws when Temporal or GitHub cannot be reached (the caller answers 5xx, so
 * GitHub marks the delivery failed and it can be redelivered).
 */
export function createDispatcher(opts: DispatchOptions): Dispatch {
  const log = opts.log ?? (() => {});
  const historyCap = opts.historyCap ?? 2000;

  /** The reply refusing a signal to a running run whose history is full; undefined when it has room. */
  async function fullHistory(workflowId: string): Promise<Reply | undefined> {
    let described;
    try {
      described = await opts.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    if (described.status.name !== 'RUNNING' || described.historyLength < historyCap)
      return undefined;
    log(`${workflowId}: history holds ${described.historyLength} events, signal not sent`);
    const reason = `the run's history is full (${described.historyLength} events, cap ${historyCap}): GitHub events are no longer forwarded to it; use the CLI`;
    return { status: 202, body: { result: 'ignored', reason, workflowId } };
  }

  async function start(
    ref: IssueRef,
    sender: string,
    issue: IssueText,
    event: string,
    deliveryId: string,
  ): Promise<Reply> {
    const [owner, repo] = [ref.owner, ref.repo];
    if (!(await opts.permissions.canWrite(owner, repo, sender))) {
      return {
        status: 202,
        body: { result: 'ignored', reason: `${sender} lacks write permission` },
      };
    }
    const workflowId = issueWorkflowId(ref);
    // A running run takes the event as a signal: only while its history has room.
    const full = await fullHistory(workflowId);
    if (full) return full;
    const trigger = { deliveryId, event, sender };
    // The text this writer's event carries is the run's: later edits count only from writers.
    const input: IssueWorkflowInput = {
      ref,
      trigger,
      issue,
    };
    try {
      const handle = await opts.client.workflow.signalWithStart(ISSUE_WORKFLOW, {
        workflowId,
        taskQueue: opts.orchestratorTaskQueue,
        args: [input],
        signal: triggerSignal,
        signalArgs: [trigger],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: SA.repo, value: `${owner}/${repo}` },
          { key: SA.issue, value: ref.number },
        ],
        staticSummary: `${owner}/${repo}#${ref.number}`,
      });
      log(`started or signalled ${workflowId} (run ${handle.signaledRunId})`);
      return { status: 201, body: { result: 'started', workflowId } };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        return {
          status: 200,
          body: {
            result: 'already-ran',
            workflowId,
            reason: 'this issue already had a run; re-run it with the CLI',
          },
        };
      }
      throw err;
    }
  }

  async function signal(ref: IssueRef, send: (id: string) => Promise<void>): Promise<Reply> {
    const workflowId = issueWorkflowId(ref);
    try {
      const full = await fullHistory(workflowId);
      if (full) return full;
      await send(workflowId);
      return { status: 200, body: { result: 'signalled', workflowId } };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return NO_RUN;
      throw err;
    }
  }

  /** A maintainer's `/blogtube approve|reject|cancel` comment: the plan Update or a cancellation. */
  async function runCommand(ref: IssueRef, command: Command, by: string): Promise<Reply> {
    const workflowId = issueWorkflowId(ref);
    const handle = opts.client.workflow.getHandle(workflowId);
    try {
      if (command.name === 'cancel') {
        await handle.cancel();
        return { status: 200, body: { result: 'cancelled', workflowId } };
      }
      const approve = command.name === 'approve';
      const reply = await handle.executeUpdate(planDecisionUpdate, {
        args: [{ approve, by, ...(approve ? {} : { reason: command.arg || 'no reason given' }) }],
      });
      return {
        status: 200,
        body: { result: approve ? 'approved' : 'rejected', workflowId, reply },
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return NO_RUN;
      if (err instanceof WorkflowUpdateFailedError) {
        const why = err.cause instanceof Error ? err.cause.message : err.message;
        return { status: 202, body: { result: 'ignored', reason: why } };
      }
      throw err;
    }
  }

  /** The issue was closed, transferred or deleted: the run records why, then is cancelled. */
  async function stop(ref: IssueRef, why: RunStop): Promise<Reply> {
    const handle = opts.client.workflow.getHandle(issueWorkflowId(ref));
    try {
      const described = await handle.describe();
      if (described.status.name !== 'RUNNING') return NO_RUN;
      await handle.signal(runStopSignal, why);
      await handle.cancel();
      return { status: 200, body: { result: 'stopped', workflowId: handle.workflowId } };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return NO_RUN;
      throw err;
    }
  }

  return async function dispatch(event, payload, deliveryId) {
    const selfLogin = await opts.permissions.selfLogin();
    const decision = routeWebhook(event, payload, opts.triggerLabel, { selfLogin });
    log(`delivery ${deliveryId} ${event}: ${decision.kind}`);
    switch (decision.kind) {
      case 'pong':
        return { status: 200, body: { result: 'pong' } };
      case 'ignore':
        return { status: 202, body: { result: 'ignored', reason: decision.reason } };
      case 'start': {
        const action = (payload as { action?: string }).action ?? '';
        return start(decision.ref, decision.sender, decision.issue, `issues.${action}`, deliveryId);
      }
      case 'edit': {
        // An edit renames the run (and its PR): only a writer's counts.
        const { owner, repo } = decision.ref;
        if (!(await opts.permissions.canWrite(owner, repo, decision.sender))) {
          const reason = `edits by ${decision.sender} (no write permission) are not forwarded`;
          return { status: 202, body: { result: 'ignored', reason } };
        }
        return signal(decision.ref, (id) =>
          opts.client.workflow.getHandle(id).signal(issueEditedSignal, {
            title: decision.title,
            body: decision.body,
            sender: decision.sender,
          }),
        );
      }
      case 'stop':
        // GitHub says the issue is closed (or gone), whoever did it: a run for it has no purpose.
        return stop(decision.ref, { reason: decision.reason, by: decision.sender });
      case 'comment': {
        const trusted = await opts.permissions.canWrite(
          decision.ref.owner,
          decision.ref.repo,
          decision.author,
        );
        // Outsiders' comments never become signals: nobody without write access fills a run's history.
        if (!trusted) {
          const reason = `comments by ${decision.author} (no write permission) are not forwarded`;
          return { status: 202, body: { result: 'ignored', reason } };
        }
        const command = decision.command;
        if (command && command.name !== 'run') {
          return runCommand(decision.ref, command, decision.author);
        }
        return signal(decision.ref, (id) =>
          opts.client.workflow.getHandle(id).signal(issueCommentSignal, {
            id: decision.id,
            author: decision.author,
            body: decision.body,
            trusted,
          }),
        );
      }
    }
  };
}
