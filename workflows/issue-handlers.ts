/**
 * How the outside talks to a running issue workflow: the status query, the
 * bridge's signals (re-deliveries, edits, maintainers' comments), the agents'
 * notes and budget pauses, and the CLI's Updates (message an agent, raise the
 * budget, decide on a plan), each validated before it is accepted.
 */
import { setHandler } from '@temporalio/workflow';
import type { AgentMessage, AgentType } from '../common/schemas.js';
import {
  agentBudgetSignal,
  agentMessagesSignal,
  agentOutageSignal,
  issueCommentSignal,
  issueEditedSignal,
  issueTextQuery,
  operatorMessageUpdate,
  planDecisionUpdate,
  raiseBudgetUpdate,
  runStopSignal,
  statusQuery,
  triggerSignal,
} from '../common/workflow-api.js';
import type {
  BudgetRaise,
  OperatorMessage,
  PlanDecision,
  RunStop,
} from '../common/workflow-api.js';
import type { Crew } from './crew.js';
import type { RunState } from './pure/run-state.js';

/** A maintainer's comment asking for a run of an issue set aside as a question. */
const RUN_COMMAND = /^\s*\/blogtube\s+run\b/m;

/** What the handlers decide that the main flow waits on. */
export interface Steering {
  /** The maintainer's decision on the plan, once made. */
  decision: PlanDecision | undefined;
  /** A maintainer asked to run an issue set aside as a question. */
  goAhead: boolean;
  /** Why the run is being stopped from outside (the issue was closed), once told. */
  stop?: RunStop;
}

export function installIssueHandlers(run: RunState, crew: Crew, firstDelivery: string): Steering {
  const { status } = run;
  const steering: Steering = { decision: undefined, goAhead: false };
  const deliveries = new Set<string>([firstDelivery]);

  setHandler(statusQuery, () => status);
  setHandler(issueTextQuery, () => run.issueText);
  setHandler(triggerSignal, (t) => {
    deliveries.add(t.deliveryId);
    // A maintainer's trigger label on an issue set aside as a question: run it anyway.
    if (t.event === 'issues.labeled' && status.phase === 'question') steering.goAhead = true;
  });
  setHandler(runStopSignal, (why) => {
    steering.stop ??= why;
  });
  setHandler(issueEditedSignal, (edit) => {
    // The bridge forwards only edits by people with write access.
    run.issueText = { title: edit.title, body: edit.body };
    status.title = edit.title;
    run.touch();
  });
  setHandler(issueCommentSignal, async (comment) => {
    // Only maintainers' comments count, and reach agents only as data.
    if (!comment.trusted) return;
    if (status.phase === 'question' && RUN_COMMAND.test(comment.body)) {
      steering.goAhead = true;
      return;
    }
    if (status.phase !== 'running') return;
    const text = comment.body.slice(0, 2000);
    for (const a of run.openAgents()) {
      await crew.deliver(a, [{ from: 'maintainer', to: a, text }]);
    }
  });
  setHandler(agentMessagesSignal, async (msgs) => {
    status.messages.push(...msgs);
    run.touch();
    const byAddressee = new Map<AgentType, AgentMessage[]>();
    for (const m of msgs) byAddressee.set(m.to, [...(byAddressee.get(m.to) ?? []), m]);
    for (const [to, batch] of byAddressee) await crew.deliver(to, batch);
  });
  setHandler(agentBudgetSignal, (e) => run.agentBudget(e));
  setHandler(agentOutageSignal, (e) => run.agentOutage(e));
  setHandler(
    operatorMessageUpdate,
    async (m) => {
      const msg: AgentMessage = { from: 'maintainer', to: m.to, text: m.text };
      status.messages.push(msg);
      run.touch();
      const direct = crew.isLive(m.to);
      await crew.deliver(m.to, [msg]);
      return { delivered: direct ? 'now' : 'held', to: m.to };
    },
    {
      validator: (m: OperatorMessage) => {
        if (!m.text.trim() || m.text.length > 4000) {
          throw new Error('the message must have 1 to 4000 characters');
        }
        if (!run.isOpen(m.to)) {
          const state = run.states[m.to];
          throw new Error(
            `the ${m.to} agent cannot take messages (${state ? `it is ${state}` : 'it is not in the plan'}; phase: ${status.phase})`,
          );
        }
      },
    },
  );
  setHandler(
    raiseBudgetUpdate,
    async (r) => {
      const raised = run.raiseBudget(r.addTokens);
      await crew.budgetRaised(raised.resumed, r.addTokens);
      run.afterRaise();
      return { ...raised, phase: status.phase };
    },
    {
      validator: (r: BudgetRaise) => {
        if (!Number.isInteger(r.addTokens) || r.addTokens <= 0 || r.addTokens > 10_000_000) {
          throw new Error('addTokens must be a whole number from 1 to 10000000');
        }
        if (status.phase !== 'running' && status.phase !== 'paused') {
          throw new Error(`no agents are running (phase: ${status.phase})`);
        }
      },
    },
  );
  setHandler(
    planDecisionUpdate,
    (d) => {
      steering.decision = d;
      return { accepted: d.approve, phase: d.approve ? 'running' : 'rejected' };
    },
    {
      validator: (_d: PlanDecision) => {
        if (status.phase !== 'awaiting_approval' || steering.decision !== undefined) {
          throw new Error(`no plan is awaiting approval (phase: ${status.phase})`);
        }
      },
    },
  );
  return steering;
}
