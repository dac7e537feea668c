/**
 * A bounded in-worker cache of the repository's agent docs, keyed by
 * (repository, commit sha): a new commit is a new key, so stale docs can never
 * be served. Holds the promise, so concurrent callers share one fetch.
 */
export class DocsCache {
  private readonly entries = new Map<string, Promise<string>>();

  constructor(private readonly maxEntries = 64) {}

  get(repo: string, sha: string, load: () => Promise<string>): Promise<string> {
    const key = `${repo}@${sha}`;
    const hit = this.entries.get(key);
    if (hit) {
      // refresh recency
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = load();
    this.entries.set(key, pending);
    pending.catch(() => this.entries.delete(key));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return pending;
  }

  get size(): number {
    return this.entries.size;
  }
}
