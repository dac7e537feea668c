/**
 * The sanitizer runs in linear time (issue 16, property 5), met as the internet
 * would meet it: signed `issues.edited` webhooks whose 64 KiB bodies repeat
 * `<a`, `](`, `![` (and kin) are answered while the bridge's `/healthz`, polled
 * throughout, keeps answering. The only bound on time is this test's timeout
 * (30 s for all of them together), generous for a linear sanitizer (tens of
 * milliseconds each; `node dist/bench/sanitizer.js` measures it) and far short
 * of the quadratic one it replaced (about 20 s for one `<a` body).
 */
import { expect, it } from '@jest/globals';
import { sanitizeUntrusted } from '../../common/text/sanitize.js';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

let stack: Stack;
useStack((s) => (stack = s));

const SIZE = 64 * 1024;
const UNITS = ['<a', '](', '![', '<a x="', "<a href='", '<a b ', ']( ', '[x](y "'];
const adversarial = (unit: string) => unit.repeat(Math.floor(SIZE / unit.length));

it('64 KiB adversarial bodies are answered promptly while /healthz stays responsive', async () => {
  let polling = true;
  const health: number[] = [];
  const poller = (async () => {
    while (polling) {
      health.push((await fetch(`${stack.bridgeUrl}/healthz`)).status);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  for (const unit of UNITS) {
    const answer = await stack.deliver('issues', {
      action: 'edited',
      issue: {
        number: 1,
        title: adversarial(unit).slice(0, 256),
        body: adversarial(unit),
        user: { login: 'sandbox-maintainer', type: 'User' },
        labels: [],
        state: 'open',
      },
      repository: { name: stack.repo, owner: { login: stack.owner } },
      sender: { login: 'sandbox-maintainer', type: 'User' },
    });
    expect(answer.status).toBeLessThan(300); // read, verified and routed (not refused as too large)
    expect(JSON.stringify(answer.reply)).not.toMatch(/error/i);
    health.push((await fetch(`${stack.bridgeUrl}/healthz`)).status);
  }
  polling = false;
  await poller;
  expect(health.length).toBeGreaterThan(UNITS.length);
  expect(health.every((s) => s === 200)).toBe(true);
}, 30_000);

it('what those bodies become: visible text kept, nothing a reader would not see', () => {
  for (const unit of ['<a', '](', '![', '<a b ', ']( ']) {
    expect(sanitizeUntrusted(adversarial(unit))).toBe(adversarial(unit)); // none is markup
  }
  // An unclosed hidden element hides the rest; a lone one inside the flood too.
  expect(sanitizeUntrusted(`x<div hidden>${adversarial('<a')}`)).toBe('x');
  expect(sanitizeUntrusted(`${adversarial('](')}<span hidden>s</span>y`)).toBe(
    `${adversarial('](')}y`,
  );
});
