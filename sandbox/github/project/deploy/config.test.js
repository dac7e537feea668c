import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from './config.js';

test('the port and host come from the environment, with defaults', () => {
  assert.deepEqual(loadConfig({}), { port: 8080, host: '0.0.0.0' });
  assert.deepEqual(loadConfig({ PORT: '3000', HOST: '127.0.0.1' }), {
    port: 3000,
    host: '127.0.0.1',
  });
});

test('a bad port is refused', () => {
  assert.throws(() => loadConfig({ PORT: 'http' }), /PORT must be a port number/);
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be a port number/);
});
