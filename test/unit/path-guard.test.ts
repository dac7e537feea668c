import { describe, expect, it } from '@jest/globals';
import { checkRead, checkWrite } from '../../common/path-guard.js';
import type { WriteRules } from '../../common/path-guard.js';

const rules: WriteRules = {
  allowed: ['api/**', 'README.md'],
  protectedPaths: ['api/secrets/**'],
  maxFileBytes: 100,
  maxFiles: 2,
};

function reason(path: unknown, content: unknown = 'x', staged: string[] = []): string | undefined {
  const v = checkWrite(path, content, rules, staged);
  return v.ok ? undefined : v.reason;
}

describe('path guard', () => {
  it('allows writes inside the agent paths, normalised', () => {
    expect(checkWrite('api/routes/a.js', 'x', rules, [])).toEqual({
      ok: true,
      path: 'api/routes/a.js',
    });
    expect(checkWrite('./api//b.js', 'x', rules, [])).toEqual({ ok: true, path: 'api/b.js' });
    expect(checkWrite('README.md', 'x', rules, [])).toEqual({ ok: true, path: 'README.md' });
  });

  it('refuses everything else with a reason', () => {
    expect(reason('web/app.js')).toMatch(/outside/);
    expect(reason('api')).toMatch(/outside/); // the directory itself is not a file inside it
    const github = { ...rules, allowed: ['.github/**'] };
    expect(checkWrite('.github/workflows', 'x', github, [])).toEqual({
      ok: false,
      reason: '.github/workflows is protected',
    });
    expect(checkWrite('.github/CODEOWNERS', 'x', github, []).ok).toBe(false); // all of .github/
    expect(reason('.github/workflows/ci.yml')).toMatch(/protected/);
    expect(reason('api/secrets/key.txt')).toMatch(/protected/);
    expect(reason('api/../web/x.js')).toMatch(/\.\./);
    expect(reason('/etc/passwd')).toMatch(/absolute/);
    expect(reason('C:/x')).toMatch(/absolute/);
    expect(reason('api/.git/config')).toMatch(/\.git/);
    expect(reason('api/a\u0000.js')).toMatch(/control/);
    expect(reason('api\\a.js')).toMatch(/backslash/);
    expect(reason('')).toMatch(/empty/);
    expect(reason(42)).toMatch(/empty/);
    expect(reason('api/a.js', 'x'.repeat(101))).toMatch(/over the 100 limit/);
    expect(reason('api/a.js', 42)).toMatch(/string/);
    expect(reason('api/c.js', 'x', ['api/a.js', 'api/b.js'])).toMatch(/at most 2 files/);
    expect(reason('api/a.js', 'x', ['api/a.js', 'api/b.js'])).toBeUndefined();
  });

  it('limits reads to the repository', () => {
    expect(checkRead('')).toEqual({ ok: true, path: '' });
    expect(checkRead('docs/a.md')).toEqual({ ok: true, path: 'docs/a.md' });
    expect(checkRead('../../etc/passwd').ok).toBe(false);
  });
});
