import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

const dir = new URL('./', import.meta.url);

test('every relative link in the docs points to a file that exists', () => {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(new URL(name, dir), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)) {
      assert.ok(existsSync(new URL(target, dir)), `${name} links to missing ${target}`);
    }
  }
});

test('every document starts with a title', () => {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.md'))) {
    assert.match(readFileSync(new URL(name, dir), 'utf8'), /^# \S/, name);
  }
});
