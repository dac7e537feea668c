/**
 * GitHub credentials for live runs. A GitHub App (recommended): the App id and
 * its private key (a file path), and for each repository the installation that
 * covers it, found once and cached, with an installation Octokit per
 * installation (`authStrategy: createAppAuth`; the strategy caches its
 * installation tokens and renews them before they expire). Or a plain token.
 * Either way the activities get one Octokit and stay the same code: the App
 * client routes every repository request through that repository's
 * installation.
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { readSecret } from './env.js';
import { readAppCredentials } from './github-credentials.js';
import type { GitHubAppCredentials } from './github-credentials.js';
import { createOctokit, octokitOptions } from './github-client.js';

export { readAppCredentials } from './github-credentials.js';
export type { GitHubAppCredentials } from './github-credentials.js';

/** Installations of one App: which one covers a repository, and an Octokit for each. */
export class GitHubAppInstallations {
  /** Authenticated as the App itself (JWT): finds installations. */
  readonly app: Octokit;
  private readonly ids = new Map<string, { id: Promise<number>; at: number }>();
  private readonly octokits = new Map<number, Octokit>();

  /**
   * `cacheTtlMs`: how long a repository's installation id is kept (the
   * profile's cache time), so an App reinstalled on a repository is found again.
   */
  constructor(
    private readonly baseUrl: string,
    private readonly credentials: GitHubAppCredentials,
    private readonly cacheTtlMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {
    this.app = new Octokit({
      ...octokitOptions(baseUrl),
      authStrategy: createAppAuth,
      auth: { ...credentials },
    });
  }

  /** The installation covering `owner/repo` (cached for the cache time; a failed lookup is asked again next time). */
  installationId(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const cached = this.ids.get(key);
    if (cached && this.now() - cached.at < this.cacheTtlMs) return cached.id;
    const id = this.app.rest.apps.getRepoInstallation({ owner, repo }).then(
      ({ data }) => data.id,
      (err: unknown) => {
        this.ids.delete(key);
        if ((err as { status?: number }).status === 404)
          throw Object.assign(new Error(`the GitHub App is not installed on ${owner}/${repo}`), {
            status: 404,
          });
        throw err;
      },
    );
    this.ids.set(key, { id, at: this.now() });
    return id;
  }

  /** The Octokit of one installation (one per installation, reused). */
  forInstallation(installationId: number): Octokit {
    let octokit = this.octokits.get(installationId);
    if (!octokit) {
      octokit = new Octokit({
        ...octokitOptions(this.baseUrl),
        authStrategy: createAppAuth,
        auth: { ...this.credentials, installationId },
      });
      this.octokits.set(installationId, octokit);
    }
    return octokit;
  }

  async forRepository(owner: string, repo: string): Promise<Octokit> {
    return this.forInstallation(await this.installationId(owner, repo));
  }
}

/**
 * One Octokit whose repository requests (`owner` + `repo` parameters) go out
 * with the token of the installation covering that repository.
 */
export function createAppOctokit(installations: GitHubAppInstallations, baseUrl: string): Octokit {
  const octokit = new Octokit(octokitOptions(baseUrl));
  octokit.hook.wrap('request', async (_request, options) => {
    const { owner, repo } = options as { owner?: unknown; repo?: unknown };
    if (typeof owner !== 'string' || typeof repo !== 'string')
      throw new Error(
        `GitHub App: ${options.method} ${options.url} names no repository, so no installation token applies`,
      );
    const installation = await installations.forRepository(owner, repo);
    // Without this Octokit's own `request` options: they carry its hook (this function).
    const { request: _ownHook, ...endpoint } = options;
    return installation.request(endpoint as unknown as Parameters<Octokit['request']>[0]);
  });
  appLogins.set(octokit, async () => {
    const { data } = await installations.app.rest.apps.getAuthenticated();
    return `${data?.slug ?? ''}[bot]`;
  });
  return octokit;
}

/** How each App client learns its own account (`<slug>[bot]`: an installation token cannot call `GET /user`). */
const appLogins = new WeakMap<Octokit, () => Promise<string>>();

/**
 * The login of the account this client acts as: what GitHub shows as the author
 * of the comments, commits and PRs it writes. A token's user (`GET /user`), or
 * the App's bot account. Asked once per client.
 */
export function authenticatedLogin(octokit: Octokit): Promise<string> {
  const cached = logins.get(octokit);
  if (cached) return cached;
  const ask =
    appLogins.get(octokit) ??
    (async () => (await octokit.rest.users.getAuthenticated()).data.login);
  const login = ask().catch((err: unknown) => {
    logins.delete(octokit); // asked again next time
    throw err;
  });
  logins.set(octokit, login);
  return login;
}
const logins = new WeakMap<Octokit, Promise<string>>();

/** The workers' and bridge's GitHub client: the App when `GITHUB_APP_ID` is set, else `GITHUB_TOKEN`. */
export function createGitHubClient(
  baseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  cacheTtlMs = Infinity,
): Octokit {
  const app = readAppCredentials(env);
  if (app) return createAppOctokit(new GitHubAppInstallations(baseUrl, app, cacheTtlMs), baseUrl);
  return createOctokit(baseUrl, readSecret('GITHUB_TOKEN', env));
}
