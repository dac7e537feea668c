/**
 * Prometheus metrics (prom-client), one registry per process role. Every
 * series carries `role` (bridge, orchestrator, model); with the Node.js
 * default metrics (`process_*`, `nodejs_*`) each registry also has explicit
 * RSS and heap gauges. Names are documented in README.md ("Metrics") and used
 * by deploy/grafana/blogtube.json and deploy/prometheus/alerts.yml.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { breakerStateValue } from './metrics-labels.js';

export type ProcessRole = 'bridge' | 'orchestrator' | 'model' | 'workspace';

/** Content type of the text exposition format. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const QUICK = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const CALL = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const SPAWN = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 20, 30, 60];
const LONG = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

function baseRegistry(role: ProcessRole): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'blogtube_process_resident_memory_bytes',
    help: 'Resident set size of this process (Node heap, V8 isolates and the Temporal Rust core)',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'blogtube_process_heap_used_bytes',
    help: 'V8 heap in use in this process (main thread)',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'blogtube_process_heap_total_bytes',
    help: 'V8 heap allocated in this process (main thread)',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().heapTotal);
    },
  });
  return registry;
}

export const MEMORY_THRESHOLD_METRIC = 'blogtube_memory_threshold_bytes';

/**
 * The process's memory threshold as a gauge (set where a threshold applies,
 * by the observability endpoints), so an alert compares RSS against it.
 */
export function exportMemoryThreshold(registry: Registry, bytes: number): void {
  const existing = registry.getSingleMetric(MEMORY_THRESHOLD_METRIC);
  const gauge =
    existing instanceof Gauge
      ? existing
      : new Gauge({
          name: MEMORY_THRESHOLD_METRIC,
          help: 'Resident memory above which this process reports itself unhealthy (/healthz 503)',
          registers: [registry],
        });
  gauge.set(bytes);
}

/** Something whose state the breaker gauge reads at scrape time. */
export interface BreakerLike {
  readonly state: 'closed' | 'half_open' | 'open';
}

/** The metrics of a worker process (orchestrator or model worker). */
export class WorkerMetrics {
  readonly registry: Registry;
  private readonly breakers = new Map<string, BreakerLike>();

  readonly activityDuration: Histogram<'activity' | 'outcome'>;
  readonly activityRetries: Counter<'activity' | 'upstream' | 'error_class'>;
  readonly activityFailures: Counter<'activity' | 'upstream' | 'error_class'>;
  readonly breakerTransitions: Counter<'upstream' | 'from' | 'to'>;
  readonly analysisDuration: Histogram;
  readonly agentSpawn: Histogram<'agent'>;
  readonly modelScheduleToStart: Histogram;
  readonly modelCallDuration: Histogram<'agent' | 'outcome'>;
  readonly tokens: Counter<'agent' | 'kind'>;
  readonly prefixWait: Histogram;
  readonly agentDuration: Histogram<'agent' | 'outcome'>;
  readonly prCreation: Histogram;
  readonly runDuration: Histogram<'outcome'>;
  readonly runs: Counter<'outcome'>;

  constructor(readonly role: 'orchestrator' | 'model' | 'workspace') {
    const registers = [(this.registry = baseRegistry(role))];
    this.activityDuration = new Histogram({
      name: 'blogtube_activity_duration_seconds',
      help: 'Activity attempts by activity type and outcome (ok, failed, cancelled)',
      labelNames: ['activity', 'outcome'],
      buckets: CALL,
      registers,
    });
    this.activityRetries = new Counter({
      name: 'blogtube_activity_retries_total',
      help: 'Failed activity attempts that Temporal retries (retryable failures), by error class',
      labelNames: ['activity', 'upstream', 'error_class'],
      registers,
    });
    this.activityFailures = new Counter({
      name: 'blogtube_activity_failures_total',
      help: 'Activity attempts that failed for good (non-retryable failures), by error class',
      labelNames: ['activity', 'upstream', 'error_class'],
      registers,
    });
    this.breakerTransitions = new Counter({
      name: 'blogtube_breaker_transitions_total',
      help: 'Circuit breaker state changes of this worker, by upstream',
      labelNames: ['upstream', 'from', 'to'],
      registers,
    });
    const breakers = this.breakers;
    new Gauge({
      name: 'blogtube_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'],
      registers,
      collect() {
        for (const [upstream, b] of breakers) this.set({ upstream }, breakerStateValue(b.state));
      },
    });
    this.analysisDuration = new Histogram({
      name: 'blogtube_analysis_duration_seconds',
      help: 'Issue analysis (type, complexity, risk, crew) per run',
      buckets: QUICK,
      registers,
    });
    this.agentSpawn = new Histogram({
      name: 'blogtube_agent_spawn_seconds',
      help: 'Agent workflow started → its first model call started on a model worker',
      labelNames: ['agent'],
      buckets: SPAWN,
      registers,
    });
    this.modelScheduleToStart = new Histogram({
      name: 'blogtube_model_call_schedule_to_start_seconds',
      help: 'Model-call attempt scheduled → picked up by a model worker (queueing for a slot)',
      buckets: SPAWN,
      registers,
    });
    this.modelCallDuration = new Histogram({
      name: 'blogtube_model_call_duration_seconds',
      help: 'Model-call attempts (one agent turn, streamed) by agent and outcome',
      labelNames: ['agent', 'outcome'],
      buckets: CALL,
      registers,
    });
    this.tokens = new Counter({
      name: 'blogtube_model_tokens_total',
      help: 'Tokens of successful model calls by agent and kind (input, output, cache_read, cache_write)',
      labelNames: ['agent', 'kind'],
      registers,
    });
    this.prefixWait = new Histogram({
      name: 'blogtube_model_prefix_wait_seconds',
      help: 'Model calls held back until another call writing the same prompt prefix had its first token',
      buckets: QUICK.concat([10]),
      registers,
    });
    this.agentDuration = new Histogram({
      name: 'blogtube_agent_duration_seconds',
      help: 'Agent workflow start → end, by agent type and outcome (done, failed, cancelled)',
      labelNames: ['agent', 'outcome'],
      buckets: LONG,
      registers,
    });
    this.prCreation = new Histogram({
      name: 'blogtube_pr_creation_seconds',
      help: 'Last agent of a run finished → its pull request opened',
      buckets: QUICK.concat([10, 30, 60]),
      registers,
    });
    this.runDuration = new Histogram({
      name: 'blogtube_run_duration_seconds',
      help: 'Issue run end to end (workflow started by the webhook → run ended), by outcome',
      labelNames: ['outcome'],
      buckets: LONG,
      registers,
    });
    this.runs = new Counter({
      name: 'blogtube_runs_total',
      help: 'Issue runs ended, by outcome (done, done_partial, failed, answered, rejected, cancelled, error)',
      labelNames: ['outcome'],
      registers,
    });
  }

  /** Report `breaker`'s state in `blogtube_breaker_state{upstream}` (read at scrape time). */
  watchBreaker(upstream: string, breaker: BreakerLike): void {
    this.breakers.set(upstream, breaker);
  }
}

/** The metrics of the webhook bridge. */
export class BridgeMetrics {
  readonly registry = baseRegistry('bridge');
  readonly deliveries = new Counter({
    name: 'blogtube_webhook_deliveries_total',
    help: 'Webhook deliveries by event and result (started, signalled, ignored, rejected, error, …)',
    labelNames: ['event', 'result'],
    registers: [this.registry],
  });
  readonly deliveryDuration = new Histogram({
    name: 'blogtube_webhook_duration_seconds',
    help: 'Time to answer a webhook delivery (verify, route, start or signal the workflow)',
    labelNames: ['event'],
    buckets: QUICK,
    registers: [this.registry],
  });
}

/** Every metric family name the code registers (for the dashboard and alert checks). */
export async function registeredMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const registries = [
    new WorkerMetrics('orchestrator').registry,
    new WorkerMetrics('model').registry,
    new BridgeMetrics().registry,
  ];
  names.add(MEMORY_THRESHOLD_METRIC);
  for (const r of registries) {
    for (const m of r.getMetricsAsArray()) {
      const { name } = m as unknown as { name: string };
      names.add(name);
      if (m instanceof Histogram)
        for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    }
  }
  return names;
}
