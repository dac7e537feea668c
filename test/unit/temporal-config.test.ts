import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadSettings } from '../../common/env.js';
import { temporalTarget } from '../../common/temporal-config.js';

const dir = mkdtempSync(join(tmpdir(), 'blogtube-temporal-'));
const noFile = { HOME: dir, XDG_CONFIG_HOME: dir };
const target = (env: NodeJS.ProcessEnv) => temporalTarget(loadSettings(env), env);

describe("Temporal's environment configuration", () => {
  it('defaults to the local dev server; TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE keep working', () => {
    expect(target(noFile)).toEqual({
      connectionOptions: { address: '127.0.0.1:7233' },
      namespace: 'default',
    });
    const t = target({ ...noFile, TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'ns' });
    expect([t.connectionOptions.address, t.namespace, t.connectionOptions.tls]).toEqual([
      'temporal:7233',
      'ns',
      undefined,
    ]);
  });

  it('Temporal Cloud: an API key (from a file too) turns TLS on; empty variables mean unset', () => {
    const keyFile = join(dir, 'api-key');
    writeFileSync(keyFile, 'cloud-api-key\n');
    const t = target({
      ...noFile,
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY_FILE: keyFile,
      TEMPORAL_TLS: '', // compose's `${TEMPORAL_TLS:-}`
    });
    expect(t.connectionOptions).toMatchObject({ apiKey: 'cloud-api-key', tls: true });
    expect(t.namespace).toBe('ns.acct');
  });

  it('reads a profile from TEMPORAL_CONFIG_FILE; variables win over the file', () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(
      file,
      ['[profile.cloud]', 'address = "p.tmprl.cloud:7233"', 'namespace = "p.ns"', ''].join('\n'),
    );
    const env = { ...noFile, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' };
    expect(target(env)).toMatchObject({
      connectionOptions: { address: 'p.tmprl.cloud:7233' },
      namespace: 'p.ns',
    });
    expect(target({ ...env, TEMPORAL_NAMESPACE: 'override' }).namespace).toBe('override');
    expect(() => target({ ...env, TEMPORAL_PROFILE: 'nope' })).toThrow(/Profile 'nope' not found/);
  });
});
