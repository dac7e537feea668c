/** The CLI's exit codes and its error type. Pure. */
/** Exit codes of the CLI (documented in README). */
export const EXIT = {
  /** The run ended without success (`watch`). */
  unsuccessful: 1,
  usage: 2,
  notFound: 3,
  unavailable: 4,
  /** The run is not in a state for this command (nothing awaits approval, not running…). */
  conflict: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * Why the bridge did not start a run for the webhook `blogtube demo` delivered,
 * or undefined when it did (HTTP 201 `started`). A refusal names the status
 * and the bridge's own words; a 401 also names the secret to fix.
 */
export function demoRefusal(bridgeUrl: string, status: number, reply: unknown): string | undefined {
  const body = (typeof reply === 'object' && reply !== null ? reply : {}) as {
    result?: unknown;
    reason?: unknown;
    error?: unknown;
  };
  if (status === 201 && body.result === 'started') return undefined;
  const said = [body.error, body.result, body.reason].filter((s) => typeof s === 'string');
  const words = said.length > 0 ? said.join(': ') : JSON.stringify(reply);
  const hint =
    status === 401
      ? ' The demo signs with GITHUB_WEBHOOK_SECRET (the sandbox secret when unset): set it to the bridge’s secret.'
      : '';
  const what = status >= 300 ? 'refused the webhook' : 'did not start a run';
  return `the bridge at ${bridgeUrl} ${what} (HTTP ${status} ${words}), so no run was started.${hint}`;
}
