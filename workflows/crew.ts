/**
 * The crew of one issue run: its agents as child workflows, started in plan
 * order within the parallel limit, their notes routed between them (held for
 * agents not yet started), the run paused while its token budget is spent.
 */
import { condition, startChild } from '@temporalio/workflow';
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import { isAuthFailure, rootMessage } from '../common/failures.js';
import type { AgentMessage, AgentType } from '../common/schemas.js';
import { agentBudgetRaisedSignal, agentInboxSignal } from '../common/workflow-api.js';
import type { agentWorkflow } from './agent.js';
import { childKind } from './agent-child.js';
import { agentChild } from './pure/agent-input.js';
import type { CrewSpec } from './pure/agent-input.js';
import type { RunState } from './pure/run-state.js';
import { agentsToSkip, agentsToStart, isFinished } from './pure/scheduler.js';

export class Crew {
  private readonly handles = new Map<AgentType, ChildWorkflowHandle<typeof agentWorkflow>>();
  /** Notes for agents that have not started yet: they get them in their input. */
  private readonly heldInbox = new Map<AgentType, AgentMessage[]>();

  constructor(private readonly run: RunState) {}

  /** Whether `agent` runs now (a note reaches it at once rather than being held). */
  isLive(agent: AgentType): boolean {
    return this.handles.has(agent) && this.run.states[agent] === 'running';
  }

  /** Hand notes to `to`: now if it runs, held if it is still to start, dropped if it ended. */
  async deliver(to: AgentType, msgs: AgentMessage[]): Promise<void> {
    const handle = this.handles.get(to);
    if (handle && this.run.states[to] === 'running') {
      await handle.signal(agentInboxSignal, msgs);
    } else if (this.run.isOpen(to)) {
      this.heldInbox.set(to, [...(this.heldInbox.get(to) ?? []), ...msgs]);
    }
  }

  /** Tell the agents paused on their own budget that it was raised by `add`. */
  async budgetRaised(agents: readonly AgentType[], add: number): Promise<void> {
    for (const a of agents) await this.handles.get(a)?.signal(agentBudgetRaisedSignal, add);
  }

  /** Run the plan to its end: every agent done, failed or skipped. */
  async runToEnd(spec: CrewSpec, updateProgress: () => Promise<unknown>): Promise<void> {
    const { run } = this;
    const { plan } = spec;
    for (;;) {
      run.skip(agentsToSkip(plan, run.states), 'skipped: a dependency did not finish');
      if (run.credentialRefused) run.skip(run.pending(plan), 'skipped: a credential was refused');
      if (isFinished(plan, run.states)) break;
      const pending = run.pending(plan);
      if (pending.length > 0 && run.issueBudgetSpent()) {
        // Spent: pause instead of failing, until raised, cancelled or timed out.
        if (run.enterIssuePause()) await updateProgress();
        const left = (run.issuePause?.deadlineMs ?? 0) - Date.now();
        run.changed = false;
        if (left > 0 && (await condition(() => run.changed, left))) continue;
        if (!run.issuePause) continue;
        run.issuePause = undefined;
        run.skip(pending, 'skipped: the issue token budget was spent and not raised in time');
        run.refreshPause();
        continue;
      }
      for (const a of agentsToStart(plan, run.states)) this.start(spec, a);
      run.changed = false;
      await updateProgress();
      if (!run.changed) await condition(() => run.changed);
    }
  }

  /** Start `agent`'s child workflow; its ending is recorded when it comes. */
  private start(spec: CrewSpec, agent: AgentType): void {
    const { run } = this;
    const startedMs = run.agentStarted(agent);
    const inbox = this.heldInbox.get(agent) ?? [];
    this.heldInbox.delete(agent);
    const child = agentChild(spec, agent, run.status.agents, run.budget, inbox, run.issueText);
    const go = async () => {
      const kind = childKind(spec.settings, spec.config);
      const handle = await startChild<typeof agentWorkflow>(kind.type, {
        workflowId: child.workflowId,
        args: [{ ...child.input, ...kind.extra }],
        staticSummary: child.staticSummary,
        staticDetails: child.staticDetails,
        ...kind.options,
      });
      run.agent(agent).spawnMs = Date.now() - startedMs;
      this.handles.set(agent, handle);
      const late = this.heldInbox.get(agent);
      if (late && late.length > 0) {
        this.heldInbox.delete(agent);
        await handle.signal(agentInboxSignal, late);
      }
      return handle.result();
    };
    go()
      .then((result) => run.agentDone(agent, result))
      .catch((err: unknown) => run.agentFailed(agent, rootMessage(err), isAuthFailure(err)))
      .finally(() => run.agentEnded(agent, startedMs));
  }
}
