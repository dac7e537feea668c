/**
 * The model-call activity: one agent turn through the real Anthropic SDK,
 * streamed, heartbeating while the response arrives so a dead worker is
 * noticed within the heartbeat timeout and the call retried elsewhere.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { Context } from '@temporalio/activity';
import { atBoundary } from './boundary.js';
import type { CircuitBreaker } from './pure/breaker.js';
import { countMarks, markConversation } from './pure/cache-marks.js';
import { prefixKeys, type GatePass, type PrefixGate } from './pure/prefix-gate.js';
import { buildSystem, systemBytes, TOOLS, workspaceTools } from '../common/text/prompts.js';
import type { ModelCallInput, ModelCallResult } from '../common/schemas.js';

const HEARTBEAT_EVERY_MS = 1000;

/** Anthropic client with SDK-internal retries off: Temporal owns retries. */
export function createAnthropic(baseURL: string, apiKey: string): Anthropic {
  return new Anthropic({ apiKey, baseURL, maxRetries: 0, timeout: 10 * 60_000 });
}

export interface ModelDeps {
  anthropic: Anthropic;
  /** Agent docs of a repository at a commit (cached by the caller). */
  agentDocs(repo: string, sha: string): Promise<string>;
  /** This worker's Anthropic circuit breaker (none: every call goes through). */
  breaker?: CircuitBreaker;
  /**
   * Mark the conversation's growing prefix for prompt caching at every turn
   * (default true; MODEL_CACHE_CONVERSATION=0 turns it off, to measure it).
   */
  cacheConversation?: boolean;
  /**
   * Holds a request back while another of this worker writes the same prompt
   * prefix to the cache, until that one has its first token (none: never waits).
   */
  prefixGate?: PrefixGate;
  /** Told how long a request waited at the prefix gate (when it waited). */
  onPrefixWait?: (ms: number) => void;
}

export function createModelActivities({
  anthropic,
  agentDocs,
  breaker,
  cacheConversation = true,
  prefixGate,
  onPrefixWait,
}: ModelDeps) {
  return {
    async callModel(input: ModelCallInput): Promise<ModelCallResult> {
      const ctx = Context.current();
      const { context } = input;
      const repoDocs =
        context.analysis.risk === 'high'
          ? await agentDocs(context.repo, context.docsRef)
          : undefined;
      // Old agents (and their histories) get the whole-file tools; workspace agents the editor set.
      const ws = input.tools;
      const system = buildSystem(context, {
        repoDocs,
        ...(ws ? { workspace: { commands: ws.commands, testCommand: ws.testCommand } } : {}),
      });
      const tools = (ws ? workspaceTools(ws.commands) : TOOLS) as Anthropic.Messages.ToolUnion[];
      const request = {
        model: input.model,
        max_tokens: input.maxTokens,
        system,
        tools,
        messages: (cacheConversation
          ? markConversation(input.messages, countMarks(system))
          : input.messages) as MessageParam[],
      };
      let received = 0;
      const beat = setInterval(() => ctx.heartbeat({ received }), HEARTBEAT_EVERY_MS);
      let pass: GatePass | undefined;
      try {
        pass = await prefixGate?.enter(prefixKeys(request), ctx.cancellationSignal);
        if (pass && pass.waitedMs > 0) onPrefixWait?.(pass.waitedMs);
        const message = await atBoundary(
          'anthropic',
          async () => {
            try {
              const stream = anthropic.messages.stream(request, {
                signal: ctx.cancellationSignal,
              });
              stream.on('streamEvent', (event) => {
                // The first token is out: the prompt's prefixes are readable by others now.
                if (event.type === 'content_block_delta') pass?.started();
                received++;
                ctx.heartbeat({ received });
              });
              const final = await stream.finalMessage();
              pass?.started();
              return final;
            } catch (err) {
              if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
              throw err;
            }
          },
          breaker,
        );
        const content: ModelCallResult['content'] = [];
        for (const b of message.content) {
          if (b.type === 'text') content.push({ type: 'text', text: b.text });
          if (b.type === 'tool_use') {
            const toolInput =
              b.input && typeof b.input === 'object' ? (b.input as Record<string, unknown>) : {};
            content.push({ type: 'tool_use', id: b.id, name: b.name, input: toolInput });
          }
        }
        const u = message.usage;
        return {
          content,
          stopReason: message.stop_reason ?? 'end_turn',
          usage: {
            input: u.input_tokens,
            output: u.output_tokens,
            cacheRead: u.cache_read_input_tokens ?? 0,
            cacheWrite: u.cache_creation_input_tokens ?? 0,
          },
          requestId: (message as { _request_id?: string | null })._request_id ?? undefined,
          promptBytes: systemBytes(system),
        };
      } finally {
        pass?.close();
        clearInterval(beat);
      }
    },
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
