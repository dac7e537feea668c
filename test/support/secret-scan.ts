/**
 * Secrets never leave the worker's memory: the scan that checks it. Test-only.
 *
 * Test stacks record the secrets they run with (sandbox GitHub tokens, the
 * Anthropic key, the webhook secret, their random codec keys) under
 * `artifacts/test-secrets/`, and write their logs under `artifacts/test-logs/`.
 * After the run, global teardown lists every workflow on the dev server,
 * fetches each history, decrypts every payload with the recorded codec keys
 * (otherwise an encrypted history could hide anything) and looks for every
 * secret in the decoded payloads, in the rest of the history and in the logs.
 * Hits name the secret and where it was found, never its value.
 */
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parseKeyRing,
} from '../../common/codec.js';

export interface Secret {
  /** What it is (`GITHUB_TOKEN (bot)`, `codec key test`): shown in reports. */
  name: string;
  value: string;
}

export interface Hit {
  secret: string;
  /** Workflow id / event / field, or log file and line. */
  where: string;
}

/** Jest runs from the checkout (its rootDir); global setup and the workers share the cwd. */
export const ARTIFACTS_DIR = resolve(
  process.env.BLOGTUBE_ARTIFACTS_DIR ?? join(process.cwd(), 'artifacts'),
);
const RUN_VAR = 'BLOGTUBE_TEST_RUN_ID';
const KEEP_RUNS = 5;

/**
 * One folder per Jest run (several engineers may run tests in one checkout at
 * once): `artifacts/test-runs/<run>/{secrets,logs}`. Global setup names the
 * run in the environment its Jest workers inherit.
 */
export function runDir(): string {
  return join(ARTIFACTS_DIR, 'test-runs', process.env[RUN_VAR] ?? `adhoc-${process.pid}`);
}
export const secretsDir = (): string => join(runDir(), 'secrets');
export const logsDir = (): string => join(runDir(), 'logs');

/** Global setup: a fresh run folder; finished runs beyond the last few are removed. */
export function prepareTestArtifacts(): void {
  process.env[RUN_VAR] = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  mkdirSync(secretsDir(), { recursive: true, mode: 0o700 });
  mkdirSync(logsDir(), { recursive: true });
  const runs = join(ARTIFACTS_DIR, 'test-runs');
  const finished = readdirSync(runs)
    .filter((d) => existsSync(join(runs, d, 'secret-scan.json')))
    .sort();
  for (const d of finished.slice(0, Math.max(0, finished.length - KEEP_RUNS))) {
    rmSync(join(runs, d), { recursive: true, force: true });
  }
}

/** A test stack records the secrets it runs with (test-only; removed after the scan). */
export function recordTestSecrets(secrets: Secret[], codecKeySpecs: string[] = []): void {
  mkdirSync(secretsDir(), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(secretsDir(), `${process.pid}-${randomUUID()}.json`),
    JSON.stringify({ secrets, codecKeySpecs }),
    { mode: 0o600 },
  );
}

export function readRecordedSecrets(dir: string = secretsDir()): {
  secrets: Secret[];
  codecKeySpecs: string[];
} {
  const secrets = new Map<string, Secret>();
  const specs = new Set<string>();
  if (!existsSync(dir)) return { secrets: [], codecKeySpecs: [] };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      secrets: Secret[];
      codecKeySpecs: string[];
    };
    for (const s of doc.secrets) if (s.value.length >= 6) secrets.set(s.value, s);
    for (const spec of doc.codecKeySpecs) specs.add(spec);
  }
  // The codec keys are secrets too (their base64 text, as configured).
  for (const spec of specs) {
    for (const [id, key] of parseKeyRing(spec, 'recorded codec keys').keys) {
      const value = key.toString('base64');
      secrets.set(value, { name: `codec key ${id}`, value });
    }
  }
  return { secrets: [...secrets.values()], codecKeySpecs: [...specs] };
}

/** The log file this process appends to (one per Jest worker). */
export function testLogFile(): string {
  return join(logsDir(), `jest-worker-${process.pid}.log`);
}

export function appendTestLog(source: string, line: string): void {
  try {
    mkdirSync(logsDir(), { recursive: true });
    appendFileSync(testLogFile(), `${new Date().toISOString()} [${source}] ${line}\n`);
  } catch {
    // Logging must never break a test.
  }
}

/** The forms a secret could take in text: as is, JSON-escaped, base64 and URL-encoded. */
function forms(value: string): string[] {
  const out = new Set([
    value,
    JSON.stringify(value).slice(1, -1),
    Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''),
    encodeURIComponent(value),
  ]);
  return [...out].filter((f) => f.length >= 6);
}

/** Every secret found in `text`, once per secret. */
export function findSecrets(text: string, secrets: readonly Secret[], where: string): Hit[] {
  const hits: Hit[] = [];
  for (const s of secrets) {
    if (forms(s.value).some((f) => text.includes(f))) hits.push({ secret: s.name, where });
  }
  return hits;
}

export interface HistoryScan {
  events: number;
  payloads: number;
  /** Encrypted payloads decrypted with a recorded key. */
  decrypted: number;
  /** Encrypted payloads no recorded key opens, by key id (their plaintext was not scanned). */
  undecryptable: Record<string, number>;
  hits: Hit[];
}

type Codec = { id: string; codec: EncryptionCodec };

export function codecsFor(specs: readonly string[]): Codec[] {
  const out: Codec[] = [];
  for (const spec of specs) {
    for (const [id, key] of parseKeyRing(spec, 'recorded codec keys').keys) {
      out.push({ id, codec: new EncryptionCodec({ current: id, keys: new Map([[id, key]]) }) });
    }
  }
  return out;
}

function isPayload(v: unknown): v is Payload {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as { metadata?: unknown; data?: unknown };
  return (
    typeof p.metadata === 'object' &&
    p.metadata !== null &&
    !Array.isArray(p.metadata) &&
    (p.data === undefined || p.data === null || p.data instanceof Uint8Array)
  );
}

const text = (b: Uint8Array | null | undefined): string =>
  b ? Buffer.from(b).toString('utf8') : '';

/**
 * Scan one history (a `temporal.api.history.v1.History` object as
 * `handle.fetchHistory()` returns it): every payload decoded (decrypted when
 * encrypted), and everything else as JSON with bytes shown as text.
 */
export async function scanHistory(
  history: unknown,
  label: string,
  secrets: readonly Secret[],
  codecs: readonly Codec[],
): Promise<HistoryScan> {
  const scan: HistoryScan = { events: 0, payloads: 0, decrypted: 0, undecryptable: {}, hits: [] };
  const events = (history as { events?: unknown[] } | undefined)?.events ?? [];
  scan.events = events.length;
  const add = (found: Hit[]) => {
    for (const h of found) {
      if (!scan.hits.some((x) => x.secret === h.secret && x.where === h.where)) scan.hits.push(h);
    }
  };

  const visitPayload = async (p: Payload, where: string): Promise<void> => {
    scan.payloads++;
    const encoding = text(p.metadata?.encoding);
    if (encoding !== ENCRYPTED_ENCODING) {
      add(findSecrets(text(p.data), secrets, where));
      return;
    }
    const keyId = text(p.metadata?.[KEY_ID_METADATA]);
    for (const c of codecs) {
      if (c.id !== keyId) continue;
      try {
        const [plain] = await c.codec.decode([p]);
        if (!plain) continue;
        scan.decrypted++;
        add(findSecrets(JSON.stringify(metadataText(plain)), secrets, `${where} (metadata)`));
        add(findSecrets(text(plain.data), secrets, where));
        return;
      } catch {
        // Another stack's key with the same id: try the next one.
      }
    }
    scan.undecryptable[keyId || '(none)'] = (scan.undecryptable[keyId || '(none)'] ?? 0) + 1;
  };

  const visit = async (v: unknown, where: string): Promise<void> => {
    if (isPayload(v)) {
      await visitPayload(v, where);
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) await visit(v[i], `${where}[${i}]`);
      return;
    }
    if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
      for (const [k, child] of Object.entries(v)) await visit(child, `${where}.${k}`);
    }
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i] as { eventType?: unknown; eventId?: unknown };
    const where = `${label} event ${String(e.eventId ?? i + 1)}`;
    await visit(e, where);
    add(findSecrets(jsonWithBytesAsText(e), secrets, `${where} (fields)`));
  }
  return scan;
}

function metadataText(p: Payload): Record<string, string> {
  return Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, text(v)]));
}

/** JSON of a proto object, `bytes` fields shown as UTF-8 text rather than base64 or arrays. */
export function jsonWithBytesAsText(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = key === '' ? value : this[key];
    if (raw instanceof Uint8Array) return text(raw);
    if (typeof raw === 'bigint') return raw.toString();
    if (raw !== null && typeof raw === 'object' && 'low' in raw && 'high' in raw) {
      return String((raw as { toString(): string }).toString());
    }
    return value;
  });
}

/**
 * Everything a history holds as text: each payload decoded (decrypted with
 * `codecs`) and the other fields, for tests that check what reached an agent.
 */
export async function historyPlaintext(
  history: unknown,
  codecs: readonly Codec[],
): Promise<string> {
  const out: string[] = [];
  const visit = async (v: unknown): Promise<void> => {
    if (isPayload(v)) {
      let p: Payload = v;
      if (text(p.metadata?.encoding) === ENCRYPTED_ENCODING) {
        const id = text(p.metadata?.[KEY_ID_METADATA]);
        for (const c of codecs.filter((x) => x.id === id)) {
          try {
            p = (await c.codec.decode([v]))[0] ?? v;
            break;
          } catch {
            // next key
          }
        }
      }
      out.push(text(p.data));
      return;
    }
    if (Array.isArray(v)) for (const x of v) await visit(x);
    else if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
      for (const child of Object.values(v)) await visit(child);
    }
  };
  for (const e of (history as { events?: unknown[] } | undefined)?.events ?? []) {
    await visit(e);
    out.push(jsonWithBytesAsText(e));
  }
  return out.join('\n');
}

export interface NamespaceScan {
  workflows: number;
  events: number;
  payloads: number;
  decrypted: number;
  undecryptable: Record<string, number>;
  logFiles: number;
  logBytes: number;
  hits: Hit[];
  /** Workflows whose history could not be fetched (id: reason). */
  unreadable: string[];
}

/** Scan every workflow `query` matches (all of the namespace when undefined) and the log files. */
export async function scanNamespace(opts: {
  client: Client;
  secrets: readonly Secret[];
  codecKeySpecs: readonly string[];
  query?: string;
  /** Scan these workflows (latest runs) instead of a visibility query. */
  workflowIds?: readonly string[];
  logFiles?: readonly string[];
  concurrency?: number;
}): Promise<NamespaceScan> {
  const codecs = codecsFor(opts.codecKeySpecs);
  const total: NamespaceScan = {
    workflows: 0,
    events: 0,
    payloads: 0,
    decrypted: 0,
    undecryptable: {},
    logFiles: 0,
    logBytes: 0,
    hits: [],
    unreadable: [],
  };
  const executions: { workflowId: string; runId?: string }[] = [];
  if (opts.workflowIds) {
    executions.push(...opts.workflowIds.map((workflowId) => ({ workflowId })));
  } else {
    for await (const wf of opts.client.workflow.list(opts.query ? { query: opts.query } : {})) {
      executions.push({ workflowId: wf.workflowId, runId: wf.runId });
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < executions.length) {
      const ex = executions[next++]!;
      try {
        const history = await opts.client.workflow
          .getHandle(ex.workflowId, ex.runId)
          .fetchHistory();
        const s = await scanHistory(history, ex.workflowId, opts.secrets, codecs);
        total.workflows++;
        total.events += s.events;
        total.payloads += s.payloads;
        total.decrypted += s.decrypted;
        for (const [id, n] of Object.entries(s.undecryptable)) {
          total.undecryptable[id] = (total.undecryptable[id] ?? 0) + n;
        }
        total.hits.push(...s.hits);
      } catch (err) {
        total.unreadable.push(`${ex.workflowId}: ${(err as Error).message.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));

  for (const file of opts.logFiles ?? []) {
    const content = readFileSync(file, 'utf8');
    total.logFiles++;
    total.logBytes += statSync(file).size;
    content.split('\n').forEach((line, i) => {
      total.hits.push(...findSecrets(line, opts.secrets, `${file}:${i + 1}`));
    });
  }
  return total;
}

/** Every regular file under `dir` (recursively). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : d.isFile() ? [join(dir, d.name)] : [],
  );
}

/** After the scan the recorded keys go; the logs and the report stay in the run folder. */
export function retireTestSecrets(): void {
  rmSync(secretsDir(), { recursive: true, force: true });
}

export function describeScan(s: NamespaceScan): string {
  const undecryptable = Object.entries(s.undecryptable)
    .map(([id, n]) => `${n} under key id ${id}`)
    .join(', ');
  return (
    `${s.workflows} workflow histories (${s.events} events, ${s.payloads} payloads, ` +
    `${s.decrypted} decrypted${undecryptable ? `; not decryptable: ${undecryptable}` : ''}), ` +
    `${s.logFiles} log files (${s.logBytes} bytes): ${s.hits.length} secret(s) found`
  );
}
