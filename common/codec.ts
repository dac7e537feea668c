/**
 * The payload codec every BlogTube process shares: each payload (its metadata
 * and data, serialized as a Temporal `Payload` protobuf) is gzipped when that
 * pays off, then sealed with AES-256-GCM under the newest key of a key ring.
 * The key id travels in the payload's metadata, so older keys keep decrypting
 * after a rotation. Key material never appears in errors, logs or `inspect`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { modeOf } from './mode.js';

const ProtoPayload = proto.temporal.api.common.v1.Payload;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const COMPRESSION_METADATA = 'encryption-compression';
export const KEYS_VAR = 'BLOGTUBE_CODEC_KEYS';
export const KEYS_FILE_VAR = 'BLOGTUBE_CODEC_KEYS_FILE';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_PREFIX = 'blogtube-codec/v1';
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;
/** A decompressed payload larger than this is refused (Temporal's own limit is far lower). */
const MAX_PLAIN_BYTES = 64 * 1024 * 1024;

type Compression = 'gzip' | 'none';

/** Key ids are public (they sit in payload metadata); the keys are secret. */
export interface KeyRing {
  /** The id of the key that encrypts new payloads. */
  current: string;
  /** Every key that may still decrypt, by id; each 32 bytes (AES-256). */
  keys: Map<string, Buffer>;
}

export interface CodecOptions {
  /** Serialized payloads larger than this (bytes) are gzipped when that makes them smaller. */
  compressAbove?: number;
  /**
   * Refuse to decode a payload that is not encrypted with a known key (live
   * mode's workers and clients): whoever reaches Temporal without the key can
   * put plain payloads into a run's history (a signal, an update, a start),
   * and those must never be read as a maintainer's decision. The workflow
   * task that meets one fails, and the run does not act on it.
   */
  requireEncryption?: boolean;
}

/** A payload the codec cannot decode; the message names key ids, never keys. */
export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';
}

export class EncryptionCodec implements PayloadCodec {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: string;
  readonly #currentKey: Buffer;
  readonly #compressAbove: number;
  readonly #requireEncryption: boolean;

  constructor(ring: KeyRing, opts: CodecOptions = {}) {
    for (const [id, key] of ring.keys) {
      if (!KEY_ID.test(id)) throw new Error(`invalid encryption key id ${JSON.stringify(id)}`);
      if (key.length !== KEY_BYTES)
        throw new Error(
          `encryption key "${id}" is ${key.length} bytes, AES-256 needs ${KEY_BYTES}`,
        );
    }
    const currentKey = ring.keys.get(ring.current);
    if (!currentKey)
      throw new Error(`the current encryption key id "${ring.current}" is not in the key ring`);
    this.#keys = new Map(ring.keys);
    this.#current = ring.current;
    this.#currentKey = currentKey;
    this.#compressAbove = opts.compressAbove ?? 1024;
    this.#requireEncryption = opts.requireEncryption ?? false;
  }

  /** The id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.#current;
  }

  /** Every id this codec can decrypt. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.#seal(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.#open(p));
  }

  #seal(payload: Payload): Payload {
    const plain = ProtoPayload.encode({ metadata: payload.metadata, data: payload.data }).finish();
    let body: Uint8Array = plain;
    let compression: Compression = 'none';
    if (plain.length > this.#compressAbove) {
      const gz = gzipSync(plain);
      if (gz.length < plain.length) {
        body = gz;
        compression = 'gzip';
      }
    }
    const keyId = this.#current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#currentKey, iv);
    cipher.setAAD(aad(keyId, compression));
    const sealed = Buffer.concat([iv, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8(keyId),
        [COMPRESSION_METADATA]: utf8(compression),
      },
      data: sealed,
    };
  }

  #open(payload: Payload): Payload {
    const meta = payload.metadata ?? {};
    if (text(meta[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) {
      if (!this.#requireEncryption) return payload;
      throw new PayloadCodecError(
        'payload is not encrypted with a BlogTube codec key: refused (live mode reads only encrypted payloads)',
      );
    }
    const keyId = text(meta[KEY_ID_METADATA]);
    if (!keyId) throw new PayloadCodecError(`encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.#keys.get(keyId);
    if (!key)
      throw new PayloadCodecError(
        `unknown encryption key id "${keyId}" (this codec has: ${this.keyIds.join(', ')})`,
      );
    const compression = text(meta[COMPRESSION_METADATA]) ?? 'none';
    if (compression !== 'gzip' && compression !== 'none')
      throw new PayloadCodecError(`unknown ${COMPRESSION_METADATA} "${compression}"`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadCodecError(`encrypted payload is truncated (${data.length} bytes)`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(aad(keyId, compression));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let body: Buffer;
    try {
      body = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadCodecError(
        `encrypted payload failed authentication with key id "${keyId}": it was tampered with or sealed with another key`,
      );
    }
    try {
      const plain =
        compression === 'gzip' ? gunzipSync(body, { maxOutputLength: MAX_PLAIN_BYTES }) : body;
      const inner = ProtoPayload.decode(plain);
      return { metadata: inner.metadata, data: inner.data };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new PayloadCodecError(
        `decrypted payload with key id "${keyId}" is malformed: ${reason}`,
        {
          cause: err,
        },
      );
    }
  }

  /** `console.log(codec)` shows key ids, never keys. */
  [inspect.custom](): string {
    return `EncryptionCodec { current: "${this.#current}", keyIds: [${this.keyIds.join(', ')}] }`;
  }

  toJSON(): { current: string; keyIds: string[] } {
    return { current: this.#current, keyIds: this.keyIds };
  }
}

/** The key id and the compression flag are authenticated with the ciphertext. */
function aad(keyId: string, compression: Compression): Buffer {
  return Buffer.from(`${AAD_PREFIX}|${keyId}|${compression}`, 'utf8');
}

function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

function text(b: Uint8Array | null | undefined): string | undefined {
  return b ? Buffer.from(b).toString('utf8') : undefined;
}

/**
 * The key ring from `BLOGTUBE_CODEC_KEYS` (or the file named by
 * `BLOGTUBE_CODEC_KEYS_FILE`): `id:base64key` entries separated by commas or
 * newlines, the first one current. Undefined when neither is set (no
 * encryption). Errors name the variable and the entry, never the key.
 * Make a key with `openssl rand -base64 32`.
 */
export function loadKeyRing(env: NodeJS.ProcessEnv = process.env): KeyRing | undefined {
  let source = KEYS_VAR;
  let spec = env[KEYS_VAR]?.trim();
  if (!spec) {
    const file = env[KEYS_FILE_VAR]?.trim();
    if (!file) return undefined;
    source = `${KEYS_FILE_VAR} (${file})`;
    try {
      spec = readFileSync(file, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new Error(`${source}: cannot read the file (${code})`, { cause: err });
    }
    if (!spec) throw new Error(`${source} is empty`);
  }
  return parseKeyRing(spec, source);
}

export function parseKeyRing(spec: string, source: string = KEYS_VAR): KeyRing {
  const entries = spec
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${source}: no keys (expected id:base64key,...)`);
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const where = `${source}: entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} is not "id:base64key"`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id))
      throw new Error(`${where}: key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    if (keys.has(id)) throw new Error(`${where}: key id "${id}" appears twice`);
    if (!BASE64.test(encoded)) throw new Error(`${where}: key "${id}" is not base64`);
    const key = Buffer.from(
      encoded,
      encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64',
    );
    if (key.length !== KEY_BYTES)
      throw new Error(
        `${where}: key "${id}" is ${key.length} bytes, AES-256 needs ${KEY_BYTES} (make one with: openssl rand -base64 32)`,
      );
    keys.set(id, key);
  });
  const current = entries[0]!.slice(0, entries[0]!.indexOf(':')).trim();
  return { current, keys };
}

/** The codec for this environment, or undefined when no keys are configured. */
export function codecFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  opts: CodecOptions = {},
): EncryptionCodec | undefined {
  const ring = loadKeyRing(env);
  return ring && new EncryptionCodec(ring, opts);
}

/**
 * For `Worker.create` and `new Client`: `{ payloadCodecs: [codec] }`, or `{}`
 * without keys. Failure messages and stack traces are moved into an encoded
 * payload too (`encodeCommonAttributes`), so the codec encrypts them. In live
 * mode, payloads not encrypted with a known key are refused.
 */
export function createDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const codec = codecFromEnv(env, { requireEncryption: modeOf(env) === 'live' });
  if (!codec) return {};
  return {
    payloadCodecs: [codec],
    failureConverterPath: failureConverterPath(),
  };
}

/**
 * `common/failure-converter`, compiled or (tests) from source; spelt from the
 * parent folder, so the worker bundles in `dist/workers/` find it too.
 */
function failureConverterPath(): string {
  for (const ext of ['.js', '.ts']) {
    const p = fileURLToPath(new URL(`../common/failure-converter${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('common/failure-converter not found next to common/codec');
}
