/**
 * The path guard's limits beyond paths: bytes per file (UTF-8), files per
 * agent, bytes per agent, and protection that ignores case.
 */
import { describe, expect, it } from '@jest/globals';
import { checkWrite, MAX_AGENT_BYTES } from '../../common/path-guard.js';
import type { WriteRules } from '../../common/path-guard.js';

const rules: WriteRules = {
  allowed: ['api/**', '.github/**'],
  protectedPaths: ['api/secrets/**'],
  maxFileBytes: 100,
  maxFiles: 3,
  maxTotalBytes: 250,
};

const refusal = (v: ReturnType<typeof checkWrite>) => (v.ok ? undefined : v.reason);

describe('path guard limits', () => {
  it('counts a file’s size in UTF-8 bytes, not characters', () => {
    expect(checkWrite('api/a.txt', 'é'.repeat(50), rules, []).ok).toBe(true); // 100 bytes
    expect(refusal(checkWrite('api/a.txt', 'é'.repeat(51), rules, []))).toMatch(
      /102 bytes, over the 100 limit/,
    );
    expect(refusal(checkWrite('api/a.txt', '🚀'.repeat(26), rules, []))).toMatch(/104 bytes/);
  });

  it('limits the bytes one agent writes in all; rewriting a staged file replaces its size', () => {
    const staged = [
      { path: 'api/a.js', bytes: 100 },
      { path: 'api/b.js', bytes: 100 },
    ];
    expect(checkWrite('api/c.js', 'x'.repeat(50), rules, staged).ok).toBe(true); // 250
    expect(refusal(checkWrite('api/c.js', 'x'.repeat(51), rules, staged))).toMatch(
      /would total 251 bytes, over the 250 limit/,
    );
    // Rewriting api/a.js: 100 (b) + 60 = 160, under the limit.
    expect(checkWrite('api/a.js', 'x'.repeat(60), rules, staged).ok).toBe(true);
  });

  it('limits the number of files; a rewrite of a staged path is not a new file', () => {
    const staged = ['api/a.js', 'api/b.js', 'api/c.js'].map((path) => ({ path, bytes: 1 }));
    expect(refusal(checkWrite('api/d.js', 'x', rules, staged))).toMatch(/at most 3 files/);
    expect(checkWrite('api/b.js', 'x', rules, staged).ok).toBe(true);
    expect(checkWrite('./api//b.js', 'x', rules, staged).ok).toBe(true); // normalised first
  });

  it('has a per-agent default of 1 MiB when the rules name none', () => {
    expect(MAX_AGENT_BYTES).toBe(1024 * 1024);
    const loose: WriteRules = {
      allowed: ['api/**'],
      protectedPaths: [],
      maxFileBytes: 1_000_000,
      maxFiles: 100,
    };
    const staged = [{ path: 'api/big.bin', bytes: MAX_AGENT_BYTES - 10 }];
    expect(checkWrite('api/x', 'x'.repeat(10), loose, staged).ok).toBe(true);
    expect(refusal(checkWrite('api/x', 'x'.repeat(11), loose, staged))).toMatch(/over the 1048576/);
  });

  it('protected paths ignore case; CI workflows are refused under any spelling', () => {
    for (const p of [
      '.github/workflows/pwn.yml',
      '.GitHub/Workflows/pwn.yml',
      '.GITHUB/WORKFLOWS/x/y.yaml',
      './.github//workflows/pwn.yml',
      '.github/workflows',
      'api/Secrets/key.txt',
    ]) {
      expect(refusal(checkWrite(p, 'x', rules, []))).toMatch(/protected/);
    }
    expect(refusal(checkWrite('.github/ISSUE_TEMPLATE/bug.md', 'x', rules, []))).toMatch(
      /protected/,
    ); // all of .github/ (issue 16)
  });

  it('plain path strings (no sizes) still count files', () => {
    expect(refusal(checkWrite('api/d.js', 'x', rules, ['api/a', 'api/b', 'api/c']))).toMatch(
      /at most 3/,
    );
  });
});
