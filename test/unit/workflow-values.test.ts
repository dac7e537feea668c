/**
 * The zod-free modules the workflow bundle imports hold the same values as the
 * schemas they stand in for: a default or a fallback written out by hand
 * cannot drift from what the schema gives.
 */
import { describe, expect, it } from '@jest/globals';
import { isAgentType } from '../../common/agent-types.js';
import { defaultWorkspaceConfig } from '../../common/repo-rules.js';
import { RepoConfig, WorkspaceConfig } from '../../common/repo-config.js';
import { PROFILES } from '../../common/profiles.js';
import {
  DEFAULT_MODEL_TASK_QUEUE,
  PRODUCTION_RUN_SETTINGS,
} from '../../common/run-settings-fallback.js';
import { runSettings } from '../../common/run-settings.js';
import { AgentType } from '../../common/schemas.js';

describe('zod-free values of the workflow bundle', () => {
  it('defaultWorkspaceConfig() is WorkspaceConfig.parse({}), key order included, and a fresh object each time', () => {
    const parsed = WorkspaceConfig.parse({});
    expect(defaultWorkspaceConfig()).toStrictEqual(parsed);
    expect(JSON.stringify(defaultWorkspaceConfig())).toBe(JSON.stringify(parsed));
    expect(defaultWorkspaceConfig()).toStrictEqual(RepoConfig.parse({}).workspace);
    const a = defaultWorkspaceConfig();
    a.setup_inputs.push('x');
    expect(defaultWorkspaceConfig().setup_inputs).not.toContain('x');
  });

  it('PRODUCTION_RUN_SETTINGS is what runSettings() validates for the production profile', () => {
    expect(PRODUCTION_RUN_SETTINGS).toEqual(
      runSettings(PROFILES.production, DEFAULT_MODEL_TASK_QUEUE),
    );
  });

  it.each([
    ['database', true],
    ['documentation', true],
    ['Database', false],
    ['maintainer', false],
    ['', false],
    [undefined, false],
    [3, false],
    [['backend'], false],
  ])('isAgentType(%p) is %p, as AgentType.safeParse says', (x, expected) => {
    expect(isAgentType(x)).toBe(expected);
    expect(AgentType.safeParse(x).success).toBe(expected);
  });
});
