/**
 * Who may trigger a run: collaborators with write, maintain or admin
 * permission, asked of GitHub and cached briefly.
 */
import type { Octokit } from '@octokit/rest';

const WRITERS = new Set(['admin', 'maintain', 'write']);

export class PermissionChecker {
  private readonly cache = new Map<string, { canWrite: boolean; until: number }>();

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
    this.cache.set(key, { canWrite, until: this.now() + this.ttlMs });
    return canWrite;
  }
}
