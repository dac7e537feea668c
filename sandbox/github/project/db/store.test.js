import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from './store.js';
import { createPost, listPosts, validatePost } from './posts.js';

test('the store inserts, reads, updates and removes rows', () => {
  const s = new Store();
  const a = s.insert('posts', { title: 'a' });
  assert.equal(a.id, 1);
  assert.deepEqual(s.get('posts', '1'), { title: 'a', id: 1 });
  assert.equal(s.update('posts', 1, { title: 'b', id: 9 }).id, 1);
  assert.equal(s.get('posts', 1).title, 'b');
  assert.equal(s.remove('posts', 1), true);
  assert.equal(s.get('posts', 1), undefined);
});

test('posts are validated and listed newest first', () => {
  const s = new Store();
  assert.deepEqual(validatePost({}), ['title is required']);
  assert.deepEqual(createPost(s, { title: 'x', video: 'http://a' }).errors, [
    'video must be an https URL',
  ]);
  createPost(s, { title: ' first ' });
  createPost(s, { title: 'second', video: 'https://v.example/1' });
  assert.deepEqual(
    listPosts(s).map((p) => p.title),
    ['second', 'first'],
  );
});
