/**
 * GitHub App credentials through the real Octokit and @octokit/auth-app, against
 * a loopback stand-in of GitHub's three App endpoints that checks the App's JWT
 * (RS256, signed with the App's key, `iss` = App id): each repository's requests
 * carry the token of the installation covering it; installations are looked up
 * once per repository and tokens minted once per installation (cached).
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createGitHubClient,
  GitHubAppInstallations,
  readAppCredentials,
} from '../../common/github-app.js';

const APP_ID = 4242;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const INSTALLATIONS: Record<string, number> = { alpha: 11, beta: 22 };

const calls: string[] = [];
let server: Server;
let url: string;

function appJwtOk(auth: string | undefined): boolean {
  const m = /^bearer (.+)\.(.+)\.(.+)$/i.exec(auth ?? '');
  if (!m) return false;
  const [, h, p, sig] = m as unknown as [string, string, string, string];
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${h}.${p}`);
  const ok = verifier.verify(publicKey, Buffer.from(sig, 'base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss: unknown };
  return ok && String(claims.iss) === String(APP_ID);
}

beforeAll(async () => {
  let minted = 0;
  server = createServer((req, res) => {
    try {
      answer(req, res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  function answer(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '';
    calls.push(`${req.method} ${path}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
    if (m) {
      if (!appJwtOk(req.headers.authorization)) return send(401, { message: 'bad JWT' });
      const id = INSTALLATIONS[m[1]!];
      return id ? send(200, { id, account: { login: m[1] } }) : send(404, { message: 'Not Found' });
    }
    m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (m && req.method === 'POST') {
      if (!appJwtOk(req.headers.authorization)) return send(401, { message: 'bad JWT' });
      minted++;
      return send(201, {
        token: `ghs_inst${m[1]}_${minted}`,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { issues: 'write' },
        repository_selection: 'all',
      });
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path);
    if (m) return send(200, { number: Number(m[3]), auth: req.headers.authorization });
    send(404, { message: 'Not Found' });
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('GitHub App client', () => {
  it('authenticates each repository as its installation, with cached lookups and tokens', async () => {
    const octokit = createGitHubClient(url, {
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: pem.replace(/\n/g, '\\n'), // one line, as in an env file
    });
    const auth = async (owner: string, n: number) =>
      (
        (await octokit.rest.issues.get({ owner, repo: 'r', issue_number: n })).data as unknown as {
          auth: string;
        }
      ).auth;
    expect(await auth('alpha', 1)).toBe('token ghs_inst11_1');
    expect(await auth('alpha', 2)).toBe('token ghs_inst11_1');
    expect(await auth('beta', 3)).toMatch(/^token ghs_inst22_\d$/);
    expect(calls.filter((c) => c.endsWith('/installation'))).toEqual([
      'GET /repos/alpha/r/installation',
      'GET /repos/beta/r/installation',
    ]);
    expect(calls.filter((c) => c.includes('access_tokens'))).toHaveLength(2);

    await expect(
      octokit.rest.issues.get({ owner: 'gamma', repo: 'r', issue_number: 1 }),
    ).rejects.toThrow('the GitHub App is not installed on gamma/r');
    await expect(octokit.rest.users.getAuthenticated()).rejects.toThrow(/names no repository/);
  });

  it("asks for a repository's installation again once the profile's cache time has passed", async () => {
    let now = 1_000_000;
    const installations = new GitHubAppInstallations(
      url,
      { appId: APP_ID, privateKey: pem },
      60_000,
      () => now,
    );
    const lookups = () => calls.filter((c) => c === 'GET /repos/delta/r/installation').length;
    INSTALLATIONS.delta = 33;
    expect(await installations.installationId('delta', 'r')).toBe(33);
    // The App is uninstalled and installed again: a new installation id.
    INSTALLATIONS.delta = 44;
    now += 59_999;
    expect(await installations.installationId('delta', 'r')).toBe(33);
    expect(lookups()).toBe(1);
    now += 1;
    expect(await installations.installationId('delta', 'r')).toBe(44);
    expect(lookups()).toBe(2);
  });

  it('uses a token when no App is configured', async () => {
    const octokit = createGitHubClient(url, { GITHUB_TOKEN: 'plain-token' });
    const { data } = await octokit.rest.issues.get({ owner: 'alpha', repo: 'r', issue_number: 1 });
    expect((data as unknown as { auth: string }).auth).toBe('token plain-token');
    expect(() => createGitHubClient(url, {})).toThrow(/GITHUB_TOKEN is not set/);
  });

  it('reads the key from GITHUB_APP_PRIVATE_KEY_FILE and refuses what is not a key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blogtube-app-'));
    writeFileSync(join(dir, 'app.pem'), pem);
    writeFileSync(join(dir, 'bad.pem'), 'hello');
    expect(
      readAppCredentials({ GITHUB_APP_ID: '7', GITHUB_APP_PRIVATE_KEY_FILE: join(dir, 'app.pem') }),
    ).toEqual({ appId: 7, privateKey: pem.trim() });
    expect(() =>
      readAppCredentials({ GITHUB_APP_ID: '7', GITHUB_APP_PRIVATE_KEY_FILE: join(dir, 'bad.pem') }),
    ).toThrow(/does not hold a PEM private key/);
    expect(() => readAppCredentials({ GITHUB_APP_ID: 'x' })).toThrow(/App ID/);
    expect(readAppCredentials({ GITHUB_APP_ID: '' })).toBeUndefined();
  });
});
