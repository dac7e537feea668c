/**
 * Property-based tests: the config parser, the path guard and the webhook
 * router take random and malformed input without crashing, and answer clearly.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { routeWebhook } from '../../client/pure/webhook-router.js';
import { checkWrite, normalizeRepoPath } from '../../common/path-guard.js';
import { ConfigError, validateRepoConfig } from '../../common/repo-config.js';

const RUNS = { numRuns: 500, seed: 42 };

describe('hostile input, property-based', () => {
  it('the config validator returns a config or a ConfigError naming a field, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        try {
          validateRepoConfig(doc);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).field.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('config-shaped objects with random values are validated the same way', () => {
    const value = fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.array(fc.string()));
    const shaped = fc.record(
      {
        version: value,
        approval: value,
        limits: fc.dictionary(
          fc.constantFrom('max_turns', 'max_parallel_agents', 'agent_token_budget', 'x'),
          value,
        ),
        agents: fc.dictionary(
          fc.constantFrom('database', 'backend', 'frontend', 'devops', 'documentation', 'wizard'),
          fc.record(
            {
              paths: fc.oneof(fc.array(fc.string()), value),
              depends_on: fc.oneof(fc.array(fc.string()), value),
            },
            { requiredKeys: [] },
          ),
        ),
        questions: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(shaped, (doc) => {
        try {
          const c = validateRepoConfig(doc);
          expect(c.limits.max_turns).toBeLessThanOrEqual(50);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      RUNS,
    );
  });

  it('YAML text of any kind either parses to something the validator judges, or fails to parse', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        let doc: unknown;
        try {
          doc = parseYaml(text, { maxAliasCount: 50 });
        } catch {
          return; // reported as a YAML error naming the file
        }
        try {
          validateRepoConfig(doc);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      RUNS,
    );
  });

  it('the path guard never throws, and what it lets through stays inside the agent paths', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '',
        '.git',
        '.github',
        'workflows',
        'api',
        'web',
        'x.js',
        'a\u0000b',
        'C:',
        '~',
      ),
      fc.string({ maxLength: 8 }),
    );
    const path = fc.oneof(
      fc.array(segment, { maxLength: 6 }).map((s) => s.join('/')),
      fc.string(),
      fc.anything(),
    );
    const rules = {
      allowed: ['api/**', 'README.md'],
      protectedPaths: ['api/secret/**'],
      maxFileBytes: 50,
      maxFiles: 3,
    };
    fc.assert(
      fc.property(path, fc.oneof(fc.string({ maxLength: 80 }), fc.anything()), (p, content) => {
        const v = checkWrite(p, content, rules, []);
        if (!v.ok) {
          expect(v.reason.length).toBeGreaterThan(0);
          return;
        }
        expect(v.path.split('/')).not.toContain('..');
        expect(v.path.startsWith('/')).toBe(false);
        expect(v.path.startsWith('.github/workflows/')).toBe(false);
        expect(v.path.startsWith('api/secret/')).toBe(false);
        expect(v.path === 'README.md' || v.path.startsWith('api/')).toBe(true);
        expect(normalizeRepoPath(v.path)).toEqual({ ok: true, path: v.path });
      }),
      RUNS,
    );
  });

  it('the webhook router answers every event and payload with a known decision', () => {
    const event = fc.oneof(
      fc.constantFrom('issues', 'issue_comment', 'ping', 'push', ''),
      fc.string(),
    );
    const payload = fc.oneof(
      fc.anything(),
      fc.record({
        action: fc.oneof(fc.constantFrom('opened', 'labeled', 'edited', 'created'), fc.string()),
        issue: fc.anything(),
        repository: fc.anything(),
        sender: fc.anything(),
        label: fc.anything(),
        comment: fc.anything(),
      }),
    );
    fc.assert(
      fc.property(event, payload, (e, p) => {
        const d = routeWebhook(e, p, 'blogtube');
        expect(['pong', 'ignore', 'start', 'edit', 'comment']).toContain(d.kind);
        if (d.kind === 'ignore') expect(d.reason.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});
