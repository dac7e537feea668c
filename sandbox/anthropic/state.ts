/** Everything the simulator remembers between requests, and its request log. */
import type { AgentKnobs } from './agent-player.js';
import { FailWithBook, FaultInjector } from './faults.js';
import type { Pace } from './sse.js';
import { PromptCache } from './prompt-cache.js';

export interface SimRequestRecord {
  /** ISO time the request arrived. */
  at: string;
  requestId: string;
  /** `Agent:` line of the system prompt (null when unknown or rejected early). */
  agent: string | null;
  /** Assistant turns already in `messages` (null when the request was invalid). */
  turn: number | null;
  /** What the agent did (list, read, explore, write, rewrite, finish, done). */
  step?: string;
  stream: boolean;
  /** HTTP status answered (0: connection reset before answering). */
  status: number;
  inputTokens: number;
  outputTokens: number;
  cacheRead: number;
  cacheWrite: number;
  /** Issue number from the first user message. */
  issue: number | null;
  repo: string | null;
  fault?: 'reset' | 'streamCut' | 'hang';
}

export type Scenario = Partial<Record<string, AgentKnobs>>;

const MAX_RECORDS = 1000;

export class SimState {
  pace: Pace;
  seed: number;
  scenario: Scenario = {};
  readonly failWith = new FailWithBook();
  readonly faults: FaultInjector;
  readonly cache: PromptCache;
  private readonly log: SimRequestRecord[] = [];

  constructor(private readonly initial: { pace: Pace; seed: number; minCacheableTokens?: number }) {
    this.cache = new PromptCache({ minTokens: initial.minCacheableTokens });
    this.pace = { ...initial.pace };
    this.seed = initial.seed;
    this.faults = new FaultInjector(initial.seed);
  }

  /** Back to the state at start: no scenario, faults, log or cache; initial latency and seed. */
  reset(): void {
    this.pace = { ...this.initial.pace };
    this.setSeed(this.initial.seed);
    this.setScenario({});
    this.faults.clear();
    this.cache.clear();
    this.clearRequests();
  }

  setSeed(seed: number): void {
    this.seed = seed;
    this.faults.reseed(seed);
  }

  setScenario(scenario: Scenario): void {
    this.scenario = scenario;
    this.failWith.reset();
  }

  knobs(agent: string | null): AgentKnobs | undefined {
    return agent ? this.scenario[agent] : undefined;
  }

  record(entry: SimRequestRecord): void {
    this.log.push(entry);
    if (this.log.length > MAX_RECORDS) this.log.splice(0, this.log.length - MAX_RECORDS);
  }

  get requests(): ReadonlyArray<SimRequestRecord> {
    return this.log;
  }

  clearRequests(): void {
    this.log.length = 0;
  }
}
