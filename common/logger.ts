/**
 * Structured logs: one pino logger per process, JSON lines by default, human
 * readable through pino-pretty (`LOG_FORMAT=pretty`, what `npm start` uses).
 * The Temporal SDK's logger (worker, Core, workflow `log` through the SDK's
 * logger sink, activity `log`) is routed here by {@link TemporalPinoLogger},
 * which adds the agent type to every line that has a workflow id. Secrets are
 * redacted by key wherever they appear (up to four levels deep).
 */
import { pino } from 'pino';
import type { DestinationStream, Level, Logger as Pino } from 'pino';
import { createRequire } from 'node:module';
import type { PrettyOptions } from 'pino-pretty';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { agentOfWorkflowId } from './metrics-labels.js';
import { defaultLogLevel } from './profiles.js';

export type LogFormat = 'json' | 'pretty';

/** Keys whose values never reach a log line. */
export const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'x-api-key',
  'x-hub-signature-256',
  'token',
  'apiKey',
  'api_key',
  'secret',
  'password',
  'privateKey',
  'private_key',
  'GITHUB_TOKEN',
  'GITHUB_DEMO_TOKEN',
  'ANTHROPIC_API_KEY',
  'GITHUB_WEBHOOK_SECRET',
  'BLOGTUBE_CODEC_KEYS',
  'CODEC_SERVER_TOKEN',
] as const;

function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
}

/** pino `redact` paths: each secret key at the top level and up to three objects deep. */
export function redactPaths(keys: readonly string[] = SECRET_KEYS): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const k = keyPath(key);
    out.push(k.startsWith('.') ? k.slice(1) : k, `*${k}`, `*.*${k}`, `*.*.*${k}`);
  }
  return out;
}

export interface LoggerOptions {
  /** `name` on every line: the process (`bridge`, `orchestrator`, `model`). */
  name: string;
  level?: string;
  format?: LogFormat;
  /** Where lines go (default: stdout). */
  destination?: DestinationStream;
}

/**
 * The log level and format from `LOG_LEVEL` / `LOG_FORMAT` (pretty by default
 * on a terminal); without `LOG_LEVEL`, the environment profile's level.
 */
export function logOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<LoggerOptions, 'level' | 'format'> {
  const level = (env.LOG_LEVEL || defaultLogLevel(env)).toLowerCase();
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    throw new Error(
      `invalid environment: LOG_LEVEL: ${env.LOG_LEVEL} (trace|debug|info|warn|error)`,
    );
  }
  const raw = env.LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : 'json');
  if (raw !== 'json' && raw !== 'pretty') {
    throw new Error(`invalid environment: LOG_FORMAT: ${raw} (json|pretty)`);
  }
  return { level, format: raw };
}

/** pino-pretty's stream, loaded only by a process that logs pretty (JSON logs do not need it). */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (
    options: PrettyOptions,
  ) => DestinationStream;
  return pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
}

export function createLogger(opts: LoggerOptions): Pino {
  const options = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination =
    opts.destination ??
    (opts.format === 'pretty' ? prettyStream() : pino.destination({ sync: true }));
  return pino(options, destination);
}

const LEVELS: Record<LogLevel, Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's `Logger` over pino. Workflow and activity lines carry
 * the SDK's context (workflowId, runId, activityType, attempt…) and `agent`;
 * an activity's `workflowRunId` is renamed `runId`, its `taskToken` dropped.
 */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(readonly pino: Pino) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields: Record<string, unknown> = {};
    if (meta) {
      // Symbol keys (the SDK's timestamp) do not serialize; bigints do not either.
      for (const [k, v] of Object.entries(meta)) {
        fields[k] = typeof v === 'bigint' ? v.toString() : v;
      }
    }
    // One name for the run id on every line; an activity's task token is a credential of sorts.
    if (fields.runId === undefined && fields.workflowRunId !== undefined) {
      fields.runId = fields.workflowRunId;
      delete fields.workflowRunId;
    }
    delete fields.taskToken;
    if (fields.agent === undefined) {
      const agent = agentOfWorkflowId(
        typeof fields.workflowId === 'string' ? fields.workflowId : undefined,
      );
      if (agent) fields.agent = agent;
    }
    this.pino[LEVELS[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The Rust core's log filter for a pino level: its DEBUG lines are the
 * machinery of every workflow task (thousands per run), so `debug` keeps the
 * core at INFO and only `trace` lets them through.
 */
export function coreLogLevel(level: string): LogLevel {
  return level === 'debug' ? 'INFO' : temporalLevel(level);
}

/** Temporal's level name for a pino level (the Core log filter). */
export function temporalLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}
