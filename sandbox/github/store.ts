/** All simulated GitHub state. `reset()` returns it to the seed. */
import { HookDeliveries } from './hooks.js';
import { type Repo } from './repo.js';
import { seedBlogtubeRepo } from './seed.js';
import { CLASSIC_SEED_COMMITS } from './seed-files.js';
import { Sequence } from './sequence.js';

export class SimStore {
  private repos = new Map<string, Repo>();
  seq = new Sequence();
  /** The App's webhook and its recorded deliveries (off until `POST /_sim/hooks`). */
  readonly hooks = new HookDeliveries();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.hooks.reset();
    this.seq = new Sequence();
    const repo = seedBlogtubeRepo(this.seq);
    this.repos = new Map([[repo.fullName.toLowerCase(), repo]]);
  }

  /**
   * Seed another copy of the BlogTube repository as `owner/name` (idempotent);
   * with `classic`, the earlier seed (an Express/React/PostgreSQL app that
   * cannot be run offline) instead of the Node project.
   */
  addRepo(owner: string, name: string, opts: { classic?: boolean } = {}): Repo {
    const existing = this.repo(owner, name);
    if (existing) return existing;
    const account = {
      login: owner,
      id: 9100 + this.repos.size,
      type: 'Organization' as const,
      name: owner,
    };
    const commits = opts.classic ? CLASSIC_SEED_COMMITS : undefined;
    const repo = seedBlogtubeRepo(this.seq, account, name, 700001 + this.repos.size, commits);
    this.repos.set(repo.fullName.toLowerCase(), repo);
    return repo;
  }

  /** Every repository, in the order they were seeded. */
  all(): Repo[] {
    return [...this.repos.values()];
  }

  /** Owner and name are case-insensitive, as on GitHub. */
  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }
}
