/**
 * The simulator's control API under `/_sim/` (JSON, no auth):
 *
 *   GET  health | state                    liveness; latency, seed, scenario, faults
 *   POST reset                             back to the start options, empty log and cache
 *   GET|POST latency {ttftMs?, tokensPerSec?}
 *   GET|POST|DELETE scenario {agents: {<type>: {failWith?, writeFirst?, extraTurns?,
 *                                       messageTo?, hang?, obey?, summary?,
 *                                       tests?, fixAttempts?}}}   (POST replaces)
 *   GET|POST|DELETE faults {rules: [{status?, rate?, count?, retryAfter?, agent?,
 *                                    streamCut?, reset?}]}     (POST replaces)
 *   POST seed {seed}                       reseeds the fault PRNG and stream chunking
 *   GET|DELETE requests                    the request log (last 1000)
 *   DELETE cache                           empties the prompt cache (a cold start)
 */
import { z } from 'zod';
import { AGENT_TYPES } from '../../common/schemas.js';
import type { SimState } from './state.js';

const Knobs = z.strictObject({
  failWith: z
    .strictObject({
      status: z.union([
        z.literal(400),
        z.literal(401),
        z.literal(429),
        z.literal(500),
        z.literal(529),
      ]),
      times: z.number().int().nonnegative().optional(),
      retryAfter: z.number().nonnegative().optional(),
    })
    .optional(),
  writeFirst: z.string().min(1).optional(),
  extraTurns: z.number().int().min(0).max(1000).optional(),
  messageTo: z.strictObject({ to: z.string().min(1), text: z.string().min(1) }).optional(),
  hang: z.boolean().optional(),
  obey: z.boolean().optional(),
  summary: z.string().min(1).max(2000).optional(),
  tests: z.enum(['break-then-fix', 'cannot-fix']).optional(),
  fixAttempts: z.number().int().min(0).max(1000).optional(),
});

const ScenarioBody = z.strictObject({
  agents: z.partialRecord(z.enum(AGENT_TYPES), Knobs),
});

const LatencyBody = z.strictObject({
  ttftMs: z.number().nonnegative().optional(),
  tokensPerSec: z.number().nonnegative().optional(),
});

const FaultRule = z
  .strictObject({
    status: z.number().int().min(400).max(599).optional(),
    rate: z.number().min(0).max(1).optional(),
    count: z.number().int().nonnegative().optional(),
    retryAfter: z.number().nonnegative().optional(),
    agent: z.string().min(1).optional(),
    streamCut: z.boolean().optional(),
    reset: z.boolean().optional(),
  })
  .refine((r) => r.status !== undefined || r.streamCut || r.reset, {
    message: 'a rule needs a status, streamCut or reset',
  });

const FaultsBody = z.strictObject({ rules: z.array(FaultRule) });
const SeedBody = z.strictObject({ seed: z.number().int() });

export interface AdminAnswer {
  status: number;
  body: unknown;
}

type Parsed<T> = { data: T } | { answer: AdminAnswer };

function parse<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { data: result.data };
  return { answer: { status: 400, body: { error: z.prettifyError(result.error) } } };
}

function snapshot(state: SimState): unknown {
  return {
    latency: state.pace,
    seed: state.seed,
    scenario: state.scenario,
    faults: state.faults.active,
  };
}

/** Answers one `/_sim/...` request (`path` without the `/_sim` prefix). */
export function handleAdmin(
  state: SimState,
  method: string,
  path: string,
  body: unknown,
): AdminAnswer {
  const ok = (b: unknown): AdminAnswer => ({ status: 200, body: b });
  switch (`${method} ${path}`) {
    case 'GET /health':
      return ok({ ok: true });
    case 'GET /state':
      return ok(snapshot(state));
    case 'POST /reset':
      state.reset();
      return ok(snapshot(state));
    case 'GET /latency':
      return ok({ latency: state.pace });
    case 'GET /scenario':
      return ok({ scenario: state.scenario });
    case 'GET /faults':
      return ok({ rules: state.faults.active });
    case 'POST /latency': {
      const p = parse(LatencyBody, body);
      if ('answer' in p) return p.answer;
      state.pace = { ...state.pace, ...p.data };
      return ok({ latency: state.pace });
    }
    case 'POST /scenario': {
      const p = parse(ScenarioBody, body);
      if ('answer' in p) return p.answer;
      state.setScenario(p.data.agents);
      return ok({ scenario: state.scenario });
    }
    case 'DELETE /scenario':
      state.setScenario({});
      return ok({ scenario: {} });
    case 'POST /faults': {
      const p = parse(FaultsBody, body);
      if ('answer' in p) return p.answer;
      state.faults.setRules(p.data.rules);
      return ok({ rules: state.faults.active });
    }
    case 'DELETE /faults':
      state.faults.clear();
      return ok({ rules: [] });
    case 'POST /seed': {
      const p = parse(SeedBody, body);
      if ('answer' in p) return p.answer;
      state.setSeed(p.data.seed);
      return ok({ seed: state.seed });
    }
    case 'GET /requests':
      return ok(state.requests);
    case 'DELETE /requests':
      state.clearRequests();
      return ok({ ok: true });
    case 'DELETE /cache':
      state.cache.clear();
      return ok({ ok: true });
    default:
      return { status: 404, body: { error: `no admin route ${method} /_sim${path}` } };
  }
}
