import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { createHandler } from './app.js';
import { Store } from '../db/index.js';

let server;
let base;
before(async () => {
  server = createServer(createHandler(new Store()));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((r) => server.close(r)));

test('POST then GET a post', async () => {
  const made = await fetch(`${base}/api/posts`, {
    method: 'POST',
    body: JSON.stringify({ title: 'Hi' }),
  });
  assert.equal(made.status, 201);
  const { id } = await made.json();
  const got = await fetch(`${base}/api/posts/${id}`);
  assert.equal((await got.json()).title, 'Hi');
  assert.equal((await fetch(`${base}/api/posts/999`)).status, 404);
});

test('a bad post is a 422 with the errors', async () => {
  const res = await fetch(`${base}/api/posts`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 422);
  assert.deepEqual((await res.json()).errors, ['title is required']);
});
