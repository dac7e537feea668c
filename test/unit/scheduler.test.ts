import { describe, expect, it } from '@jest/globals';
import { DEFAULT_AGENTS, resolveAgents, validateRepoConfig } from '../../common/repo-config.js';
import type { AgentType } from '../../common/schemas.js';
import {
  agentsToSkip,
  agentsToStart,
  buildPlan,
  isFinished,
} from '../../workflows/pure/scheduler.js';
import type { RunStates } from '../../workflows/pure/scheduler.js';

const agents = DEFAULT_AGENTS;

describe('buildPlan', () => {
  it('uses the default dependencies: database → backend → frontend and devops, documentation last', () => {
    const plan = buildPlan(
      ['documentation', 'frontend', 'backend', 'database', 'devops'],
      agents,
      'feature',
      3,
    );
    const deps = Object.fromEntries(plan.nodes.map((n) => [n.agent, n.dependsOn]));
    expect(deps).toEqual({
      database: [],
      backend: ['database'],
      frontend: ['database', 'backend'],
      devops: ['database', 'backend'],
      documentation: ['database', 'backend', 'frontend', 'devops'],
    });
  });

  it('keeps transitive order through agents that are not in the crew', () => {
    const plan = buildPlan(['database', 'frontend'], agents, 'feature', 3);
    expect(plan.nodes).toEqual([
      { agent: 'database', dependsOn: [] },
      { agent: 'frontend', dependsOn: ['database'] },
    ]);
  });

  it('lets the config change dependencies', () => {
    const config = validateRepoConfig({
      agents: { frontend: { paths: ['web/**'], depends_on: [] } },
    });
    const plan = buildPlan(['backend', 'frontend'], resolveAgents(config), 'bug', 2);
    expect(plan.nodes.find((n) => n.agent === 'frontend')?.dependsOn).toEqual([]);
  });

  it('leaves disabled agents out', () => {
    const config = validateRepoConfig({
      agents: { devops: { enabled: false, paths: ['deploy/**'] } },
    });
    const plan = buildPlan(['backend', 'devops'], resolveAgents(config), 'feature', 2);
    expect(plan.nodes.map((n) => n.agent)).toEqual(['backend']);
  });

  it('orders ready agents by the issue type when the limit forces a choice', () => {
    const independent = resolveAgents(
      validateRepoConfig({
        agents: Object.fromEntries(
          (['database', 'backend', 'frontend', 'devops', 'documentation'] as AgentType[]).map(
            (a) => [a, { paths: [`${a}/**`], depends_on: [] }],
          ),
        ),
      }),
    );
    const crew: AgentType[] = ['database', 'backend', 'frontend', 'devops', 'documentation'];
    const pending = Object.fromEntries(crew.map((a) => [a, 'pending'])) as RunStates;
    expect(agentsToStart(buildPlan(crew, independent, 'bug', 2), pending)).toEqual([
      'backend',
      'frontend',
    ]);
    expect(agentsToStart(buildPlan(crew, independent, 'performance', 1), pending)).toEqual([
      'devops',
    ]);
    expect(agentsToStart(buildPlan(crew, independent, 'documentation', 2), pending)).toEqual([
      'documentation',
      'frontend',
    ]);
  });
});

describe('advancing the DAG', () => {
  const plan = buildPlan(
    ['database', 'backend', 'frontend', 'devops', 'documentation'],
    agents,
    'feature',
    3,
  );

  it('starts only agents whose dependencies are done, within the limit', () => {
    const states: RunStates = {
      database: 'pending',
      backend: 'pending',
      frontend: 'pending',
      devops: 'pending',
      documentation: 'pending',
    };
    expect(agentsToStart(plan, states)).toEqual(['database']);
    states.database = 'done';
    expect(agentsToStart(plan, states)).toEqual(['backend']);
    states.backend = 'done';
    expect(agentsToStart(plan, states)).toEqual(['frontend', 'devops']);
    states.frontend = 'running';
    expect(agentsToStart(plan, states)).toEqual(['devops']);
  });

  it('skips exactly the dependents of a failed agent, not its siblings', () => {
    const states: RunStates = {
      database: 'done',
      backend: 'done',
      frontend: 'failed',
      devops: 'running',
      documentation: 'pending',
    };
    expect(agentsToSkip(plan, states)).toEqual(['documentation']);
    const early: RunStates = {
      database: 'failed',
      backend: 'pending',
      frontend: 'pending',
      devops: 'pending',
      documentation: 'pending',
    };
    expect(agentsToSkip(plan, early).sort()).toEqual([
      'backend',
      'devops',
      'documentation',
      'frontend',
    ]);
  });

  it('is finished when every agent is done, failed or skipped', () => {
    expect(
      isFinished(plan, {
        database: 'done',
        backend: 'failed',
        frontend: 'skipped',
        devops: 'skipped',
        documentation: 'skipped',
      }),
    ).toBe(true);
    expect(isFinished(plan, { database: 'done', backend: 'running' })).toBe(false);
  });
});
