/**
 * Property-based tests: the config parser, the path guard and the webhook
 * router take random and malformed input without crashing, and answer clearly.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { parseCommand, routeWebhook } from '../../client/pure/webhook-router.js';
import { checkWrite, normalizeRepoPath, utf8Length } from '../../common/path-guard.js';
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

  it('what the guard lets through keeps every limit, for any staged set', () => {
    const rules = {
      allowed: ['api/**'],
      protectedPaths: [],
      maxFileBytes: 40,
      maxFiles: 3,
      maxTotalBytes: 90,
    };
    const name = fc.constantFrom('api/a', 'api/b', 'api/c', 'api/d', './api/a', 'api//b');
    const staged = fc.uniqueArray(
      fc.record({ path: fc.constantFrom('api/a', 'api/b', 'api/c', 'api/d'), bytes: fc.nat(40) }),
      { selector: (e) => e.path, maxLength: 3 },
    );
    fc.assert(
      fc.property(name, fc.string({ maxLength: 50 }), staged, (p, content, before) => {
        const v = checkWrite(p, content, rules, before);
        if (!v.ok) return;
        const after = [
          ...before.filter((e) => e.path !== v.path),
          { path: v.path, bytes: utf8Length(content) },
        ];
        expect(after.length).toBeLessThanOrEqual(rules.maxFiles);
        expect(utf8Length(content)).toBeLessThanOrEqual(rules.maxFileBytes);
        expect(after.reduce((n, e) => n + e.bytes, 0)).toBeLessThanOrEqual(rules.maxTotalBytes);
      }),
      RUNS,
    );
  });

  it('an accepted config never lets an agent write outside the repository', () => {
    const glob = fc.oneof(
      fc.constantFrom('api/**', '../x/**', '/etc/**', 'a/../../b', '**', '.github/**', 'docs/*.md'),
      fc.string({ maxLength: 12 }),
    );
    const agent = fc.record({ paths: fc.array(glob, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(
        fc.record({ backend: agent, docs: agent }),
        fc.array(glob, { maxLength: 3 }),
        (a, protectedPaths) => {
          let config;
          try {
            config = validateRepoConfig({
              agents: { backend: a.backend, documentation: a.docs },
              protected_paths: protectedPaths,
            });
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            return;
          }
          for (const g of [
            ...(config.agents.backend?.paths ?? []),
            ...(config.agents.documentation?.paths ?? []),
          ]) {
            expect(g.startsWith('/')).toBe(false);
            expect(g.split('/')).not.toContain('..');
          }
          // Whatever the globs, CI workflows stay unwritable.
          const v = checkWrite(
            '.github/workflows/x.yml',
            'x',
            {
              allowed: config.agents.backend?.paths ?? [],
              protectedPaths: config.protected_paths,
              maxFileBytes: 10,
              maxFiles: 1,
            },
            [],
          );
          expect(v.ok).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('comment commands: only the four names, argument bounded, anywhere on its own line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 900 }), (pre, rest) => {
        const c = parseCommand(`${pre}\n/blogtube ${rest}`);
        if (c === undefined) return;
        expect(['approve', 'reject', 'cancel', 'run']).toContain(c.name);
        expect(c.arg.length).toBeLessThanOrEqual(500);
      }),
      RUNS,
    );
    expect(parseCommand('please do not /blogtube approve')).toBeUndefined();
    expect(parseCommand('/blogtubeapprove')).toBeUndefined();
    expect(parseCommand('/blogtube merge')).toBeUndefined();
  });

  it('bots and the app’s own account never start, label or comment, whatever the payload', () => {
    const sender = fc.oneof(
      fc.record({ login: fc.string({ minLength: 1, maxLength: 10 }), type: fc.constant('Bot') }),
      fc.string({ minLength: 1, maxLength: 10 }).map((l) => ({ login: `${l}[bot]`, type: 'User' })),
      fc.constantFrom({ login: 'Our-App', type: 'User' }, { login: 'our-app', type: 'User' }),
    );
    const payload = fc.record({
      action: fc.constantFrom('opened', 'labeled', 'edited', 'created'),
      issue: fc.record({
        number: fc.integer({ min: 1, max: 1e6 }),
        title: fc.string(),
        body: fc.string(),
      }),
      label: fc.constant({ name: 'blogtube' }),
      comment: fc.record({ id: fc.nat(), body: fc.string(), user: sender }),
      repository: fc.constant({ name: 'r', owner: { login: 'o' } }),
      sender,
    });
    fc.assert(
      fc.property(fc.constantFrom('issues', 'issue_comment'), payload, (event, p) => {
        const d = routeWebhook(event, p, 'blogtube', { selfLogin: 'our-app' });
        expect(d.kind).toBe('ignore');
      }),
      RUNS,
    );
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const cur = String.fromCharCode(98 + i);
        return `${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
      }),
    ].join('\n');
    expect(() => parseYaml(bomb, { maxAliasCount: 50 })).toThrow();
  });
});
