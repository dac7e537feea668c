/**
 * The slice of the Anthropic Messages API the simulator speaks: request and
 * response types, request validation with the real API's wording, error
 * bodies, and id formats.
 */
import { randomBytes } from 'node:crypto';

export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: CacheControl;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | TextBlock[];
  is_error?: boolean;
  cache_control?: CacheControl;
}

export type RequestBlock = TextBlock | ToolUseBlock | ToolResultBlock;

export interface RequestMessage {
  role: 'user' | 'assistant';
  content: RequestBlock[];
}

/** A tool the client defines (`type` absent or `custom`): name, description, JSON schema. */
export interface CustomTool {
  kind: 'custom';
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: CacheControl;
}

/** One of Anthropic's own tools (`text_editor_20250728`, `bash_20250124`, …) and its options. */
export interface BuiltinTool {
  kind: 'builtin';
  type: string;
  name: string;
  /** Its other fields as sent (`max_characters`, `max_uses`, …). */
  options: Record<string, unknown>;
  cache_control?: CacheControl;
}

export type ToolDefinition = CustomTool | BuiltinTool;

/** A validated request, normalised (string contents become text blocks). */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system: TextBlock[];
  messages: RequestMessage[];
  tools: ToolDefinition[];
  stream: boolean;
}

export type OutputBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface MessageResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: OutputBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: Usage;
}

// ---- errors ----

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Invalid request (simulated)',
  401: 'invalid x-api-key',
  403: 'Your API key does not have permission to use the specified resource.',
  404: 'The requested resource could not be found.',
  413: 'Request exceeds the maximum allowed number of bytes.',
  429: 'Number of request tokens has exceeded your per-minute rate limit (simulated).',
  500: 'Internal server error',
  529: 'Overloaded',
};

export function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function defaultErrorMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? `Simulated error ${status}`;
}

/** An error the API answers with: status, Anthropic error type, message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string = defaultErrorMessage(status),
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export function errorBody(status: number, message: string, requestId: string): ErrorBody {
  return { type: 'error', error: { type: errorType(status), message }, request_id: requestId };
}

// ---- ids ----

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `bytes` as base62 characters (one per byte; good enough for ids). */
export function base62(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[(bytes[i % bytes.length] ?? 0) % 62];
  return out;
}

export function newMessageId(): string {
  return `msg_01${base62(randomBytes(22), 22)}`;
}

export function newRequestId(): string {
  return `req_011C${base62(randomBytes(22), 22)}`;
}

// ---- validation ----

export interface ValidateOptions {
  /** count_tokens takes no max_tokens. */
  requireMaxTokens: boolean;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_CACHE_BREAKPOINTS = 4;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(message: string): never {
  throw new ApiError(400, message);
}

function cacheControl(v: unknown, where: string): CacheControl | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || v.type !== 'ephemeral') {
    invalid(`${where}.cache_control.type: Input should be 'ephemeral'`);
  }
  if (v.ttl !== undefined && v.ttl !== '5m' && v.ttl !== '1h') {
    invalid(`${where}.cache_control.ttl: Input should be '5m' or '1h'`);
  }
  return v.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: v.ttl };
}

function withCache<T extends object>(block: T, cc: CacheControl | undefined): T {
  return cc ? { ...block, cache_control: cc } : block;
}

function textBlock(v: Json, where: string): TextBlock {
  if (typeof v.text !== 'string') invalid(`${where}.text: Field required`);
  if (v.text.length === 0) invalid(`${where}.text: text content blocks must be non-empty`);
  return withCache({ type: 'text', text: v.text }, cacheControl(v.cache_control, where));
}

function contentBlock(v: unknown, where: string): RequestBlock {
  if (!isObject(v)) invalid(`${where}: Input should be a valid dictionary`);
  const cc = cacheControl(v.cache_control, where);
  switch (v.type) {
    case 'text':
      return textBlock(v, where);
    case 'tool_use': {
      if (typeof v.id !== 'string' || v.id === '') invalid(`${where}.id: Field required`);
      if (typeof v.name !== 'string' || !TOOL_NAME.test(v.name)) {
        invalid(`${where}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      }
      if (!isObject(v.input)) invalid(`${where}.input: Input should be a valid dictionary`);
      return withCache({ type: 'tool_use', id: v.id, name: v.name, input: v.input }, cc);
    }
    case 'tool_result': {
      if (typeof v.tool_use_id !== 'string' || v.tool_use_id === '') {
        invalid(`${where}.tool_use_id: Field required`);
      }
      let content: string | TextBlock[] = '';
      if (typeof v.content === 'string') content = v.content;
      else if (Array.isArray(v.content)) {
        content = v.content.map((b, i) => {
          if (!isObject(b) || b.type !== 'text') {
            invalid(`${where}.content.${i}: only text blocks are supported in tool results`);
          }
          return textBlock(b, `${where}.content.${i}`);
        });
      } else if (v.content !== undefined) {
        invalid(`${where}.content: Input should be a valid string or list`);
      }
      if (v.is_error !== undefined && typeof v.is_error !== 'boolean') {
        invalid(`${where}.is_error: Input should be a valid boolean`);
      }
      const block: ToolResultBlock = { type: 'tool_result', tool_use_id: v.tool_use_id, content };
      if (v.is_error !== undefined) block.is_error = v.is_error;
      return withCache(block, cc);
    }
    default:
      return invalid(
        `${where}.type: Input tag '${String(v.type)}' found using 'type' does not match any of the ` +
          `expected tags supported by the simulator: 'text', 'tool_use', 'tool_result'`,
      );
  }
}

function messageContent(v: unknown, where: string): RequestBlock[] {
  if (typeof v === 'string') {
    return v.length === 0 ? [] : [{ type: 'text', text: v }];
  }
  if (!Array.isArray(v)) invalid(`${where}.content: Input should be a valid string or list`);
  return v.map((b, i) => contentBlock(b, `${where}.content.${i}`));
}

function parseMessages(v: unknown): RequestMessage[] {
  if (v === undefined) invalid('messages: Field required');
  if (!Array.isArray(v)) invalid('messages: Input should be a valid list');
  if (v.length === 0) invalid('messages: at least one message is required');
  const messages = v.map((m, i): RequestMessage => {
    const where = `messages.${i}`;
    if (!isObject(m)) invalid(`${where}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant') {
      invalid(`${where}.role: Input should be 'user' or 'assistant'`);
    }
    return { role: m.role, content: messageContent(m.content, where) };
  });
  messages.forEach((m, i) => {
    if (i === 0 && m.role !== 'user') invalid('messages: first message must use the "user" role');
    const prev = messages[i - 1];
    if (prev && prev.role === m.role) {
      invalid(
        `messages: roles must alternate between "user" and "assistant", but found multiple ` +
          `"${m.role}" roles in a row`,
      );
    }
    if (m.content.length === 0 && !(m.role === 'assistant' && i === messages.length - 1)) {
      invalid(
        `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    m.content.forEach((b, j) => {
      if (b.type === 'tool_use' && m.role !== 'assistant') {
        invalid(
          `messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`,
        );
      }
      if (b.type === 'tool_result' && m.role !== 'user') {
        invalid(`messages.${i}.content.${j}: tool_result blocks are only allowed in user messages`);
      }
    });
  });
  checkToolPairs(messages);
  return messages;
}

/** Every tool_use is answered in the next message, and every tool_result answers one. */
function checkToolPairs(messages: readonly RequestMessage[]): void {
  const seen = new Set<string>();
  messages.forEach((m, i) => {
    const prev = messages[i - 1];
    const offered = new Set(
      prev?.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) ?? [],
    );
    m.content.forEach((b, j) => {
      if (b.type === 'tool_use') {
        if (seen.has(b.id)) invalid(`messages.${i}.content.${j}: \`tool_use\` ids must be unique`);
        seen.add(b.id);
      }
      if (b.type === 'tool_result' && !offered.has(b.tool_use_id)) {
        invalid(
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ` +
            `${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` ` +
            `block in the previous message.`,
        );
      }
    });
    if (prev?.role !== 'assistant') return;
    const answered = new Set(
      m.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])),
    );
    const unanswered = [...offered].filter((id) => !answered.has(id));
    if (unanswered.length > 0) {
      invalid(
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately ` +
          `after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding ` +
          `\`tool_result\` block in the next message.`,
      );
    }
  });
}

function parseSystem(v: unknown): TextBlock[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.length === 0 ? [] : [{ type: 'text', text: v }];
  if (!Array.isArray(v)) invalid('system: Input should be a valid string or list');
  return v.map((b, i) => {
    if (!isObject(b) || b.type !== 'text') invalid(`system.${i}.type: Input should be 'text'`);
    return textBlock(b, `system.${i}`);
  });
}

/**
 * Anthropic's own tool types (those of SDK 1.13 a plain Messages request may
 * name), each with the one name the API accepts for it, and the tokens the
 * API adds to the prompt when it is offered (its built-in definition).
 */
export const BUILTIN_TOOLS: Readonly<Record<string, { name: string; tokens: number }>> = {
  bash_20241022: { name: 'bash', tokens: 245 },
  bash_20250124: { name: 'bash', tokens: 245 },
  text_editor_20241022: { name: 'str_replace_editor', tokens: 700 },
  text_editor_20250124: { name: 'str_replace_editor', tokens: 700 },
  text_editor_20250429: { name: 'str_replace_based_edit_tool', tokens: 700 },
  text_editor_20250728: { name: 'str_replace_based_edit_tool', tokens: 700 },
  computer_20250124: { name: 'computer', tokens: 735 },
  memory_20250818: { name: 'memory', tokens: 500 },
  web_search_20250305: { name: 'web_search', tokens: 350 },
  web_fetch_20250910: { name: 'web_fetch', tokens: 350 },
  code_execution_20250522: { name: 'code_execution', tokens: 500 },
  code_execution_20250825: { name: 'code_execution', tokens: 500 },
};

/** The `type`s a tool may have, in the order the API lists them in its error. */
export function expectedToolTags(): string[] {
  return [...Object.keys(BUILTIN_TOOLS), 'custom'].sort();
}

function builtinTool(t: Json, type: string, where: string): BuiltinTool {
  const spec = BUILTIN_TOOLS[type];
  if (!spec) {
    const tags = expectedToolTags()
      .map((tag) => `'${tag}'`)
      .join(', ');
    return invalid(
      `${where}: Input tag '${type}' found using 'type' does not match any of the expected tags: ${tags}`,
    );
  }
  if (t.name === undefined) invalid(`${where}.${type}.name: Field required`);
  if (t.name !== spec.name) invalid(`${where}.${type}.name: Input should be '${spec.name}'`);
  if (t.input_schema !== undefined)
    invalid(`${where}.${type}.input_schema: Extra inputs are not permitted`);
  const { type: _type, name: _name, cache_control: cc, ...options } = t;
  const tool: BuiltinTool = { kind: 'builtin', type, name: spec.name, options };
  return withCache(tool, cacheControl(cc, where));
}

function customTool(t: Json, where: string): CustomTool {
  if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) {
    invalid(`${where}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
  }
  if (!isObject(t.input_schema) || t.input_schema.type !== 'object') {
    invalid(`${where}.input_schema.type: Input should be 'object'`);
  }
  if (t.description !== undefined && typeof t.description !== 'string') {
    invalid(`${where}.description: Input should be a valid string`);
  }
  const tool: CustomTool = { kind: 'custom', name: t.name, input_schema: t.input_schema };
  if (typeof t.description === 'string') tool.description = t.description;
  return withCache(tool, cacheControl(t.cache_control, where));
}

function parseTools(v: unknown): ToolDefinition[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) invalid('tools: Input should be a valid list');
  const names = new Set<string>();
  return v.map((t, i) => {
    const where = `tools.${i}`;
    if (!isObject(t)) invalid(`${where}: Input should be a valid dictionary`);
    const tool =
      t.type === undefined || t.type === null || t.type === 'custom'
        ? customTool(t, where)
        : builtinTool(t, String(t.type), where);
    if (names.has(tool.name)) invalid(`tools: Tool names must be unique.`);
    names.add(tool.name);
    return tool;
  });
}

/** The offered tool of that name, if any. */
export function offeredTool(req: MessagesRequest, name: string): ToolDefinition | undefined {
  return req.tools.find((t) => t.name === name);
}

function countBreakpoints(req: MessagesRequest): number {
  const blocks = [...req.tools, ...req.system, ...req.messages.flatMap((m) => m.content)];
  return blocks.filter((b) => b.cache_control !== undefined).length;
}

/** Validates and normalises a request body, or throws a 400 {@link ApiError}. */
export function validateMessagesRequest(
  body: unknown,
  opts: ValidateOptions = { requireMaxTokens: true },
): MessagesRequest {
  if (!isObject(body)) invalid('Request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model.trim() === '') invalid('model: Field required');
  let maxTokens = 0;
  if (opts.requireMaxTokens || body.max_tokens !== undefined) {
    if (body.max_tokens === undefined) invalid('max_tokens: Field required');
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) {
      invalid('max_tokens: Input should be a valid integer');
    }
    if (body.max_tokens < 1) invalid('max_tokens: Input should be greater than or equal to 1');
    maxTokens = body.max_tokens;
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    invalid('stream: Input should be a valid boolean');
  }
  const t = body.temperature;
  if (t !== undefined && (typeof t !== 'number' || t < 0 || t > 1)) {
    invalid('temperature: Input should be less than or equal to 1');
  }
  const req: MessagesRequest = {
    model: body.model,
    max_tokens: maxTokens,
    system: parseSystem(body.system),
    messages: parseMessages(body.messages),
    tools: parseTools(body.tools),
    stream: body.stream === true,
  };
  const breakpoints = countBreakpoints(req);
  if (breakpoints > MAX_CACHE_BREAKPOINTS) {
    invalid(
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
  return req;
}

/** The text of a tool_result (string or text blocks). */
export function toolResultText(block: ToolResultBlock): string {
  return typeof block.content === 'string'
    ? block.content
    : block.content.map((b) => b.text).join('\n');
}
