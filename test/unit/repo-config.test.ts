import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  DEFAULT_CHECK_TIMEOUT_SECONDS,
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

  describe('checks', () => {
    it('has no checks and two fix rounds by default', () => {
      const c = validateRepoConfig({});
      expect(c.checks).toEqual([]);
      expect(c.max_fix_rounds).toBe(2);
    });

    it('reads checks with a default time limit under the workspace ceiling', () => {
      const c = validateRepoConfig({
        checks: [
          { name: 'test', run: 'npm test' },
          {
            name: 'lint.js',
            run: 'npm run lint',
            timeout_seconds: WORKSPACE_CEILINGS.wall_seconds,
          },
        ],
        max_fix_rounds: 0,
      });
      expect(c.checks).toEqual([
        { name: 'test', run: 'npm test', timeout_seconds: DEFAULT_CHECK_TIMEOUT_SECONDS },
        { name: 'lint.js', run: 'npm run lint', timeout_seconds: WORKSPACE_CEILINGS.wall_seconds },
      ]);
      expect(c.max_fix_rounds).toBe(0);
      expect(DEFAULT_CHECK_TIMEOUT_SECONDS).toBeLessThanOrEqual(WORKSPACE_CEILINGS.wall_seconds);
    });

    it('names the bad field of a check', () => {
      const run = 'npm test';
      expect(fieldOf({ checks: [{ name: 'a b', run }] })).toBe('checks.0.name');
      expect(fieldOf({ checks: [{ name: 'x/y', run }] })).toBe('checks.0.name');
      expect(fieldOf({ checks: [{ name: '-x', run }] })).toBe('checks.0.name');
      expect(fieldOf({ checks: [{ name: 'x'.repeat(41), run }] })).toBe('checks.0.name');
      expect(fieldOf({ checks: [{ name: 'test' }] })).toBe('checks.0.run');
      expect(fieldOf({ checks: [{ name: 'test', run: '   ' }] })).toBe('checks.0.run');
      expect(fieldOf({ checks: [{ name: 'test', run, timeout_seconds: 0 }] })).toBe(
        'checks.0.timeout_seconds',
      );
      expect(
        fieldOf({
          checks: [{ name: 'test', run, timeout_seconds: WORKSPACE_CEILINGS.wall_seconds + 1 }],
        }),
      ).toBe('checks.0.timeout_seconds');
      expect(fieldOf({ checks: [{ name: 'test', run, shell: 'zsh' }] })).toBe('checks.0');
      expect(fieldOf({ checks: { test: run } })).toBe('checks');
      expect(fieldOf({ max_fix_rounds: 6 })).toBe('max_fix_rounds');
      expect(fieldOf({ max_fix_rounds: -1 })).toBe('max_fix_rounds');
      expect(fieldOf({ max_fix_rounds: 1.5 })).toBe('max_fix_rounds');
    });

    it('refuses two checks with one name, ignoring case (status contexts ignore it too)', () => {
      expect(() =>
        validateRepoConfig({
          checks: [
            { name: 'test', run: 'npm test' },
            { name: 'Test', run: 'npm run test:all' },
          ],
        }),
      ).toThrow(/^checks\.1\.name: duplicate check name "Test"/);
      const many = Array.from({ length: 21 }, (_, i) => ({ name: `c${i}`, run: 'true' }));
      expect(fieldOf({ checks: many })).toBe('checks');
    });
  });
});
