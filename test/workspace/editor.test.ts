/**
 * The text editor tool and search over a real checkout on disk (real ripgrep):
 * Anthropic's semantics, the path guard on every write, and paths that would
 * leave the checkout refused, symlinks planted in the repository included.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runEditor, replayEdits, type EditorContext } from '../../activities/workspace/editor.js';
import type { RecordedEdit } from '../../activities/workspace/pure/edits.js';
import { searchCheckout } from '../../activities/workspace/search.js';
import { makeTempDir } from '../support/tmp.js';

const temps: { cleanup: () => Promise<void> }[] = [];
let checkout: string;
let outside: string;
let ctx: EditorContext;
const API =
  "export function list(db) {\n  return db.all('posts');\n}\n\nexport function one(db, id) {\n  return db.get('posts', id);\n}\n";

async function fresh(): Promise<void> {
  const t = await makeTempDir('blogtube-editor-');
  temps.push(t);
  checkout = join(t.dir, 'checkout');
  outside = join(t.dir, 'outside');
  await mkdir(join(checkout, 'api/routes'), { recursive: true });
  await mkdir(join(checkout, 'db'), { recursive: true });
  await mkdir(join(checkout, '.git'), { recursive: true });
  await mkdir(join(checkout, '.github/workflows'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(checkout, 'api/routes/posts.js'), API);
  await writeFile(join(checkout, 'db/schema.sql'), 'CREATE TABLE posts (id INTEGER);\n');
  await writeFile(join(checkout, '.git/config'), '[core] secret-in-git\n');
  await writeFile(join(checkout, '.github/blogtube.yml'), 'version: 1\n');
  await writeFile(join(outside, 'secret.txt'), 'OUTSIDE-SECRET\n');
  ctx = {
    checkout,
    rules: {
      allowed: ['api/**'],
      protectedPaths: ['api/vendor/**'],
      maxFileBytes: 100_000,
      maxFiles: 20,
    },
    staged: [],
  };
}

beforeEach(fresh);
afterAll(async () => {
  for (const t of temps) await t.cleanup();
});

const ok = async (input: Parameters<typeof runEditor>[1]) => {
  const r = await runEditor(ctx, input);
  if (!r.ok) throw new Error(r.error);
  return r;
};
const err = async (input: Parameters<typeof runEditor>[1]) => {
  const r = await runEditor(ctx, input);
  if (r.ok) throw new Error(`expected an error, got ${r.output}`);
  return r.error;
};
const file = (p: string) => readFile(join(checkout, p), 'utf8');

describe('view', () => {
  it('shows a file with line numbers, whole or a view_range (-1 to the end)', async () => {
    const all = await ok({ command: 'view', path: 'api/routes/posts.js' });
    expect(all.output.split('\n')[0]).toBe('     1\texport function list(db) {');
    expect(all.output.split('\n')).toHaveLength(7);
    const part = await ok({
      command: 'view',
      path: '/workspace/api/routes/posts.js',
      view_range: [5, -1],
    });
    expect(part.output.split('\n')[0]).toBe('     5\texport function one(db, id) {');
    expect(part.output.split('\n')).toHaveLength(3);
    expect(
      await err({ command: 'view', path: 'api/routes/posts.js', view_range: [9, 12] }),
    ).toMatch(/out of range/);
  });

  it('lists a directory two levels deep without hidden entries or .git', async () => {
    await mkdir(join(checkout, 'api/routes/deep/deeper'), { recursive: true });
    const r = await ok({ command: 'view', path: '.' });
    const lines = r.output.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining(['./', 'api/', 'api/routes/', 'db/', 'db/schema.sql']),
    );
    expect(r.output).not.toMatch(/\.git|deep\//);
  });

  it('may read anything in the checkout but .git', async () => {
    expect((await ok({ command: 'view', path: 'db/schema.sql' })).output).toContain('CREATE TABLE');
    expect((await ok({ command: 'view', path: '.github/blogtube.yml' })).output).toContain(
      'version',
    );
    expect(await err({ command: 'view', path: '.git/config' })).toMatch(/\.git/);
  });
});

describe('str_replace', () => {
  it('replaces an exact, unique match and records a replayable edit', async () => {
    const r = await ok({
      command: 'str_replace',
      path: 'api/routes/posts.js',
      old_str: "  return db.get('posts', id);",
      new_str: "  return db.get('posts', Number(id));",
    });
    expect(await file('api/routes/posts.js')).toContain('Number(id)');
    expect(r.edit?.op).toEqual({
      command: 'str_replace',
      path: 'api/routes/posts.js',
      old_str: "  return db.get('posts', id);",
      new_str: "  return db.get('posts', Number(id));",
    });
  });

  it('zero matches: a clear error, nothing written', async () => {
    const e = await err({
      command: 'str_replace',
      path: 'api/routes/posts.js',
      old_str: 'db.drop()',
      new_str: 'x',
    });
    expect(e).toMatch(/did not appear verbatim in api\/routes\/posts\.js/);
    expect(await file('api/routes/posts.js')).toBe(API);
  });

  it('several matches: an error that names the count and the lines', async () => {
    const e = await err({
      command: 'str_replace',
      path: 'api/routes/posts.js',
      old_str: "'posts'",
      new_str: "'articles'",
    });
    expect(e).toMatch(/appears 2 times in api\/routes\/posts\.js, at lines 2, 6/);
    expect(await file('api/routes/posts.js')).toBe(API);
  });
});

describe('insert and create', () => {
  it('inserts after insert_line, with insert_text or the older new_str', async () => {
    await ok({
      command: 'insert',
      path: 'api/routes/posts.js',
      insert_line: 0,
      insert_text: '// posts API',
    });
    await ok({
      command: 'insert',
      path: 'api/routes/posts.js',
      insert_line: 4,
      new_str: '// between\n',
    });
    const lines = (await file('api/routes/posts.js')).split('\n');
    expect(lines[0]).toBe('// posts API');
    expect(lines[4]).toBe('// between');
    expect(lines[5]).toBe('');
    expect(
      await err({
        command: 'insert',
        path: 'api/routes/posts.js',
        insert_line: 99,
        insert_text: 'x',
      }),
    ).toMatch(/out of range/);
  });

  it('creates a file (and its folders) in the agent’s area', async () => {
    const r = await ok({
      command: 'create',
      path: 'api/routes/tags.js',
      file_text: 'export {};\n',
    });
    expect(r.edit?.bytes).toBe(11);
    expect(await file('api/routes/tags.js')).toBe('export {};\n');
  });
});

describe('the guard refuses', () => {
  it('an edit outside the agent’s area, and on a protected path', async () => {
    expect(await err({ command: 'create', path: 'db/x.sql', file_text: 'x' })).toMatch(
      /outside this agent's paths/,
    );
    expect(await err({ command: 'create', path: 'api/vendor/lib.js', file_text: 'x' })).toMatch(
      /protected/,
    );
    expect(
      await err({ command: 'create', path: '.github/workflows/ci.yml', file_text: 'x' }),
    ).toMatch(/protected/);
  });

  it('paths escaping the checkout: "..", absolute, a planted symlink', async () => {
    expect(await err({ command: 'view', path: '../outside/secret.txt' })).toMatch(/"\.\."/);
    expect(await err({ command: 'view', path: join(outside, 'secret.txt') })).toMatch(
      /absolute paths must be inside/,
    );
    expect(await err({ command: 'create', path: '/etc/passwd', file_text: 'x' })).toMatch(
      /absolute/,
    );
    await symlink(outside, join(checkout, 'api/escape'));
    await symlink(join(outside, 'secret.txt'), join(checkout, 'api/secret.txt'));
    expect(await err({ command: 'view', path: 'api/escape/secret.txt' })).toMatch(
      /outside the checkout/,
    );
    expect(await err({ command: 'view', path: 'api/secret.txt' })).toMatch(/outside the checkout/);
    expect(await err({ command: 'create', path: 'api/escape/new.js', file_text: 'x' })).toMatch(
      /outside the checkout/,
    );
    expect(
      await err({
        command: 'str_replace',
        path: 'api/secret.txt',
        old_str: 'OUTSIDE',
        new_str: 'x',
      }),
    ).toMatch(/outside the checkout/);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('OUTSIDE-SECRET\n');
    const s = await searchCheckout(checkout, { pattern: 'OUTSIDE-SECRET' });
    expect(s).toEqual({ ok: true, output: 'No matches.', matches: 0, truncated: false });
    expect(await searchCheckout(checkout, { pattern: 'x', path: 'api/escape' })).toMatchObject({
      ok: false,
    });
  });
});

describe('replayEdits', () => {
  it('rebuilds the workspace from the head plus the recorded edits', async () => {
    const edits: RecordedEdit[] = [];
    const keep = (r: Awaited<ReturnType<typeof ok>>) => r.edit && edits.push(r.edit);
    keep(
      await ok({
        command: 'create',
        path: 'api/routes/tags.js',
        file_text: 'export const tags = [];\n',
      }),
    );
    keep(
      await ok({
        command: 'str_replace',
        path: 'api/routes/posts.js',
        old_str: 'list(db)',
        new_str: 'list(db, tag)',
      }),
    );
    keep(
      await ok({
        command: 'insert',
        path: 'api/routes/tags.js',
        insert_line: 1,
        insert_text: 'export default tags;',
      }),
    );
    const wanted = {
      tags: await file('api/routes/tags.js'),
      posts: await file('api/routes/posts.js'),
    };
    await fresh(); // the branch head again
    await replayEdits(checkout, JSON.parse(JSON.stringify(edits)) as RecordedEdit[]);
    expect({
      tags: await file('api/routes/tags.js'),
      posts: await file('api/routes/posts.js'),
    }).toEqual(wanted);
    await expect(replayEdits(checkout, edits.slice(1, 2))).rejects.toThrow(/did not appear/);
  });
});

describe('search', () => {
  it('finds a regex with file and line, filters by glob, ignores case on request', async () => {
    const r = await searchCheckout(checkout, { pattern: 'db\\.(get|all)' });
    expect(r).toMatchObject({ ok: true, matches: 2 });
    expect(r.ok && r.output).toContain("api/routes/posts.js:2:  return db.all('posts');");
    expect(await searchCheckout(checkout, { pattern: 'posts', glob: '*.sql' })).toMatchObject({
      matches: 1,
    });
    expect(await searchCheckout(checkout, { pattern: 'create table' })).toMatchObject({
      matches: 0,
    });
    expect(
      await searchCheckout(checkout, { pattern: 'create table', case_insensitive: true }),
    ).toMatchObject({ matches: 1 });
    expect(await searchCheckout(checkout, { pattern: 'secret-in-git' })).toMatchObject({
      matches: 0,
    });
    expect(await searchCheckout(checkout, { pattern: '(' })).toMatchObject({ ok: false });
  });

  it('bounds its output and says it was cut', async () => {
    await writeFile(join(checkout, 'api/big.txt'), 'needle line\n'.repeat(50_000));
    const r = await searchCheckout(checkout, { pattern: 'needle' }, { maxBytes: 2000 });
    expect(r.ok && r.truncated).toBe(true);
    expect(r.ok && r.output).toMatch(/search output cut at 2000 bytes/);
    expect(r.ok && r.output.length).toBeLessThan(2200);
  });
});
