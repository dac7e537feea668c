/**
 * The GitHub credentials a process is configured with, read and checked
 * without Octokit (common/github-app.ts builds the clients from them), so a
 * worker can refuse to start on bad credentials before it loads the client.
 */
import { readSecret } from './env.js';

export interface GitHubAppCredentials {
  appId: number;
  privateKey: string;
}

/** The App's credentials from `GITHUB_APP_ID` and `GITHUB_APP_PRIVATE_KEY(_FILE)`; none without an App id. */
export function readAppCredentials(
  env: NodeJS.ProcessEnv = process.env,
): GitHubAppCredentials | undefined {
  const id = env.GITHUB_APP_ID?.trim();
  if (!id) return undefined;
  if (!/^\d+$/.test(id)) throw new Error('GITHUB_APP_ID must be the App ID (a number)');
  // A key pasted into one line of an env file has its newlines escaped.
  const privateKey = readSecret('GITHUB_APP_PRIVATE_KEY', env).replace(/\\n/g, '\n');
  if (!privateKey.includes('PRIVATE KEY-----'))
    throw new Error('GITHUB_APP_PRIVATE_KEY(_FILE) does not hold a PEM private key');
  return { appId: Number(id), privateKey };
}

/** Reads the configured credentials (App, else token) and throws what is missing or malformed. */
export function checkGitHubCredentials(env: NodeJS.ProcessEnv = process.env): void {
  if (!readAppCredentials(env)) readSecret('GITHUB_TOKEN', env);
}
