import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  DEFAULT_SETUP_INPUTS,
  resolveAgents,
  validateRepoConfig,
  WORKSPACE_CEILINGS,
} from '../../common/repo-config.js';

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
    expect(c.limits.max_parallel_agents).toBe(undefined);
    expect(resolveAgents(c).backend.paths).toEqual(['api/**']);
  });

  it('leaves max_parallel_agents unset where the file is silent (the run settings decide)', () => {
    expect(validateRepoConfig({ limits: { max_turns: 4 } }).limits).toMatchObject({ max_turns: 4 });
    expect(validateRepoConfig({ limits: { max_turns: 4 } }).limits.max_parallel_agents).toBe(
      undefined,
    );
    expect(
      validateRepoConfig({ limits: { max_parallel_agents: 4 } }).limits.max_parallel_agents,
    ).toBe(4);
    expect(() => validateRepoConfig({ limits: 'many' })).toThrow(/^limits:/);
    expect(() => validateRepoConfig({ limits: { max_parallel_agents: 9 } })).toThrow(
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

  describe('workspace', () => {
    it('has safe defaults: network during setup only, commands on, 120 s per command', () => {
      const w = validateRepoConfig(null).workspace;
      expect(w).toMatchObject({ network: 'setup', commands: 'on' });
      expect(w.setup).toBeUndefined();
      expect(w.limits).toEqual({
        wall_seconds: 120,
        memory_mb: 2048,
        processes: 256,
        file_size_mb: 100,
        disk_mb: 2048,
        max_output_bytes: 30_000,
      });
      expect(w.setup_inputs).toEqual(DEFAULT_SETUP_INPUTS);
      expect(w.setup_inputs).toContain('package-lock.json');
    });

    it('takes a setup command, a test command, a network policy and limits', () => {
      const w = validateRepoConfig({
        workspace: {
          setup: 'npm ci',
          test: 'node --test',
          network: 'none',
          commands: 'off',
          limits: { wall_seconds: 30, max_output_bytes: 5000 },
          setup_inputs: ['package.json', 'vendor/**'],
        },
      }).workspace;
      expect(w).toMatchObject({ setup: 'npm ci', test: 'node --test', network: 'none' });
      expect(w.commands).toBe('off');
      expect(w.limits.wall_seconds).toBe(30);
      expect(w.limits.memory_mb).toBe(2048); // the unnamed limits keep their defaults
      expect(w.setup_inputs).toEqual(['package.json', 'vendor/**']);
    });

    it('reads `commands` as a YAML 1.1 boolean too', () => {
      expect(validateRepoConfig({ workspace: { commands: false } }).workspace.commands).toBe('off');
      expect(validateRepoConfig({ workspace: { commands: true } }).workspace.commands).toBe('on');
    });

    it('holds every limit under its hard ceiling and names the field', () => {
      for (const [name, ceiling] of Object.entries(WORKSPACE_CEILINGS)) {
        const limits = { [name]: ceiling };
        expect(validateRepoConfig({ workspace: { limits } }).workspace.limits).toMatchObject(
          limits,
        );
        expect(fieldOf({ workspace: { limits: { [name]: ceiling + 1 } } })).toBe(
          `workspace.limits.${name}`,
        );
      }
      expect(fieldOf({ workspace: { limits: { wall_seconds: 0 } } })).toBe(
        'workspace.limits.wall_seconds',
      );
      expect(fieldOf({ workspace: { limits: { cpu: 4 } } })).toBe('workspace.limits');
    });

    it('refuses an unknown network policy, an empty setup and escaping setup inputs', () => {
      expect(fieldOf({ workspace: { network: 'some' } })).toBe('workspace.network');
      expect(fieldOf({ workspace: { commands: 'maybe' } })).toBe('workspace.commands');
      expect(fieldOf({ workspace: { setup: '' } })).toBe('workspace.setup');
      expect(fieldOf({ workspace: { setup_inputs: ['../etc/passwd'] } })).toBe(
        'workspace.setup_inputs.0',
      );
      expect(fieldOf({ workspace: { setup_inputs: [] } })).toBe('workspace.setup_inputs');
    });
  });
});
