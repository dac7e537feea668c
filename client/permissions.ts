/**
 * Who may trigger a run: collaborators with write, maintain or admin
 * permission, asked of GitHub and cached briefly. Also knows the bridge's own
 * account, whose events never trigger anything.
 */
import type { Octokit } from '@octokit/rest';

const WRITERS = new Set(['admin', 'maintain', 'write']);
/** Entries kept at most; the oldest go first (a flood of senders cannot grow memory). */
const MAX_ENTRIES = 10_000;

export class PermissionChecker {
  private readonly cache = new Map<string, { canWrite: boolean; until: number }>();
  private self: Promise<string | undefined> | undefined;

  constructor(
    private readonly octokit: Octokit,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async canWrite(owner: string, repo: string, username: string): Promise<boolean> {
    const key = `${owner}/${repo}:${username}`.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.canWrite;
    let canWrite = false;
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        owner,
        repo,
        username,
      });
      canWrite = WRITERS.has(data.role_name) || WRITERS.has(data.permission);
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
    this.cache.delete(key);
    this.cache.set(key, { canWrite, until: this.now() + this.ttlMs });
    while (this.cache.size > MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return canWrite;
  }

  /**
   * The login the token belongs to (`GET /user`), asked once. Undefined when
   * GitHub does not say (a GitHub App installation token has no user: its
   * events come from `<app>[bot]`, which is ignored as a bot anyway); a failed
   * lookup is asked again next time.
   */
  async selfLogin(): Promise<string | undefined> {
    this.self ??= this.octokit.rest.users.getAuthenticated().then(
      ({ data }) => data.login,
      (err: unknown) => {
        const status = (err as { status?: number }).status;
        if (status !== 401 && status !== 403 && status !== 404) this.self = undefined;
        return undefined;
      },
    );
    return this.self;
  }
}
