import { describe, expect, it } from '@jest/globals';
import { DocsCache } from '../../activities/docs-cache.js';

describe('agent docs cache', () => {
  it('one fetch per (repository, commit) while fresh; fetched again after the cache time', async () => {
    let now = 0;
    let fetches = 0;
    const cache = new DocsCache(8, 1000, () => now);
    const load = () => Promise.resolve(`docs #${++fetches}`);
    expect(await cache.get('o/r', 'sha1', load)).toBe('docs #1');
    now = 999;
    expect(await cache.get('o/r', 'sha1', load)).toBe('docs #1');
    // A new commit is a new key: never the old commit's docs.
    expect(await cache.get('o/r', 'sha2', load)).toBe('docs #2');
    now = 1000;
    expect(await cache.get('o/r', 'sha1', load)).toBe('docs #3');
    expect(cache.size).toBe(2);
  });

  it('shares one pending fetch, forgets a failed one, and keeps at most maxEntries', async () => {
    const cache = new DocsCache(2);
    let fetches = 0;
    const slow = () => new Promise<string>((r) => setTimeout(() => r(`d${++fetches}`), 5));
    const [a, b] = await Promise.all([cache.get('o/r', 's', slow), cache.get('o/r', 's', slow)]);
    expect([a, b, fetches]).toEqual(['d1', 'd1', 1]);

    await expect(cache.get('o/r', 'bad', () => Promise.reject(new Error('502')))).rejects.toThrow(
      '502',
    );
    await Promise.resolve();
    expect(await cache.get('o/r', 'bad', () => Promise.resolve('ok'))).toBe('ok');

    await cache.get('o/r', 'third', () => Promise.resolve('x'));
    expect(cache.size).toBe(2);
  });
});
