/** The one way to build an Octokit: SDK-internal retries off (Temporal owns retries), quiet logs. */
import { Octokit } from '@octokit/rest';

export function createOctokit(baseUrl: string, token: string | undefined): Octokit {
  return new Octokit({
    auth: token,
    baseUrl,
    userAgent: 'blogtube-automation',
    request: { retries: 0 },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}
