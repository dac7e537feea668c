/**
 * `blogtube demo`: open an issue in the sandbox repository as a maintainer and
 * deliver GitHub's `issues.opened` webhook for it, signed, to the bridge.
 */
import { randomUUID } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import { readSecretList } from '../common/env.js';
import type { Settings } from '../common/env.js';
import { createOctokit } from '../common/github-client.js';
import { issueWorkflowId } from '../common/ids.js';

/** Sandbox defaults, matching what `npm start` gives the simulators and the bridge. */
const SANDBOX_MAINTAINER_TOKEN = 'sbx-maintainer-token';
const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

export const DEMO_ISSUE = {
  title: 'Add playlists: users can group videos into playlists',
  body: [
    'As a viewer I want to save videos into named playlists.',
    '',
    '- a `playlists` table (and a join table to videos) in the database',
    '- API endpoints to create a playlist and add a video to it',
    '- a playlist panel component in the web UI next to the video player',
    '- document the new endpoints in the API docs',
  ].join('\n'),
};

export interface DemoOptions {
  settings: Settings;
  owner: string;
  repo: string;
  title?: string;
  body?: string;
  bridgeUrl: string;
  /**
   * Whether Temporal already holds a run for this issue number. The sandbox
   * GitHub starts empty on every `npm start` while the dev server's database
   * persists, so new issue numbers can repeat old runs' ids: the demo then
   * opens issues until it gets a number no run has used.
   */
  isTaken?: (workflowId: string) => Promise<boolean>;
}

/** Issues the demo may open looking for an unused number. */
const MAX_DEMO_ISSUES = 1000;

export interface DemoResult {
  issueNumber: number;
  issueUrl: string;
  workflowId: string;
  deliveryId: string;
  bridgeStatus: number;
  bridgeReply: unknown;
}

export async function deliverWebhook(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  deliveryId: string = randomUUID(),
): Promise<{ status: number; reply: unknown; deliveryId: string }> {
  const body = JSON.stringify(payload);
  const signature = await new Webhooks({ secret }).sign(body);
  const res = await fetch(`${url}/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signature,
      'user-agent': 'GitHub-Hookshot/blogtube-demo',
    },
    body,
  });
  const text = await res.text();
  let reply: unknown = text;
  try {
    reply = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, reply, deliveryId };
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const token = process.env.GITHUB_DEMO_TOKEN ?? SANDBOX_MAINTAINER_TOKEN;
  // The bridge's secret when one is configured (the first, during a rotation), else the sandbox's.
  const configured = process.env.GITHUB_WEBHOOK_SECRET || process.env.GITHUB_WEBHOOK_SECRET_FILE;
  const secret =
    (configured && readSecretList('GITHUB_WEBHOOK_SECRET')[0]) || SANDBOX_WEBHOOK_SECRET;
  const octokit = createOctokit(opts.settings.GITHUB_API_URL, token);
  const { owner, repo } = opts;
  const open = () =>
    octokit.rest.issues.create({
      owner,
      repo,
      title: opts.title ?? DEMO_ISSUE.title,
      body: opts.body ?? DEMO_ISSUE.body,
    });
  const [{ data: repository }, first] = await Promise.all([
    octokit.rest.repos.get({ owner, repo }),
    open(),
  ]);
  let issue = first.data;
  for (let n = 1; opts.isTaken && n < MAX_DEMO_ISSUES; n++) {
    if (!(await opts.isTaken(issueWorkflowId({ owner, repo, number: issue.number })))) break;
    await octokit.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed' });
    issue = (await open()).data;
  }
  const payload = { action: 'opened', issue, repository, sender: issue.user };
  const delivery = await deliverWebhook(opts.bridgeUrl, secret, 'issues', payload);
  return {
    issueNumber: issue.number,
    issueUrl: issue.html_url,
    workflowId: issueWorkflowId({ owner, repo, number: issue.number }),
    deliveryId: delivery.deliveryId,
    bridgeStatus: delivery.status,
    bridgeReply: delivery.reply,
  };
}
