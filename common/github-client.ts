/** The one way to build an Octokit: SDK-internal retries off (Temporal owns retries), quiet logs. */
import { Octokit } from '@octokit/rest';

export function createOctokit(baseUrl: string, token: string | undefined): Octokit {
  return new Octokit({ auth: token, ...octokitOptions(baseUrl) });
}

/** The options every Octokit here shares (also the GitHub App's, `common/github-app.ts`). */
export function octokitOptions(baseUrl: string) {
  return {
    baseUrl,
    userAgent: 'blogtube-automation',
    request: { retries: 0 },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  };
}
