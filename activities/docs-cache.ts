/**
 * A bounded in-worker cache of the repository's agent docs, keyed by
 * (repository, commit sha): a new commit is a new key, so stale docs can never
 * be served. Entries also expire after `maxAgeMs` (the profile's cache time),
 * so a worker does not hold a quiet repository's docs for ever. Holds the
 * promise, so concurrent callers share one fetch.
 */
export class DocsCache {
  private readonly entries = new Map<string, { docs: Promise<string>; at: number }>();

  constructor(
    private readonly maxEntries = 64,
    private readonly maxAgeMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {}

  get(repo: string, sha: string, load: () => Promise<string>): Promise<string> {
    const key = `${repo}@${sha}`;
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && this.now() - hit.at < this.maxAgeMs) {
      // refresh recency, keep the age
      this.entries.set(key, hit);
      return hit.docs;
    }
    const entry = { docs: load(), at: this.now() };
    this.entries.set(key, entry);
    entry.docs.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry.docs;
  }

  get size(): number {
    return this.entries.size;
  }
}
