import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, renderIndex } from './render.js';

test('values are escaped', () => {
  assert.equal(escapeHtml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
});

test('the index lists posts or says there are none', () => {
  assert.match(renderIndex([]), /No posts yet/);
  assert.match(renderIndex([{ title: '<b>', body: '', video: 'https://v' }]), /&lt;b&gt;.*Watch/);
});
