/**
 * Parallel model requests that share a prompt prefix (the crew rules and a
 * repository's docs for every agent, the issue for an issue's agents) all miss
 * the cache when they arrive together: a cache entry is readable only once
 * the response of the request that writes it has begun. Anthropic's advice
 * for parallel requests is to wait for the first response before sending the
 * rest. The gate does that within one model worker: a request whose longest
 * shared prefix is being written by a request in flight waits for that
 * request's first token (at most `maxWaitMs`), then reads the prefix
 * instead of writing it again. A prefix whose writer has its first token
 * counts as cached for the cache's lifetime after its last use, and is never
 * waited for. No Temporal imports; the clock is injectable.
 */
import { createHash } from 'node:crypto';

/** The API's default (ephemeral) cache lifetime, refreshed by every use. */
export const CACHE_TTL_MS = 5 * 60_000;

type Block = object;

/** The parts of a Messages request that make up its cached prefix, in the API's order. */
export interface PrefixParts {
  model: string;
  tools?: readonly object[];
  system?: readonly Block[];
  messages: readonly { role: string; content: string | readonly Block[] }[];
}

/**
 * One key per cache breakpoint of the request, shortest prefix first: a hash
 * of the model, the tools and every block up to and including the marked one
 * (marks left out, so a prefix marked in one request and not in another is
 * the same prefix).
 */
export function prefixKeys(req: PrefixParts): string[] {
  const hash = createHash('sha256').update(req.model).update('\0');
  for (const tool of req.tools ?? []) hash.update(JSON.stringify(tool)).update('\0');
  const keys: string[] = [];
  const add = (block: Block): void => {
    const { cache_control: mark, ...rest } = block as { cache_control?: unknown };
    hash.update(JSON.stringify(rest)).update('\0');
    if (mark) keys.push(hash.copy().digest('hex'));
  };
  hash.update('system\0');
  for (const block of req.system ?? []) add(block);
  for (const m of req.messages) {
    hash.update(`${m.role}\0`);
    for (const block of typeof m.content === 'string' ? [{ text: m.content }] : m.content) {
      add(block);
    }
  }
  return keys;
}

export interface PrefixGateOptions {
  /** Longest a request waits for another's first token (0: never waits). */
  maxWaitMs: number;
  /** How long a prefix stays cached after its last use. */
  ttlMs?: number;
  now?: () => number;
}

/** A request let through the gate. */
export interface GatePass {
  /** Milliseconds it waited for another request's response to begin. */
  readonly waitedMs: number;
  /** Its first token is out: its prefixes are cached now. Idempotent. */
  started(): void;
  /** It ended (after `started` or without a response): nobody waits for it any more. Idempotent. */
  close(): void;
}

export class PrefixGate {
  /** Cached prefixes: key → when it expires. */
  private readonly cached = new Map<string, number>();
  /** Prefixes a request in flight is writing: key → resolved once its first token is out or it ends. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: PrefixGateOptions) {
    this.ttlMs = opts.ttlMs ?? CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Prefixes remembered as cached (expired ones dropped), for tests. */
  get cachedCount(): number {
    this.prune();
    return this.cached.size;
  }

  /**
   * Lets a request with these prefix keys (shortest first) through: at once,
   * unless a longer prefix than any cached one is being written by a request
   * in flight, then once that one has its first token, it ends, `signal` aborts
   * or `maxWaitMs` passes.
   */
  async enter(keys: readonly string[], signal?: AbortSignal): Promise<GatePass> {
    this.prune();
    const t0 = this.now();
    const lastIndex = (has: (k: string) => boolean): number => {
      for (let i = keys.length - 1; i >= 0; i--) if (has(keys[i] as string)) return i;
      return -1;
    };
    const cachedUpTo = lastIndex((k) => this.cached.has(k));
    const writtenUpTo = lastIndex((k) => this.writing.has(k));
    if (writtenUpTo > cachedUpTo && this.opts.maxWaitMs > 0 && !signal?.aborted) {
      await this.waitFor(this.writing.get(keys[writtenUpTo] as string) as Promise<void>, signal);
    }
    const waitedMs = this.now() - t0;

    // What no one has cached or is writing, this request writes.
    const mine = keys.filter((k) => !this.cached.has(k) && !this.writing.has(k));
    let release!: () => void;
    const written = new Promise<void>((resolve) => (release = resolve));
    for (const k of mine) this.writing.set(k, written);
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      for (const k of mine) if (this.writing.get(k) === written) this.writing.delete(k);
      release();
    };
    return {
      waitedMs,
      started: () => {
        if (!open) return;
        const until = this.now() + this.ttlMs;
        for (const k of keys) this.cached.set(k, until);
        close();
      },
      close,
    };
  }

  private waitFor(written: Promise<void>, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.opts.maxWaitMs);
      signal?.addEventListener('abort', done, { once: true });
      void written.then(done);
    });
  }

  private prune(): void {
    const now = this.now();
    for (const [k, until] of this.cached) if (until <= now) this.cached.delete(k);
  }
}
