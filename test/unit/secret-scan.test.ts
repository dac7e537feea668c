/**
 * The secret scanner can fail: a secret planted in an encrypted payload, a
 * compressed one, a plain one, a failure message or a log line is found; a
 * clean history passes; without the codec key the encrypted plaintext is not
 * readable (which is why the scan decrypts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec } from '../../common/codec.js';
import {
  codecsFor,
  findSecrets,
  readRecordedSecrets,
  scanHistory,
} from '../support/secret-scan.js';
import type { Secret } from '../support/secret-scan.js';

const SECRET: Secret = {
  name: 'planted token',
  value: `planted-${randomBytes(8).toString('hex')}`,
};
const keyB64 = randomBytes(32).toString('base64');
const spec = `test:${keyB64}`;
const codec = new EncryptionCodec({
  current: 'test',
  keys: new Map([['test', Buffer.from(keyB64, 'base64')]]),
});

async function sealed(value: unknown): Promise<Payload> {
  const [p] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return p!;
}

function history(...payloads: Payload[]) {
  return {
    events: payloads.map((p, i) => ({
      eventId: i + 1,
      activityTaskScheduledEventAttributes: { input: { payloads: [p] } },
    })),
  };
}

describe('secret scan', () => {
  it('finds a secret inside an encrypted payload, by decrypting it', async () => {
    const h = history(await sealed({ issue: 1, note: `token ${SECRET.value}` }));
    const scan = await scanHistory(h, 'wf', [SECRET], codecsFor([spec]));
    expect(scan.decrypted).toBe(1);
    expect(scan.hits).toEqual([
      { secret: 'planted token', where: expect.stringContaining('wf event 1') },
    ]);
  });

  it('finds it inside a gzip-compressed encrypted payload', async () => {
    const big = `${'lorem ipsum '.repeat(5000)}${SECRET.value}`;
    const p = await sealed(big);
    expect(Buffer.from(p.metadata!['encryption-compression']!).toString()).toBe('gzip');
    const scan = await scanHistory(history(p), 'wf', [SECRET], codecsFor([spec]));
    expect(scan.hits).toHaveLength(1);
  });

  it('without the key the plaintext is not visible: counted as not decryptable, not a pass', async () => {
    const h = history(await sealed(SECRET.value));
    const scan = await scanHistory(h, 'wf', [SECRET], []);
    expect(scan.hits).toEqual([]);
    expect(scan.undecryptable).toEqual({ test: 1 });
    // Another key with the same id is tried and fails the same way.
    const other = await scanHistory(
      h,
      'wf',
      [SECRET],
      codecsFor([`test:${randomBytes(32).toString('base64')}`]),
    );
    expect(other.undecryptable).toEqual({ test: 1 });
  });

  it('finds it in a plain payload and in non-payload fields (a failure message)', async () => {
    const plain = history(defaultPayloadConverter.toPayload({ k: SECRET.value }));
    expect((await scanHistory(plain, 'wf', [SECRET], [])).hits).toContainEqual({
      secret: 'planted token',
      where: 'wf event 1.activityTaskScheduledEventAttributes.input.payloads[0]',
    });
    const failed = {
      events: [
        {
          eventId: 9,
          workflowExecutionFailedEventAttributes: { failure: { message: `boom ${SECRET.value}` } },
        },
      ],
    };
    const scan = await scanHistory(failed, 'wf', [SECRET], []);
    expect(scan.hits).toEqual([{ secret: 'planted token', where: 'wf event 9 (fields)' }]);
  });

  it('passes a clean history', async () => {
    const h = history(await sealed({ issue: 1, title: 'Add playlists' }), await sealed('xabab'));
    const scan = await scanHistory(h, 'wf', [SECRET], codecsFor([spec]));
    expect(scan).toMatchObject({ events: 2, payloads: 2, decrypted: 2, hits: [] });
  });

  it('finds base64, JSON-escaped and URL-encoded forms in text', () => {
    const s: Secret = { name: 'webhook secret', value: 'my "webhook" secret/+=' };
    const forms = [
      s.value,
      JSON.stringify(s.value),
      Buffer.from(s.value).toString('base64'),
      encodeURIComponent(s.value),
    ];
    for (const f of forms) expect(findSecrets(`x ${f} y`, [s], 'log')).toHaveLength(1);
    expect(findSecrets('nothing here', [s], 'log')).toEqual([]);
  });

  it('reads recorded secrets, adding each codec key as a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({ secrets: [SECRET, { name: 'short', value: 'abc' }], codecKeySpecs: [spec] }),
    );
    const { secrets, codecKeySpecs } = readRecordedSecrets(dir);
    expect(codecKeySpecs).toEqual([spec]);
    expect(secrets.map((s) => s.name).sort()).toEqual(['codec key test', 'planted token']);
    expect(secrets.find((s) => s.name === 'codec key test')?.value).toBe(keyB64);
  });
});
