/**
 * The webhook bridge: verifies GitHub's signature (@octokit/webhooks, every
 * configured secret during a rotation), filters, and turns events into
 * Temporal signalWithStart / signals. One issue = one workflow id, and the id
 * reuse policy means a redelivery can never start a second run.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { BodyTooLargeError, readBody } from '../common/http-body.js';
import { issueWorkflowId } from '../common/ids.js';
import type { IssueRef, IssueWorkflowInput } from '../common/schemas.js';
import { SA } from '../common/search-attributes.js';
import {
  ISSUE_WORKFLOW,
  issueCommentSignal,
  issueEditedSignal,
  planDecisionUpdate,
  triggerSignal,
} from '../common/workflow-api.js';
import type { PermissionChecker } from './permissions.js';
import { RecentDeliveries, routeWebhook } from './pure/webhook-router.js';
import type { Command } from './pure/webhook-router.js';

export interface BridgeOptions {
  client: Client;
  permissions: PermissionChecker;
  secrets: string[];
  orchestratorTaskQueue: string;
  modelTaskQueue: string;
  /** Shared queue of the workspace workers: present, the runs' agents get workspaces. */
  workspaceTaskQueue?: string;
  triggerLabel: string;
  maxBodyBytes: number;
  /** How many delivery ids (`X-GitHub-Delivery`) to remember to recognise redeliveries (10,000). */
  recentDeliveries?: number;
  log?: (line: string) => void;
  /** Observability (bridge-main, tests): serves /metrics, /healthz, /readyz; told of every delivery. */
  observe?: BridgeObserver;
}

export interface BridgeObserver {
  /** Answer the request if it is an observability route; false otherwise. */
  route(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** A webhook delivery was answered. */
  delivered(req: IncomingMessage, status: number, body: Record<string, unknown>, ms: number): void;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export function createBridge(opts: BridgeOptions) {
  const verifiers = opts.secrets.map((secret) => new Webhooks({ secret }));
  const log = opts.log ?? (() => {});
  const recent = new RecentDeliveries(opts.recentDeliveries ?? 10_000);

  async function verify(body: string, signature: string | undefined): Promise<boolean> {
    if (!signature) return false;
    for (const v of verifiers) {
      if (await v.verify(body, signature).catch(() => false)) return true;
    }
    return false;
  }

  async function start(
    ref: IssueRef,
    sender: string,
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
    const trigger = { deliveryId, event, sender };
    const input: IssueWorkflowInput = {
      ref,
      trigger,
      modelTaskQueue: opts.modelTaskQueue,
      ...(opts.workspaceTaskQueue ? { workspaceTaskQueue: opts.workspaceTaskQueue } : {}),
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
      await send(workflowId);
      return { status: 200, body: { result: 'signalled', workflowId } };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        return {
          status: 202,
          body: { result: 'ignored', reason: 'no run in progress for this issue' },
        };
      }
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
      if (err instanceof WorkflowNotFoundError) {
        return {
          status: 202,
          body: { result: 'ignored', reason: 'no run in progress for this issue' },
        };
      }
      if (err instanceof WorkflowUpdateFailedError) {
        const why = err.cause instanceof Error ? err.cause.message : err.message;
        return { status: 202, body: { result: 'ignored', reason: why } };
      }
      throw err;
    }
  }

  async function handleWebhook(req: IncomingMessage): Promise<Reply> {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      return { status: 415, body: { error: 'content-type must be application/json' } };
    }
    let body: string;
    try {
      body = await readBody(req, opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return { status: 413, body: { error: 'payload too large' } };
      throw err;
    }
    const signature = req.headers['x-hub-signature-256'];
    if (!(await verify(body, typeof signature === 'string' ? signature : undefined))) {
      return { status: 401, body: { error: 'missing or invalid X-Hub-Signature-256' } };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return { status: 400, body: { error: 'body is not valid JSON' } };
    }
    const event = String(req.headers['x-github-event'] ?? '');
    const header = req.headers['x-github-delivery'];
    const deliveryId = typeof header === 'string' && header !== '' ? header.slice(0, 100) : '';
    if (deliveryId && recent.seen(deliveryId)) {
      log(`delivery ${deliveryId} ${event}: duplicate`);
      return { status: 200, body: { result: 'duplicate', reason: 'duplicate delivery' } };
    }
    try {
      const reply = await route(event, payload, deliveryId || 'unknown');
      if (reply.status >= 500 && deliveryId) recent.forget(deliveryId);
      return reply;
    } catch (err) {
      // Not answered: GitHub's redelivery of this id must be processed.
      if (deliveryId) recent.forget(deliveryId);
      throw err;
    }
  }

  async function route(event: string, payload: unknown, deliveryId: string): Promise<Reply> {
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
        return start(decision.ref, decision.sender, `issues.${action}`, deliveryId);
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
      case 'comment': {
        const trusted = await opts.permissions.canWrite(
          decision.ref.owner,
          decision.ref.repo,
          decision.author,
        );
        const command = decision.command;
        if (command && trusted && command.name !== 'run') {
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
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.observe && (await opts.observe.route(req, res).catch(() => false))) return;
    const startedMs = Date.now();
    let reply: Reply;
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && url === '/healthz') reply = { status: 200, body: { ok: true } };
      else if (url === '/webhooks' && req.method === 'POST') reply = await handleWebhook(req);
      else if (url === '/webhooks') reply = { status: 405, body: { error: 'use POST' } };
      else reply = { status: 404, body: { error: 'not found' } };
    } catch (err) {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      reply = {
        status: 503,
        body: { error: 'temporarily unable to process the delivery; GitHub may redeliver it' },
      };
    }
    if (url === '/webhooks')
      opts.observe?.delivered(req, reply.status, reply.body, Date.now() - startedMs);
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }

  return {
    handle,
    listen(port: number, host: string): Promise<Server> {
      const server = createServer((req, res) => void handle(req, res));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server));
      });
    },
  };
}

export function serverUrl(server: Server): string {
  const a = server.address() as AddressInfo;
  return `http://${a.address}:${a.port}`;
}
