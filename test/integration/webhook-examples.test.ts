/**
 * Every example payload GitHub documents (@octokit/webhooks-examples: all
 * events, all actions) gets a defined answer from the bridge — started,
 * signalled or ignored, never a 5xx — and with a bad signature a 401 that
 * starts nothing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, it } from '@jest/globals';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

interface WebhookDoc {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const examplesDir = dirname(require.resolve('@octokit/webhooks-examples/package.json'));
const DOCS = JSON.parse(
  readFileSync(join(examplesDir, 'api.github.com', 'index.json'), 'utf8'),
) as WebhookDoc[];

let stack: Stack;
useStack((s) => (stack = s));

it(`answers all ${DOCS.reduce((n, d) => n + d.examples.length, 0)} documented example deliveries`, async () => {
  const answers = new Map<number, number>();
  const repos = new Set<string>();
  let n = 0;
  for (const doc of DOCS) {
    for (const example of doc.examples) {
      const repo = (example.repository as { full_name?: string } | undefined)?.full_name;
      if (repo) repos.add(repo);
      const bad = await stack.deliver(doc.name, example, {
        secret: 'not-the-secret',
        deliveryId: `bad-${n}`,
      });
      expect(bad.status).toBe(401);
      const good = await stack.deliver(doc.name, example, { deliveryId: `good-${n}` });
      if (![200, 201, 202].includes(good.status)) {
        throw new Error(
          `${doc.name}.${String(example.action)}: HTTP ${good.status} ${JSON.stringify(good.reply)}`,
        );
      }
      answers.set(good.status, (answers.get(good.status) ?? 0) + 1);
      n++;
    }
  }
  expect(n).toBeGreaterThan(300);
  expect(answers.get(202)).toBeGreaterThan(250); // most events are not ours to handle
  // The example senders have no access to these repositories: nothing started.
  for (const repo of repos) {
    let runs = 0;
    for await (const _ of stack.client.workflow.list({ query: `BlogTubeRepo = '${repo}'` })) runs++;
    expect(runs).toBe(0);
  }
  const health = await fetch(`${stack.bridgeUrl}/healthz`);
  expect(health.status).toBe(200);
});
