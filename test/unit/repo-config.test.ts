import { describe, expect, it } from '@jest/globals';
import { ConfigError, resolveAgents, validateRepoConfig } from '../../common/repo-config.js';

function fieldOf(doc: unknown): string {
  try {
    validateRepoConfig(doc);
  } catch (err) {
    if (err instanceof ConfigError) return err.field;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('repository config', () => {
  it('fills sane defaults for an empty file', () => {
    const c = validateRepoConfig(null);
    expect(c.approval).toBe('none');
    expect(c.trigger_label).toBe('blogtube');
    expect(c.limits.max_parallel_agents).toBe(3);
    expect(resolveAgents(c).backend.paths).toEqual(['api/**']);
  });

  it("the worker profile's concurrency fills max_parallel_agents where the file is silent", () => {
    const d = { maxParallelAgents: 1 };
    expect(validateRepoConfig(null, d).limits.max_parallel_agents).toBe(1);
    expect(validateRepoConfig({ limits: { max_turns: 4 } }, d).limits).toMatchObject({
      max_parallel_agents: 1,
      max_turns: 4,
    });
    // The repository's own word wins.
    expect(
      validateRepoConfig({ limits: { max_parallel_agents: 4 } }, d).limits.max_parallel_agents,
    ).toBe(4);
    // Bad files stay bad, with the same field named.
    expect(() => validateRepoConfig({ limits: 'many' }, d)).toThrow(/^limits:/);
    expect(() => validateRepoConfig('text', d)).toThrow(ConfigError);
    expect(() => validateRepoConfig({ limits: { max_parallel_agents: 9 } }, d)).toThrow(
      /limits\.max_parallel_agents/,
    );
  });

  it('accepts the seeded sandbox config', () => {
    const c = validateRepoConfig({
      version: 1,
      limits: { max_parallel_agents: 2, max_turns: 8 },
      agents: { backend: { paths: ['api/**', 'lib/**'], depends_on: ['database'] } },
    });
    expect(c.limits.max_turns).toBe(8);
    expect(resolveAgents(c).backend.paths).toEqual(['api/**', 'lib/**']);
  });

  it('names the bad field', () => {
    expect(fieldOf({ limits: { max_turns: 500 } })).toBe('limits.max_turns');
    expect(fieldOf({ approval: 'always' })).toBe('approval');
    expect(fieldOf({ agents: { backend: { paths: ['../secret/**'] } } })).toBe(
      'agents.backend.paths.0',
    );
    expect(fieldOf({ agents: { wizard: { paths: ['x/**'] } } })).toBe('agents');
    expect(fieldOf({ surprise: true })).toBe('(root)');
    expect(fieldOf('just a string')).toBe('(root)');
  });

  it('rejects dependency cycles', () => {
    const err = (() => {
      try {
        validateRepoConfig({
          agents: { database: { paths: ['db/**'], depends_on: ['documentation'] } },
        });
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(err?.message).toMatch(/dependency cycle/);
  });
});
