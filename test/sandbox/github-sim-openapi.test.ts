/**
 * OpenAPI conformance: drives every API route of the GitHub simulator through
 * Octokit and validates each response body against GitHub's official OpenAPI
 * description (@octokit/openapi), for the documented status code.
 *
 * The validator below covers the subset of JSON Schema the description uses
 * for response bodies (type, nullable, required, properties, items, enum,
 * allOf/anyOf/oneOf). `oneOf` is checked as "at least one": GitHub's variants
 * overlap (a private-user is also a public-user). Swapping in ajv later means
 * replacing `schemaErrors` only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { API_ROUTES } from '../../sandbox/github/routes/index.js';
import { SANDBOX_TOKENS, startGitHubSim, type GitHubSim } from '../../sandbox/github/server.js';

interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}
interface ResponseSpec {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
}
interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, ResponseSpec> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, ResponseSpec> };
}

const specPath = createRequire(import.meta.url).resolve(
  '@octokit/openapi/generated/api.github.com.json',
);
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;

function deref<T extends { $ref?: string }>(node: T): T {
  let current = node;
  while (current.$ref) {
    const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(current.$ref) ?? [];
    const table = kind === 'responses' ? spec.components.responses : spec.components.schemas;
    const next = name ? (table as Record<string, T>)[name] : undefined;
    if (!next) throw new Error(`unresolvable $ref ${current.$ref}`);
    current = next;
  }
  return current;
}

function typeOk(type: Schema['type'], value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}

/** Violations of `schema` by `value`, each prefixed with its JSON path. */
function schemaErrors(node: Schema, value: unknown, at = '$'): string[] {
  const schema = deref(node);
  if (value === null) {
    const nullable =
      schema.nullable === true ||
      schema.enum?.includes(null) === true ||
      [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some((s) => deref(s).nullable === true);
    const untyped = !schema.type && !schema.allOf && !schema.anyOf && !schema.oneOf;
    return nullable || untyped ? [] : [`${at}: null is not allowed`];
  }
  const errors = (schema.allOf ?? []).flatMap((s) => schemaErrors(s, value, at));
  for (const alternatives of [schema.anyOf, schema.oneOf]) {
    if (!alternatives) continue;
    const tried = alternatives.map((s) => schemaErrors(s, value, at));
    if (tried.every((e) => e.length > 0)) {
      errors.push(`${at}: matches no alternative (${tried.map((e) => e[0]).join(' | ')})`);
    }
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
  }
  if (schema.type && !typeOk(schema.type, value)) {
    return [
      ...errors,
      `${at}: expected ${schema.type}, got ${JSON.stringify(value)?.slice(0, 60)}`,
    ];
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((v, i) => errors.push(...schemaErrors(items, v, `${at}[${i}]`)));
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (obj[key] === undefined) errors.push(`${at}.${key}: required property missing`);
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (obj[key] !== undefined) errors.push(...schemaErrors(sub, obj[key], `${at}.${key}`));
    }
  }
  return errors;
}

/** The documented JSON body schema for an operation's status, or why there is none. */
function responseSchema(
  method: string,
  path: string,
  status: number,
): Schema | 'no-body' | 'undocumented' {
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${path} is not in GitHub's OpenAPI description`);
  const response = operation.responses[String(status)];
  if (!response) return 'undocumented';
  const content = deref(response).content;
  return content?.['application/json']?.schema ?? 'no-body';
}

interface Recorded {
  method: string;
  path: string;
  status: number;
  data: unknown;
}

const repo = { owner: 'blogtube', repo: 'blogtube' };
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const recorded: Recorded[] = [];
let sim: GitHubSim;

/** An Octokit whose every response (success or error) is recorded with its path template. */
function recordingOctokit(token?: string | { appId: number; privateKey: string }): Octokit {
  const octokit =
    typeof token === 'object'
      ? new Octokit({ baseUrl: sim.url, authStrategy: createAppAuth, auth: token, log: quiet })
      : new Octokit({ baseUrl: sim.url, auth: token, log: quiet });
  octokit.hook.wrap('request', async (request, options) => {
    const method = options.method;
    const path = options.url;
    try {
      const response = await request(options);
      recorded.push({ method, path, status: response.status, data: response.data });
      return response;
    } catch (err) {
      const e = err as { status?: number; response?: { data: unknown } };
      if (e.status && e.response)
        recorded.push({ method, path, status: e.status, data: e.response.data });
      throw err;
    }
  });
  return octokit;
}

/** Drives every route at least once, successes and typical failures. */
async function exercise(): Promise<void> {
  const bot = recordingOctokit(SANDBOX_TOKENS.bot);
  const anon = recordingOctokit();
  const outsider = recordingOctokit(SANDBOX_TOKENS.outsider);
  const fails = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a failure');
      },
      () => undefined,
    );

  // The App's webhook, delivering to a port nobody listens on: every delivery fails.
  const app = recordingOctokit(sim.store.hooks.enable('http://127.0.0.1:9/webhooks', 's'));

  await bot.users.getAuthenticated();
  await anon.repos.get(repo);
  await bot.repos.getCollaboratorPermissionLevel({ ...repo, username: 'sandbox-bot' });

  const { data: issue } = await bot.issues.create({
    ...repo,
    title: 'Tags',
    body: 'b',
    labels: ['bug'],
  });
  await anon.issues.get({ ...repo, issue_number: issue.number });
  await bot.issues.update({ ...repo, issue_number: issue.number, title: 'Tags!' });
  await anon.issues.listForRepo({ ...repo, state: 'all' });
  const { data: comment } = await bot.issues.createComment({
    ...repo,
    issue_number: issue.number,
    body: 'c',
  });
  await anon.issues.listComments({ ...repo, issue_number: issue.number });
  await anon.issues.getComment({ ...repo, comment_id: comment.id });
  await bot.issues.updateComment({ ...repo, comment_id: comment.id, body: 'c2' });
  await anon.issues.listLabelsForRepo(repo);
  await bot.issues.addLabels({ ...repo, issue_number: issue.number, labels: ['blogtube'] });
  await anon.issues.listLabelsOnIssue({ ...repo, issue_number: issue.number });
  await bot.issues.removeLabel({ ...repo, issue_number: issue.number, name: 'bug' });
  await fails(anon.issues.get({ ...repo, issue_number: 999 }));
  const untyped: string = 'POST /repos/{owner}/{repo}/issues'; // no title: a 422
  await fails(bot.request(untyped, { ...repo }));

  const { data: main } = await anon.git.getRef({ ...repo, ref: 'heads/main' });
  await anon.git.listMatchingRefs({ ...repo, ref: 'heads/' });
  const { data: head } = await anon.git.getCommit({ ...repo, commit_sha: main.object.sha });
  await anon.git.getTree({ ...repo, tree_sha: head.tree.sha, recursive: '1' });
  const { data: blob } = await bot.git.createBlob({ ...repo, content: 'export {};\n' });
  await anon.git.getBlob({ ...repo, file_sha: blob.sha });
  const { data: tree } = await bot.git.createTree({
    ...repo,
    base_tree: head.tree.sha,
    tree: [{ path: 'api/routes/tags.js', mode: '100644', type: 'blob', sha: blob.sha }],
  });
  const { data: commit } = await bot.git.createCommit({
    ...repo,
    message: 'Add tags route',
    tree: tree.sha,
    parents: [head.sha],
  });
  await bot.git.createRef({ ...repo, ref: 'refs/heads/feature', sha: head.sha });
  await bot.git.updateRef({ ...repo, ref: 'heads/feature', sha: commit.sha });
  await fails(bot.git.createRef({ ...repo, ref: 'refs/heads/feature', sha: head.sha }));
  await fails(outsider.git.createTree({ ...repo, tree: [] }));

  await anon.repos.getContent({ ...repo, path: 'README.md' });
  await anon.repos.getContent({ ...repo, path: 'api' });
  await fails(anon.repos.getContent({ ...repo, path: 'nope.md' }));
  await anon.repos.listCommits({ ...repo, sha: 'feature' });
  await anon.repos.getCommit({ ...repo, ref: commit.sha });
  await anon.repos.getBranch({ ...repo, branch: 'feature' });
  // The 302 to the archive, as GitHub documents it (not followed here).
  await anon.repos.downloadTarballArchive({
    ...repo,
    ref: 'main',
    request: { redirect: 'manual' },
  });

  const { data: pr } = await bot.pulls.create({
    ...repo,
    title: 'Tags',
    head: 'feature',
    base: 'main',
    draft: true,
  });
  await anon.pulls.list({ ...repo, head: 'blogtube:feature' });
  await anon.pulls.get({ ...repo, pull_number: pr.number });
  await bot.pulls.update({ ...repo, pull_number: pr.number, body: 'Closes #1' });
  await fails(bot.pulls.create({ ...repo, title: 'Tags', head: 'feature', base: 'main' }));
  await anon.issues.get({ ...repo, issue_number: pr.number }); // a pull request seen as an issue
  await anon.pulls.listCommits({ ...repo, pull_number: pr.number });
  await anon.pulls.listFiles({ ...repo, pull_number: pr.number });
  await anon.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...feature' });
  await anon.repos.compareCommitsWithBasehead({ ...repo, basehead: 'feature...main' });
  await fails(anon.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...nope' }));

  await bot.repos.createCommitStatus({
    ...repo,
    sha: commit.sha,
    state: 'pending',
    context: 'blogtube/test',
    target_url: `${sim.url}/runs/1`,
  });
  await bot.repos.createCommitStatus({ ...repo, sha: commit.sha, state: 'success' });
  await fails(
    bot.repos.createCommitStatus({
      ...repo,
      sha: commit.sha,
      state: 'error',
      description: 'd'.repeat(141),
    }),
  );
  await anon.repos.listCommitStatusesForRef({ ...repo, ref: 'feature' });
  await anon.repos.getCombinedStatusForRef({ ...repo, ref: commit.sha });
  await anon.repos.getCombinedStatusForRef({ ...repo, ref: 'main' }); // no statuses: pending
  await fails(anon.repos.getCombinedStatusForRef({ ...repo, ref: 'nope' }));

  await bot.git.createRef({ ...repo, ref: 'refs/heads/scratch', sha: head.sha });
  await bot.git.deleteRef({ ...repo, ref: 'heads/scratch' });

  await sim.store.hooks.settled();
  const { data: deliveries } = await app.apps.listWebhookDeliveries({ per_page: 1 });
  expect(deliveries).toHaveLength(1);
  await app.apps.listWebhookDeliveries({ per_page: 100 });
  await app.apps.redeliverWebhookDelivery({ delivery_id: deliveries[0]!.id });
  await fails(app.apps.redeliverWebhookDelivery({ delivery_id: 999_999 }));
  await fails(bot.apps.listWebhookDeliveries());
  await sim.store.hooks.settled();
}

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  await exercise();
});
afterAll(() => sim.close());

describe('OpenAPI conformance', () => {
  it('names every simulated route as GitHub’s OpenAPI description does', () => {
    const missing = API_ROUTES.filter((r) => !spec.paths[r.path]?.[r.method.toLowerCase()]);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('exercised every route with a successful response (2xx, or a documented redirect)', () => {
    const untested = API_ROUTES.filter(
      (r) => !recorded.some((x) => x.method === r.method && x.path === r.path && x.status < 400),
    );
    expect(untested.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('answers only with status codes GitHub documents for successes', () => {
    const undocumented = recorded.filter(
      (r) => r.status < 400 && responseSchema(r.method, r.path, r.status) === 'undocumented',
    );
    expect(undocumented.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);
  });

  it('returns bodies that satisfy the documented response schemas', () => {
    const problems = recorded.flatMap((r) => {
      const schema = responseSchema(r.method, r.path, r.status);
      if (schema === 'undocumented') return [];
      if (schema === 'no-body')
        return r.data === '' || r.data === undefined
          ? []
          : [`${r.method} ${r.path}: unexpected body`];
      return schemaErrors(schema, r.data).map((e) => `${r.method} ${r.path} ${r.status} ${e}`);
    });
    expect(problems).toEqual([]);
    expect(recorded.filter((r) => r.status >= 400).length).toBeGreaterThanOrEqual(6);
  });

  it('has a validator that catches missing, mistyped and non-nullable fields', () => {
    const label = { $ref: '#/components/schemas/label' };
    const good = {
      id: 1,
      node_id: 'n',
      url: 'u',
      name: 'bug',
      description: null,
      color: 'f00',
      default: true,
    };
    expect(schemaErrors(label, good)).toEqual([]);
    const { color: _color, ...noColor } = good;
    expect(schemaErrors(label, noColor)).toEqual(['$.color: required property missing']);
    expect(schemaErrors(label, { ...good, id: 'one' })).toHaveLength(1);
    expect(schemaErrors(label, { ...good, name: null })).toEqual(['$.name: null is not allowed']);
  });
});
