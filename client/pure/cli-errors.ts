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
