/** `.github/blogtube.yml` texts the tests commit to the sandbox repository. */

/** Only the database agent enabled, with a turn limit: one agent per issue. */
export function databaseOnlyConfig(maxTurns: number): string {
  return [
    'version: 1',
    'limits:',
    `  max_turns: ${maxTurns}`,
    'agents:',
    "  backend: { enabled: false, paths: ['api/**'] }",
    "  frontend: { enabled: false, paths: ['web/**'] }",
    "  devops: { enabled: false, paths: ['deploy/**'] }",
    "  documentation: { enabled: false, paths: ['docs/**'] }",
    '',
  ].join('\n');
}
