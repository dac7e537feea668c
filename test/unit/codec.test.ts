import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import {
  COMPRESSION_METADATA,
  createDataConverter,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  loadKeyRing,
  PayloadCodecError,
} from '../../common/codec.js';
import type { KeyRing } from '../../common/codec.js';
import { loadCodecServerSettings } from '../../common/codec-server.js';
import { makeTempDir } from '../support/tmp.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ring = (current: string, ...ids: string[]): KeyRing => ({
  current,
  keys: new Map(ids.map((id) => [id, id === 'a' ? keyA : keyB])),
});
const codecA = new EncryptionCodec(ring('a', 'a'));

const toPayload = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const meta = (p: Payload, key: string): string | undefined => {
  const v = p.metadata?.[key];
  return v ? Buffer.from(v).toString('utf8') : undefined;
};
/** Payloads compared by content (Buffer vs Uint8Array, absent vs empty). */
const norm = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('hex')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('hex'),
});
const one = async (codec: EncryptionCodec, p: Payload): Promise<Payload> => {
  const [out] = await codec.encode([p]);
  return out!;
};
const open = async (codec: EncryptionCodec, p: Payload): Promise<Payload> => {
  const [out] = await codec.decode([p]);
  return out!;
};
const withData = (p: Payload, edit: (b: Buffer) => void): Payload => {
  const data = Buffer.from(p.data!);
  edit(data);
  return { metadata: p.metadata, data };
};
const withMeta = (p: Payload, key: string, value: string): Payload => ({
  metadata: { ...p.metadata, [key]: Buffer.from(value) },
  data: p.data,
});

describe('EncryptionCodec round trips', () => {
  const values: Array<[string, unknown]> = [
    ['a small object', { issue: 7, title: 'Fix the login form' }],
    ['a large compressible string', 'The quick brown fox. '.repeat(2000)],
    ['the seed’s lossy case xabab', 'xabab'],
    ['repetitions', ['ababab', 'xababab', 'aaaa', 'xabab'.repeat(600), 'ab'.repeat(3000)]],
    ['an empty string', ''],
    ['null', null],
    ['unicode', '日本語 · émoji 🚀 · ∑∞ · \u0000 · \uffff · 𝄞'],
    ['random bytes (binary/plain)', new Uint8Array(randomBytes(4096))],
  ];

  it.each(values)('%s', async (_name, value) => {
    const plain = toPayload(value);
    const sealed = await one(codecA, plain);
    expect(meta(sealed, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(sealed, KEY_ID_METADATA)).toBe('a');
    const back = await open(codecA, sealed);
    expect(norm(back)).toEqual(norm(plain));
    expect(fromPayload(back)).toEqual(value);
  });

  it('keeps payloads with empty data and no metadata', async () => {
    const cases: Payload[] = [
      {},
      { metadata: {}, data: new Uint8Array() },
      { metadata: { encoding: Buffer.from('binary/null') } },
    ];
    for (const p of cases) {
      expect(norm(await open(codecA, await one(codecA, p)))).toEqual(norm(p));
    }
  });

  it('keeps every metadata entry of the original payload', async () => {
    const p = toPayload({ x: 1 });
    p.metadata!.messageType = Buffer.from('blogtube.Thing');
    expect(norm(await open(codecA, await one(codecA, p)))).toEqual(norm(p));
  });

  it('handles many payloads in one call, in order', async () => {
    const ps = Array.from({ length: 20 }, (_, i) => toPayload(`item-${i}`.repeat(i * 50)));
    const back = await codecA.decode(await codecA.encode(ps));
    expect(back.map(fromPayload)).toEqual(ps.map(fromPayload));
    expect(await codecA.encode([])).toEqual([]);
  });

  it('uses a fresh IV for every payload: the same input never encrypts the same way twice', async () => {
    const p = toPayload('same');
    const [x, y] = await codecA.encode([p, p]);
    expect(Buffer.from(x!.data!).equals(Buffer.from(y!.data!))).toBe(false);
  });

  it('never leaves the plaintext readable', async () => {
    const sealed = await one(codecA, toPayload('top-secret-marker'));
    expect(Buffer.from(sealed.data!).includes('top-secret-marker')).toBe(false);
  });
});

describe('compression', () => {
  it('gzips a large compressible payload before encrypting it', async () => {
    const plain = toPayload('abc'.repeat(10_000));
    const sealed = await one(codecA, plain);
    expect(meta(sealed, COMPRESSION_METADATA)).toBe('gzip');
    expect(sealed.data!.length).toBeLessThan(plain.data!.length / 10);
  });

  it('leaves small payloads uncompressed', async () => {
    expect(meta(await one(codecA, toPayload('ab'.repeat(100))), COMPRESSION_METADATA)).toBe('none');
  });

  it('leaves incompressible payloads uncompressed (gzip would make them larger)', async () => {
    const sealed = await one(codecA, toPayload(new Uint8Array(randomBytes(50_000))));
    expect(meta(sealed, COMPRESSION_METADATA)).toBe('none');
  });

  it('honours a custom threshold', async () => {
    const eager = new EncryptionCodec(ring('a', 'a'), { compressAbove: 10 });
    expect(meta(await one(eager, toPayload('ab'.repeat(100))), COMPRESSION_METADATA)).toBe('gzip');
  });
});

describe('tampering and unknown keys', () => {
  let small: Payload;
  let big: Payload;
  beforeAll(async () => {
    small = await one(codecA, toPayload({ secret: 'value' }));
    big = await one(codecA, toPayload('z'.repeat(5000)));
  });
  const auth = /failed authentication with key id "a": it was tampered with/;

  it.each([
    ['ciphertext', (b: Buffer) => void (b[20] = b[20]! ^ 1)],
    ['IV', (b: Buffer) => void (b[0] = b[0]! ^ 1)],
    ['auth tag', (b: Buffer) => void (b[b.length - 1] = b[b.length - 1]! ^ 0x80)],
  ])('a flipped bit in the %s fails authentication', async (_what, edit) => {
    for (const p of [small, big]) {
      await expect(open(codecA, withData(p, edit))).rejects.toThrow(PayloadCodecError);
      await expect(open(codecA, withData(p, edit))).rejects.toThrow(auth);
    }
  });

  it('a truncated payload is refused', async () => {
    const cut = { metadata: small.metadata, data: small.data!.subarray(0, 20) };
    await expect(open(codecA, cut)).rejects.toThrow(/truncated/);
  });

  it('a changed compression flag fails authentication (it is bound to the ciphertext)', async () => {
    await expect(open(codecA, withMeta(small, COMPRESSION_METADATA, 'gzip'))).rejects.toThrow(auth);
    await expect(open(codecA, withMeta(big, COMPRESSION_METADATA, 'none'))).rejects.toThrow(auth);
    await expect(open(codecA, withMeta(big, COMPRESSION_METADATA, 'zstd'))).rejects.toThrow(
      /unknown encryption-compression "zstd"/,
    );
  });

  it('a key id switched to another known key fails authentication', async () => {
    const both = new EncryptionCodec(ring('a', 'a', 'b'));
    await expect(open(both, withMeta(small, KEY_ID_METADATA, 'b'))).rejects.toThrow(
      /failed authentication with key id "b"/,
    );
  });

  it('an unknown key id is named in the error, the keys never are', async () => {
    const err = await open(codecA, withMeta(small, KEY_ID_METADATA, 'gone')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PayloadCodecError);
    const message = (err as Error).message;
    expect(message).toMatch(/unknown encryption key id "gone"/);
    for (const enc of ['base64', 'hex', 'base64url'] as const)
      expect(message).not.toContain(keyA.toString(enc));
  });

  it('an encrypted payload without a key id is refused', async () => {
    const { [KEY_ID_METADATA]: _drop, ...rest } = small.metadata!;
    await expect(open(codecA, { metadata: rest, data: small.data })).rejects.toThrow(
      /no encryption-key-id metadata/,
    );
  });
});

describe('key rotation', () => {
  it('the newest key encrypts; older keys still decrypt; a dropped key fails clearly', async () => {
    const onA = await one(codecA, toPayload('written under A'));
    const rotated = new EncryptionCodec(ring('b', 'b', 'a'));
    const onB = await one(rotated, toPayload('written under B'));
    expect(meta(onB, KEY_ID_METADATA)).toBe('b');
    expect(fromPayload(await open(rotated, onA))).toBe('written under A');
    expect(fromPayload(await open(rotated, onB))).toBe('written under B');
    // A codec that still has A (a worker not yet rotated) cannot read B's payloads.
    await expect(open(codecA, onB)).rejects.toThrow(/unknown encryption key id "b"/);

    const onlyB = new EncryptionCodec(ring('b', 'b'));
    expect(fromPayload(await open(onlyB, onB))).toBe('written under B');
    await expect(open(onlyB, onA)).rejects.toThrow(
      /unknown encryption key id "a" \(this codec has: b\)/,
    );
  });
});

describe('passthrough', () => {
  it('payloads without the encrypted encoding decode unchanged (histories from before encryption)', async () => {
    const plain = [
      toPayload({ old: true }),
      toPayload(null),
      {},
      { metadata: { encoding: Buffer.from('binary/encrypted-ish') } },
    ];
    const back = await codecA.decode(plain);
    back.forEach((p, i) => expect(p).toBe(plain[i]));
  });
});

describe('construction', () => {
  it('refuses a key that is not 32 bytes and a current id missing from the ring', () => {
    expect(
      () => new EncryptionCodec({ current: 'k', keys: new Map([['k', randomBytes(16)]]) }),
    ).toThrow(/"k" is 16 bytes, AES-256 needs 32/);
    expect(() => new EncryptionCodec({ current: 'x', keys: new Map([['k', keyA]]) })).toThrow(
      /current encryption key id "x" is not in the key ring/,
    );
  });

  it('inspect and JSON show key ids, never keys', () => {
    const codec = new EncryptionCodec(ring('b', 'b', 'a'));
    const shown = `${inspect(codec, { showHidden: true, depth: 5 })} ${JSON.stringify(codec)}`;
    expect(shown).toContain('"b"');
    for (const key of [keyA, keyB])
      for (const enc of ['base64', 'hex'] as const) expect(shown).not.toContain(key.toString(enc));
  });
});

describe('loadKeyRing', () => {
  const b64A = keyA.toString('base64');
  const b64B = keyB.toString('base64');
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterAll(async () => {
    await cleanup();
  });

  it('is undefined when no keys are configured (encryption off)', () => {
    expect(loadKeyRing({})).toBeUndefined();
    expect(loadKeyRing({ BLOGTUBE_CODEC_KEYS: '  ' })).toBeUndefined();
    expect(createDataConverter({})).toEqual({});
  });

  it('reads id:base64key entries, the first one current', () => {
    const r = loadKeyRing({ BLOGTUBE_CODEC_KEYS: ` k2:${b64B} , k1:${b64A}` })!;
    expect(r.current).toBe('k2');
    expect([...r.keys.keys()]).toEqual(['k2', 'k1']);
    expect(r.keys.get('k1')!.equals(keyA)).toBe(true);
    expect(
      loadKeyRing({ BLOGTUBE_CODEC_KEYS: `u:${keyA.toString('base64url')}` })!
        .keys.get('u')!
        .equals(keyA),
    ).toBe(true);
  });

  it('reads a file (one entry per line or comma-separated), the variable winning over the file', async () => {
    const file = join(dir, 'keys');
    await writeFile(file, `k2:${b64B}\nk1:${b64A}\n`);
    const r = loadKeyRing({ BLOGTUBE_CODEC_KEYS_FILE: file })!;
    expect(r.current).toBe('k2');
    expect(r.keys.size).toBe(2);
    expect(
      loadKeyRing({ BLOGTUBE_CODEC_KEYS: `v:${b64A}`, BLOGTUBE_CODEC_KEYS_FILE: file })!.current,
    ).toBe('v');
  });

  it('file errors name the variable', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    expect(() => loadKeyRing({ BLOGTUBE_CODEC_KEYS_FILE: empty })).toThrow(
      /BLOGTUBE_CODEC_KEYS_FILE .* is empty/,
    );
    expect(() => loadKeyRing({ BLOGTUBE_CODEC_KEYS_FILE: join(dir, 'missing') })).toThrow(
      /BLOGTUBE_CODEC_KEYS_FILE .*cannot read the file \(ENOENT\)/,
    );
  });

  it.each([
    ['a missing colon', `k1:${b64A},${b64B}`, /BLOGTUBE_CODEC_KEYS: entry 2 is not "id:base64key"/],
    [
      'a short key',
      `k1:${b64A},k2:${randomBytes(16).toString('base64')}`,
      /entry 2: key "k2" is 16 bytes, AES-256 needs 32/,
    ],
    ['a long key', `k1:${randomBytes(33).toString('base64')}`, /entry 1: key "k1" is 33 bytes/],
    ['a key that is not base64', 'k1:not base64!!', /entry 1: key "k1" is not base64/],
    ['an empty key', 'k1:', /entry 1: key "k1" is not base64/],
    ['a bad id', `k 1:${b64A}`, /entry 1: key id must be/],
    ['an empty id', `:${b64A}`, /entry 1: key id must be/],
    ['a duplicate id', `k1:${b64A},k1:${b64B}`, /entry 2: key id "k1" appears twice/],
  ])('rejects %s with an error naming the variable and not the key', (_what, spec, pattern) => {
    let message = '';
    try {
      loadKeyRing({ BLOGTUBE_CODEC_KEYS: spec });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(pattern);
    expect(message).toContain('BLOGTUBE_CODEC_KEYS');
    expect(message).not.toContain(b64A);
    expect(message).not.toContain(b64B);
  });

  it('createDataConverter gives the workers and clients one codec', async () => {
    const dc = createDataConverter({ BLOGTUBE_CODEC_KEYS: `k1:${b64A}` });
    expect(dc.payloadCodecs).toHaveLength(1);
    const codec = dc.payloadCodecs![0] as EncryptionCodec;
    expect(codec).toBeInstanceOf(EncryptionCodec);
    expect(codec.currentKeyId).toBe('k1');
    const [sealed] = await codec.encode([toPayload('x')]);
    const same = new EncryptionCodec({ current: 'k1', keys: new Map([['k1', keyA]]) });
    expect(fromPayload(await open(same, sealed!))).toBe('x');
  });
});

describe('loadCodecServerSettings', () => {
  it('has loopback defaults and allows the loopback UI under both names', () => {
    expect(loadCodecServerSettings({})).toEqual({
      port: 8888,
      host: '127.0.0.1',
      uiOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
    });
  });

  it('reads port, host, UI origin (path dropped) and token', () => {
    expect(
      loadCodecServerSettings({
        CODEC_SERVER_PORT: '9999',
        CODEC_SERVER_HOST: '0.0.0.0',
        TEMPORAL_UI_URL: 'https://temporal.example.com/ui/',
        CODEC_SERVER_TOKEN: ' t0k ',
      }),
    ).toEqual({
      port: 9999,
      host: '0.0.0.0',
      uiOrigins: ['https://temporal.example.com'],
      token: 't0k',
    });
    expect(() => loadCodecServerSettings({ CODEC_SERVER_PORT: 'x' })).toThrow(/CODEC_SERVER_PORT/);
  });
});
