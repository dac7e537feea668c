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
