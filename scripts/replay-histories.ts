/**
 * What the replay-history recorder (`scripts/record-replay-histories.ts`) and
 * the replay test (`test/replay/replay.test.ts`) share: where the histories
 * live, how one is stored, and the codec key their payloads are sealed with.
 *
 * The histories are recorded with encryption on, as production runs, so that
 * replaying them also proves the codec still opens old payloads. They are
 * sealed with a FIXED key that is committed here on purpose.
 *
 * TEST-ONLY KEY. It protects nothing: it exists so that committed histories of
 * simulated runs can be decoded in CI. Never put it in any deployment's
 * `BLOGTUBE_CODEC_KEYS`; a real deployment makes its own
 * (`openssl rand -base64 32`).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createDataConverter, KEYS_VAR } from '../common/codec.js';

export type History = proto.temporal.api.history.v1.IHistory;

/** The recorded scenarios; each has `<name>-issue.json` and at least one `<name>-agent-<type>.json`. */
export const REPLAY_SCENARIOS = [
  'happy-path',
  'failed-agent',
  'plan-approval',
  'question-run',
  'cancelled',
  'workspace-agents',
  'fix-round',
] as const;
export type ReplayScenario = (typeof REPLAY_SCENARIOS)[number];

/** Key id of the test-only replay key (visible in every recorded payload's metadata). */
export const REPLAY_TEST_ONLY_KEY_ID = 'replay-test-only';
/** `id:base64key` — the TEST-ONLY key the committed histories are sealed with. */
export const REPLAY_TEST_ONLY_CODEC_KEYS = `${REPLAY_TEST_ONLY_KEY_ID}:dCk/3ypCkh5QItVzHs4SkGihsqxsP0B/wCnqQ6uUtbI=`;

/** The codec environment of recording and replay: the test-only key and nothing else. */
export function replayCodecEnv(): NodeJS.ProcessEnv {
  return { [KEYS_VAR]: REPLAY_TEST_ONLY_CODEC_KEYS };
}

/** The workers' data converter, with the test-only key. */
export function replayDataConverter(): DataConverter {
  return createDataConverter(replayCodecEnv());
}

/**
 * One committed history file: Temporal's JSON history (`{"events": [...]}`,
 * as `temporal workflow show --output json` writes it) plus the workflow id,
 * which a history does not contain and replay should see as it was.
 */
export interface RecordedHistory {
  workflowId: string;
  events: unknown[];
}

/** `test/replay` of this checkout, from `scripts/` or `dist/scripts/`. */
export function replayDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'test', 'replay');
    const up = dirname(dir);
    if (up === dir) throw new Error('no package.json above scripts/: cannot find test/replay');
    dir = up;
  }
}

/** `<scenario>-issue.json` or `<scenario>-agent-<type>.json`. */
export function historyFileName(
  scenario: ReplayScenario,
  workflow: 'issue' | `agent-${string}`,
): string {
  return `${scenario}-${workflow}.json`;
}

export interface LoadedHistory {
  file: string;
  workflowId: string;
  history: History;
}

/** Every `*.json` history under `dir`, sorted by file name. */
export async function loadRecordedHistories(dir: string = replayDir()): Promise<LoadedHistory[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const loaded: LoadedHistory[] = [];
  for (const file of files) {
    const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as Partial<RecordedHistory>;
    if (typeof json.workflowId !== 'string' || !Array.isArray(json.events)) {
      throw new Error(`${file}: not a recorded history ({ workflowId, events })`);
    }
    loaded.push({
      file,
      workflowId: json.workflowId,
      history: historyFromJson({ events: json.events }),
    });
  }
  return loaded;
}

/*
 * Proto JSON of histories, the format of `temporal workflow show --output json`
 * and of every SDK's replayer. The SDK's own `historyToJSON`/`historyFromJSON`
 * (`@temporalio/common/lib/proto-utils`) fail in this install with "type must
 * be a Type": @temporalio/common and @temporalio/proto each get a private copy
 * of protobufjs 8 (the top-level one is the 7.x that @grpc/proto-loader needs),
 * and protojson checks `instanceof Type` against its own copy. So the
 * conversion here uses the protobufjs copy that @temporalio/proto itself is
 * built on, and hands history over in binary, which no copy can misread.
 */
interface HistoryType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
}
interface ProtoJson {
  toJson(type: HistoryType, message: unknown): unknown;
  fromJson(type: HistoryType, json: unknown, opts: { ignoreUnknownFields: boolean }): unknown;
}
let protoJson: { codec: ProtoJson; type: HistoryType } | undefined;

function historyProtoJson(): { codec: ProtoJson; type: HistoryType } {
  if (protoJson) return protoJson;
  const require = createRequire(import.meta.url);
  const fromProto = createRequire(require.resolve('@temporalio/proto'));
  const codec = fromProto('protobufjs/ext/protojson') as ProtoJson;
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot<T>(root: T): T & { lookupType(name: string): HistoryType };
  };
  const root = patchProtobufRoot(require('@temporalio/proto') as object);
  protoJson = { codec, type: root.lookupType('temporal.api.history.v1.History') };
  return protoJson;
}

/** A history (e.g. from `handle.fetchHistory()`) as proto JSON: `{ events: [...] }`. */
export function historyToJson(history: History): { events: unknown[] } {
  const { codec, type } = historyProtoJson();
  const bytes = proto.temporal.api.history.v1.History.encode(history).finish();
  return codec.toJson(type, type.decode(bytes)) as { events: unknown[] };
}

/** Proto JSON back to a history the replayer takes. */
export function historyFromJson(json: { events: unknown[] }): History {
  const { codec, type } = historyProtoJson();
  const message = codec.fromJson(type, { events: json.events }, { ignoreUnknownFields: true });
  return proto.temporal.api.history.v1.History.decode(type.encode(message).finish());
}
