/**
 * What the careful engineer changes, per agent type, in a project shaped like
 * the sandbox repository (db/, api/, web/, deploy/, docs/; tests next to the
 * code): where to search, which file to open, an edit of that existing file
 * anchored on text it has seen (a line that occurs exactly once), a new
 * module only where one is natural (a new table), and a test of the change.
 * When the expected anchor is not there, the plan falls back to a new module
 * and its test in the agent's first area. Pure.
 */
import { globDir, joinPath, matchesAny } from '../paths.js';
import type { ChangeNames } from './names.js';

/** One call of the editor tool. */
export type EditorCall =
  | { command: 'create'; path: string; file_text: string }
  | { command: 'str_replace'; path: string; old_str: string; new_str: string };

export interface SearchCall {
  pattern: string;
  path: string;
  glob?: string;
}

export interface ChangeContext {
  names: ChangeNames;
  issue: number;
  /** A plain version of the issue title (safe in Markdown and strings). */
  title: string;
  /** The agent's writable globs. */
  writable: readonly string[];
  /** Summaries of the agents this one depends on (documentation uses them). */
  dependencies: readonly { agent: string; summary: string }[];
  /** The identifier written where `result` belongs: a slip when it is not `result`. */
  result: string;
}

/** What the agent learnt while looking around: files it viewed whole, search hits. */
export interface Seen {
  files: ReadonlyMap<string, string>;
  hits: readonly { path: string; line: number; text: string }[];
}

/** A look-around call, made in the turn that opens the file to change. */
export type LookCall = { tool: 'view'; path: string } | { tool: 'search'; input: SearchCall };

export interface Plan {
  search: SearchCall;
  /** The file to open among the search's hits. */
  pick(paths: readonly string[]): string | undefined;
  /** More to read with it: a teammate's new module, where the change's names are used. */
  lookAround?(names: ChangeNames, listed: readonly string[]): LookCall[];
  /** The edits, given the picked file's text; undefined when its anchor is missing. */
  edits(
    ctx: ChangeContext,
    file: { path: string; text: string } | undefined,
    seen: Seen,
  ): EditorCall[] | undefined;
}

/** `{{key}}` placeholders filled in. */
export function fill(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, key: string) =>
    vars[key] === undefined ? m : String(vars[key]),
  );
}

function vars(ctx: ChangeContext): Record<string, string | number> {
  return { ...ctx.names, n: ctx.issue, result: ctx.result, title: ctx.title };
}

/** The whole line matching `re` if it occurs once in the text (a safe `old_str`). */
export function uniqueLine(
  text: string,
  re: RegExp,
  which: 'first' | 'last' = 'last',
): string | undefined {
  const lines = text.split('\n').filter((l) => re.test(l));
  const line = which === 'last' ? lines.at(-1) : lines[0];
  if (line === undefined || line.trim() === '') return undefined;
  return text.split(line).length === 2 ? line : undefined;
}

const byName =
  (...names: string[]) =>
  (paths: readonly string[]): string | undefined =>
    names.map((n) => paths.find((p) => p === n)).find((p) => p !== undefined) ?? paths[0];

// ---- database: a table module, exported from db/index.js, and its test ----

const DB_MODULE = `/** {{pascal}} (#{{n}}): rows of the \`{{camel}}\` table, each named and maybe tied to a post. */
export function validate{{pascal}}(input) {
  const errors = [];
  if (typeof input?.name !== 'string' || input.name.trim() === '') errors.push('name is required');
  if (input?.postId !== undefined && !Number.isInteger(input.postId)) {
    errors.push('postId must be an integer');
  }
  return errors;
}

export function add{{pascal}}(store, input) {
  const errors = validate{{pascal}}(input);
  if (errors.length > 0) return { errors };
  return { row: store.insert('{{camel}}', { name: input.name.trim(), postId: input.postId ?? null }) };
}

export function list{{pascal}}(store) {
  const result = store.all('{{camel}}').sort((a, b) => a.id - b.id);
  return {{result}};
}
`;

const DB_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store, add{{pascal}}, list{{pascal}} } from './index.js';

test('{{human}}: rows are validated, stored and listed oldest first (#{{n}})', () => {
  const store = new Store();
  assert.deepEqual(add{{pascal}}(store, {}).errors, ['name is required']);
  assert.deepEqual(add{{pascal}}(store, { name: 'x', postId: 'a' }).errors, [
    'postId must be an integer',
  ]);
  add{{pascal}}(store, { name: ' first ' });
  add{{pascal}}(store, { name: 'second', postId: 1 });
  assert.deepEqual(
    list{{pascal}}(store).map((row) => [row.name, row.postId]),
    [
      ['first', null],
      ['second', 1],
    ],
  );
});
`;

const database: Plan = {
  search: { pattern: '^export (\\*|\\{)', path: 'db' },
  pick: byName('db/index.js'),
  edits(ctx, file) {
    if (!file || file.path !== 'db/index.js') return undefined;
    const anchor = uniqueLine(file.text, /^export (\*|\{).* from '\.\/[^']+';$/);
    if (!anchor) return undefined;
    const v = vars(ctx);
    return [
      { command: 'create', path: `db/${ctx.names.kebab}.js`, file_text: fill(DB_MODULE, v) },
      {
        command: 'str_replace',
        path: file.path,
        old_str: anchor,
        new_str: `${anchor}\nexport * from './${ctx.names.kebab}.js';`,
      },
      { command: 'create', path: `db/${ctx.names.kebab}.test.js`, file_text: fill(DB_TEST, v) },
    ];
  },
};

// ---- backend: a route in api/app.js and its test ----

const API_ROUTE = `{{ind}}if (req.method === 'GET' && url.pathname === '/api/{{kebab}}') {
{{ind}}  const result = {{rows}};
{{ind}}  return send(res, 200, {{result}});
{{ind}}}
`;

const API_TEST = `import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { {{dbImports}} } from '../db/index.js';
import { createHandler } from './app.js';

const store = new Store();{{helper}}
let server;
let base;
before(async () => {
  server = createServer(createHandler(store));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = \`http://127.0.0.1:\${server.address().port}\`;
});
after(() => new Promise((resolve) => server.close(resolve)));

test('GET /api/{{kebab}} lists {{human}} oldest first (#{{n}})', async () => {
  {{insert}}(store, { name: 'first' });
  {{insert}}(store, { name: 'second' });
  const res = await fetch(\`\${base}/api/{{kebab}}\`);
  const body = await res.json();
  assert.deepEqual(
    { status: res.status, names: Array.isArray(body) ? body.map((row) => row.name) : body },
    { status: 200, names: ['first', 'second'] },
  );
});
`;

/** The database agent's functions for the table, if its module (db/<name>.js) was viewed. */
function dbModule(ctx: ChangeContext, seen: Seen): { list: string; add?: string } | undefined {
  const text = seen.files.get(`db/${ctx.names.kebab}.js`);
  const list = `list${ctx.names.pascal}`;
  const add = `add${ctx.names.pascal}`;
  if (!text?.includes(`export function ${list}(store)`)) return undefined;
  return text.includes(`export function ${add}(store, input)`) ? { list, add } : { list };
}

const backend: Plan = {
  search: { pattern: 'url\\.pathname ===', path: 'api' },
  pick: byName('api/app.js'),
  lookAround: (names, listed) =>
    listed.includes(`db/${names.kebab}.js`) ? [{ tool: 'view', path: `db/${names.kebab}.js` }] : [],
  edits(ctx, file, seen) {
    if (!file) return undefined;
    const anchor = uniqueLine(file.text, /^\s*return send\(res, 404,/);
    if (!anchor) return undefined;
    const ind = /^\s*/.exec(anchor)?.[0] ?? '';
    const importLine = uniqueLine(
      file.text,
      /^import \{[^}]*\} from '\.\.\/db\/index\.js';$/,
      'first',
    );
    const db = importLine ? dbModule(ctx, seen) : undefined;
    const add = db?.add;
    const v = {
      ...vars(ctx),
      ind,
      rows: db
        ? `${db.list}(store)`
        : `store.all('${ctx.names.camel}').sort((a, b) => a.id - b.id)`,
      insert: add ?? 'insertRow',
      dbImports: add ? `Store, ${add}` : 'Store',
      helper: add ? '' : `\nconst insertRow = (s, row) => s.insert('${ctx.names.camel}', row);`,
    };
    const dir = file.path.split('/').slice(0, -1).join('/');
    const edits: EditorCall[] = [];
    if (db && importLine) {
      edits.push({
        command: 'str_replace',
        path: file.path,
        old_str: importLine,
        new_str: importLine.replace(/ \} from/, `, ${db.list} } from`),
      });
    }
    edits.push(
      {
        command: 'str_replace',
        path: file.path,
        old_str: anchor,
        new_str: `${fill(API_ROUTE, v)}${anchor}`,
      },
      {
        command: 'create',
        path: joinPath(dir, `${ctx.names.kebab}.test.js`),
        file_text: fill(API_TEST, v),
      },
    );
    return edits;
  },
};

// ---- frontend: a render function in web/render.js and its test ----

const WEB_RENDER = `/** {{pascal}} (#{{n}}): a list of names, or a line saying there are none. */
export function render{{pascal}}(items) {
  if (items.length === 0) return '<p>No {{human}} yet.</p>';
  const result = items.map((item) => \`<li>\${escapeHtml(item.name)}</li>\`).join('');
  return \`<ul class="{{kebab}}">\${{{result}}}</ul>\`;
}

`;

const WEB_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render{{pascal}} } from './{{module}}';

test('{{human}} are listed escaped, or the page says there are none (#{{n}})', () => {
  assert.match(render{{pascal}}([]), /No {{human}} yet/);
  assert.equal(
    render{{pascal}}([{ name: '<b>' }, { name: 'two' }]),
    '<ul class="{{kebab}}"><li>&lt;b&gt;</li><li>two</li></ul>',
  );
});
`;

const frontend: Plan = {
  search: { pattern: '^export function render', path: 'web' },
  pick: byName('web/render.js'),
  edits(ctx, file) {
    if (!file || !file.text.includes('export function escapeHtml')) return undefined;
    const anchor = uniqueLine(file.text, /^export function render\w*\(/);
    if (!anchor) return undefined;
    const parts = file.path.split('/');
    const v = { ...vars(ctx), module: parts.at(-1) ?? 'render.js' };
    return [
      {
        command: 'str_replace',
        path: file.path,
        old_str: anchor,
        new_str: `${fill(WEB_RENDER, v)}${anchor}`,
      },
      {
        command: 'create',
        path: joinPath(parts.slice(0, -1).join('/'), `${ctx.names.kebab}.test.js`),
        file_text: fill(WEB_TEST, v),
      },
    ];
  },
};

// ---- devops: a switch in deploy/config.js, the image's default, and a test ----

const DEPLOY_FLAG = `/** {{pascal}} (#{{n}}) can be switched off in a deployment: BLOGTUBE_{{upper}}=off. */
export function {{camel}}Enabled(env = process.env) {
  const result = String(env.BLOGTUBE_{{upper}} ?? 'on').trim().toLowerCase();
  return !['off', 'false', '0', 'no'].includes({{result}});
}

`;

const DEPLOY_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { {{camel}}Enabled } from './config.js';

test('{{human}} is on unless BLOGTUBE_{{upper}} switches it off (#{{n}})', () => {
  assert.equal({{camel}}Enabled({}), true);
  assert.equal({{camel}}Enabled({ BLOGTUBE_{{upper}}: ' On ' }), true);
  assert.equal({{camel}}Enabled({ BLOGTUBE_{{upper}}: 'off' }), false);
  assert.equal({{camel}}Enabled({ BLOGTUBE_{{upper}}: 'false' }), false);
});
`;

const devops: Plan = {
  search: { pattern: 'export function loadConfig', path: 'deploy' },
  pick: byName('deploy/config.js'),
  lookAround: (_names, listed) =>
    listed.includes('deploy/Dockerfile') ? [{ tool: 'view', path: 'deploy/Dockerfile' }] : [],
  edits(ctx, file, seen) {
    if (!file || file.path !== 'deploy/config.js') return undefined;
    const anchor = uniqueLine(file.text, /^export function loadConfig\(/, 'first');
    if (!anchor) return undefined;
    const v = vars(ctx);
    const edits: EditorCall[] = [
      {
        command: 'str_replace',
        path: file.path,
        old_str: anchor,
        new_str: `${fill(DEPLOY_FLAG, v)}${anchor}`,
      },
      {
        command: 'create',
        path: `deploy/${ctx.names.kebab}.test.js`,
        file_text: fill(DEPLOY_TEST, v),
      },
    ];
    // The image states the default next to the other settings.
    const image = seen.files.get('deploy/Dockerfile');
    const env = image ? uniqueLine(image, /^ENV PORT=/) : undefined;
    if (env) {
      edits.push({
        command: 'str_replace',
        path: 'deploy/Dockerfile',
        old_str: env,
        new_str: `${env}\nENV BLOGTUBE_${ctx.names.upper}=on`,
      });
    }
    return edits;
  },
};

// ---- documentation: a section in the API docs, checked by a test ----

const DOCS_TEST = `import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('the docs describe {{human}} (#{{n}})', () => {
  const result = readFileSync(new URL('./{{doc}}', import.meta.url), 'utf8');
  assert.ok({{result}}.includes({{heading}}), '{{doc}} has a section on it');
});
`;

/** What the code now offers, from the look-around search: routes and settings named after the change. */
function offered(seen: Seen): { routes: string[]; settings: string[] } {
  const code = seen.hits.filter((h) => !h.path.endsWith('.test.js') && !h.path.startsWith('docs/'));
  const all = (re: RegExp): string[] => [
    ...new Set(code.flatMap((h) => [...h.text.matchAll(re)].map((m) => m[1] ?? ''))),
  ];
  return {
    routes: all(/url\.pathname === '(\/api\/[a-z0-9-]+)'/g),
    settings: all(/\b(BLOGTUBE_[A-Z0-9_]+)\b/g),
  };
}

function docSection(ctx: ChangeContext, heading: string, seen: Seen): string {
  const { routes, settings } = offered(seen);
  const lines = [heading, '', `Issue #${ctx.issue} adds ${ctx.names.human}.`, ''];
  for (const r of routes) {
    lines.push(
      `- \`GET ${r}\` answers 200 with the ${ctx.names.human}, oldest first: \`[{ id, name }]\`.`,
    );
  }
  for (const e of settings) {
    lines.push(`- \`${e}=off\` switches it off in a deployment (default \`on\`).`);
  }
  const by = ctx.dependencies.map((d) => d.agent);
  if (by.length > 0) lines.push(`- Changed by the ${by.join(', ')} agents.`);
  return lines.join('\n').trimEnd();
}

const documentation: Plan = {
  search: { pattern: '^# ', path: 'docs', glob: '*.md' },
  pick: byName('docs/api.md'),
  lookAround: (names) => [
    {
      tool: 'search',
      input: { pattern: `/api/${names.kebab}'|BLOGTUBE_${names.upper}\\b`, path: '/workspace' },
    },
  ],
  edits(ctx, file, seen) {
    if (!file) return undefined;
    const lastLine = file.text.trimEnd().split('\n').at(-1) ?? '';
    const anchor =
      lastLine.trim() === ''
        ? undefined
        : uniqueLine(file.text, new RegExp(`^${escapeRe(lastLine)}$`));
    if (!anchor) return undefined;
    const heading = `## ${ctx.title} (#${ctx.issue})`;
    const doc = file.path.split('/').at(-1) ?? 'api.md';
    const v = { ...vars(ctx), doc, heading: JSON.stringify(heading) };
    const dir = file.path.split('/').slice(0, -1).join('/');
    return [
      {
        command: 'str_replace',
        path: file.path,
        old_str: anchor,
        new_str: `${anchor}\n\n${docSection(ctx, heading, seen)}`,
      },
      {
        command: 'create',
        path: joinPath(dir, `${ctx.names.kebab}.test.js`),
        file_text: fill(DOCS_TEST, v),
      },
    ];
  },
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- any other area: a module and its test ----

const GENERIC_MODULE = `/** {{pascal}} (#{{n}}): {{title}}. */
export function {{camel}}Info() {
  const result = { issue: {{n}}, name: '{{human}}' };
  return {{result}};
}
`;

const GENERIC_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { {{camel}}Info } from './{{kebab}}.js';

test('{{human}} is described (#{{n}})', () => {
  assert.deepEqual({{camel}}Info(), { issue: {{n}}, name: '{{human}}' });
});
`;

/** A new module and its test in the agent's first area (when no plan fits the project). */
export function genericEdits(ctx: ChangeContext): EditorCall[] {
  const dir = globDir(ctx.writable[0] ?? '');
  const v = vars(ctx);
  return [
    {
      command: 'create',
      path: joinPath(dir, `${ctx.names.kebab}.js`),
      file_text: fill(GENERIC_MODULE, v),
    },
    {
      command: 'create',
      path: joinPath(dir, `${ctx.names.kebab}.test.js`),
      file_text: fill(GENERIC_TEST, v),
    },
  ];
}

const PLANS: Readonly<Record<string, Plan>> = {
  database,
  backend,
  frontend,
  devops,
  documentation,
};

/** The agent type's plan, if its area is where the plan works. */
export function planFor(agent: string | null, writable: readonly string[]): Plan | undefined {
  const plan = agent ? PLANS[agent] : undefined;
  if (!plan) return undefined;
  return matchesAny(`${plan.search.path}/x.js`, writable) ||
    matchesAny(`${plan.search.path}/x.md`, writable)
    ? plan
    : undefined;
}
