/** The orchestrator's run settings, handed to a run once (a local activity: recorded in its history). */
import type { RunSettings } from '../common/run-settings.js';

export function createRunSettingsActivities(settings: RunSettings) {
  return {
    async loadRunSettings(): Promise<RunSettings> {
      return settings;
    },
  };
}

export type RunSettingsActivities = ReturnType<typeof createRunSettingsActivities>;
