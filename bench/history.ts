/**
 * Timings read from workflow histories (pure: takes decoded-or-not history
 * events, reads only event types, times and ids, never payloads).
 */
import proto from '@temporalio/proto';
import type { AgentType, Plan } from '../common/schemas.js';

const { temporal } = proto;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const ET = temporal.api.enums.v1.EventType;

export function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

const idNum = (x: unknown): number => Number(x ?? NaN);

/** Activity tasks of one history: name, scheduled / started / closed times, attempt, identity. */
export interface ActivityTimes {
  name: string;
  scheduledMs: number;
  startedMs?: number;
  closedMs?: number;
  completed: boolean;
  attempt?: number;
  identity?: string;
}

export function activities(events: readonly HistoryEvent[]): ActivityTimes[] {
  const byId = new Map<number, ActivityTimes>();
  for (const e of events) {
    const type = e.eventType;
    if (type === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      byId.set(idNum(e.eventId), {
        name: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
        scheduledMs: eventMs(e),
        completed: false,
      });
    } else if (type === ET.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes;
      const act = byId.get(idNum(a?.scheduledEventId));
      if (act) {
        act.startedMs = eventMs(e);
        act.attempt = a?.attempt ?? undefined;
        act.identity = a?.identity ?? undefined;
      }
    } else if (type === ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const act = byId.get(idNum(e.activityTaskCompletedEventAttributes?.scheduledEventId));
      if (act) Object.assign(act, { closedMs: eventMs(e), completed: true });
    } else if (
      type === ET.EVENT_TYPE_ACTIVITY_TASK_FAILED ||
      type === ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
    ) {
      const attrs =
        e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? undefined;
      const act = byId.get(idNum(attrs?.scheduledEventId));
      if (act) act.closedMs = eventMs(e);
    }
  }
  return [...byId.values()];
}

/** One agent child as the parent saw it. */
export interface ChildTimes {
  workflowId: string;
  agent: AgentType;
  initiatedMs: number;
  closedMs?: number;
  ok: boolean;
}

export function children(events: readonly HistoryEvent[]): ChildTimes[] {
  const byInit = new Map<number, ChildTimes>();
  for (const e of events) {
    const type = e.eventType;
    if (type === ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
      const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? '';
      byInit.set(idNum(e.eventId), {
        workflowId: id,
        agent: (/agent:(\w+)$/.exec(id)?.[1] ?? 'unknown') as AgentType,
        initiatedMs: eventMs(e),
        ok: false,
      });
      continue;
    }
    const closed =
      type === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED
        ? e.childWorkflowExecutionCompletedEventAttributes
        : type === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED
          ? e.childWorkflowExecutionFailedEventAttributes
          : type === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT
            ? e.childWorkflowExecutionTimedOutEventAttributes
            : type === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED
              ? e.childWorkflowExecutionCanceledEventAttributes
              : type === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED
                ? e.childWorkflowExecutionTerminatedEventAttributes
                : undefined;
    if (closed) {
      const child = byInit.get(idNum(closed.initiatedEventId));
      if (child) {
        child.closedMs = eventMs(e);
        child.ok = type === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED;
      }
    }
  }
  return [...byInit.values()];
}

export interface SpawnTimes {
  agent: AgentType;
  /** Parent's StartChildWorkflowExecutionInitiated → child's first model call started. */
  spawnMs: number;
  /** That model call's ActivityTaskScheduled → ActivityTaskStarted. */
  scheduleToStartMs: number;
  /** Before that call: time the worker spent running the child's workflow tasks (started → completed). */
  workflowTaskMs: number;
  /**
   * Before that call: area lease asked → granted (signal), when the child waits
   * for one. Asked: requestAreaLease scheduled, or (a local activity, run inside
   * the child's first workflow task) that task's start.
   */
  leaseMs?: number;
}

/** Spawn time of one agent from the parent's child record and the child's own history. */
export function spawnTimes(
  child: ChildTimes,
  childEvents: readonly HistoryEvent[],
): SpawnTimes | undefined {
  const first = activities(childEvents)
    .filter((a) => a.name === 'callModel')
    .sort((a, b) => a.scheduledMs - b.scheduledMs)[0];
  if (!first || first.startedMs === undefined) return undefined;
  // A retried first call records only its last attempt's start: not a spawn time.
  if ((first.attempt ?? 1) > 1) return undefined;
  let workflowTaskMs = 0;
  let wftStarted: number | undefined;
  let leaseAsked: number | undefined;
  let leaseMs: number | undefined;
  let firstTaskStarted: number | undefined;
  for (const e of childEvents) {
    const t = eventMs(e);
    if (t > first.scheduledMs) break;
    if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      wftStarted = t;
      firstTaskStarted ??= t;
    } else if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && wftStarted !== undefined) {
      workflowTaskMs += t - wftStarted;
      wftStarted = undefined;
    } else if (
      e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestAreaLease'
    ) {
      leaseAsked ??= t;
    } else if (
      e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
      /lease/i.test(e.workflowExecutionSignaledEventAttributes?.signalName ?? '')
    ) {
      const asked = leaseAsked ?? firstTaskStarted;
      if (asked !== undefined) leaseMs = t - asked;
    }
  }
  return {
    agent: child.agent,
    spawnMs: first.startedMs - child.initiatedMs,
    scheduleToStartMs: first.startedMs - first.scheduledMs,
    workflowTaskMs,
    ...(leaseMs !== undefined ? { leaseMs } : {}),
  };
}

export interface IssueTimes {
  children: ChildTimes[];
  /** Last agent child closed → openPullRequest ActivityTaskCompleted. */
  prMs?: number;
  /** First agent initiated → last agent closed. */
  agentPhaseMs?: number;
  /** Workflow started → closed, server clock. */
  workflowMs?: number;
}

export function issueTimes(events: readonly HistoryEvent[]): IssueTimes {
  const kids = children(events);
  const closedTimes = kids.map((k) => k.closedMs).filter((x): x is number => x !== undefined);
  const lastChild = closedTimes.length ? Math.max(...closedTimes) : undefined;
  const firstInit = kids.length ? Math.min(...kids.map((k) => k.initiatedMs)) : undefined;
  const pr = activities(events).find((a) => a.name === 'openPullRequest' && a.completed);
  const start = events[0] ? eventMs(events[0]) : NaN;
  const last = events.at(-1);
  const closedWorkflow =
    last &&
    (last.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ||
      last.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
      ? eventMs(last)
      : undefined;
  return {
    children: kids,
    prMs:
      pr?.closedMs !== undefined && lastChild !== undefined ? pr.closedMs - lastChild : undefined,
    agentPhaseMs:
      lastChild !== undefined && firstInit !== undefined ? lastChild - firstInit : undefined,
    workflowMs: closedWorkflow !== undefined ? closedWorkflow - start : undefined,
  };
}

/**
 * The critical-path bound of a plan: the longest dependency chain, each agent
 * weighted by its measured duration. No schedule of the DAG finishes sooner.
 */
export function criticalPathMs(
  plan: Pick<Plan, 'nodes'>,
  durations: Partial<Record<AgentType, number>>,
): number {
  const memo = new Map<AgentType, number>();
  const finish = (agent: AgentType): number => {
    const known = memo.get(agent);
    if (known !== undefined) return known;
    const node = plan.nodes.find((n) => n.agent === agent);
    const before = Math.max(0, ...(node?.dependsOn ?? []).map(finish));
    const total = before + (durations[agent] ?? 0);
    memo.set(agent, total);
    return total;
  };
  return Math.max(0, ...plan.nodes.map((n) => finish(n.agent)));
}
