// Lint rules also encode the architecture's boundaries (docs/architecture.md,
// "Code layout and its rules"): a wrong import fails `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noSandbox = {
  group: ['**/sandbox/**'],
  message: 'Only tests, bench/ and the npm start launcher import sandbox/.',
};
const ioModules = [
  'node:fs*',
  'node:http*',
  'node:net',
  'node:child_process',
  'fs',
  'http',
  'https',
  'net',
  'child_process',
];
// common/ is the ground floor every side stands on: it imports from no side.
const commonLayer = {
  group: ['**/workflows/**', '**/activities/**', '**/client/**', '**/workers/**'],
  message: 'common/ imports nothing from workflows/, activities/, client/ or workers/.',
};
// Pure modules: no Temporal package, no I/O.
const purePatterns = [
  { group: ['@temporalio/*'], message: 'Pure modules import no Temporal package.' },
  { group: ioModules, message: 'Pure modules do no I/O.' },
  { group: ['@octokit/*', '@anthropic-ai/*', 'pino'], message: 'Pure modules do no I/O.' },
];
// What the workflow bundle imports stays free of zod: every open workflow runs
// the bundle's modules anew, schemas included (docs/scaling.md, "Memory").
const noZod = {
  group: ['zod', 'zod/*'],
  allowTypeImports: true,
  message:
    'Workflow code and the common/ modules it imports take no zod at runtime: validate in activities; `import type` for schema types.',
};
const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'zlib',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Production code reaches the simulators only over HTTP.
    files: ['activities/**/*.ts', 'workers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noSandbox] }],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noSandbox, commonLayer] }],
    },
  },
  {
    // Workflow code: deterministic. Temporal workflow API, common/ and pure modules only.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noSandbox,
            { group: nodeBuiltins, message: 'Workflow code must not use Node built-ins.' },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'Workflows import @temporalio/workflow only.',
            },
            {
              group: ['**/workers/**', '**/client/**'],
              message: 'Workflows import common/ and pure modules only.',
            },
            {
              group: ['**/activities/*', '!**/activities/pure'],
              allowTypeImports: true,
              message: 'Import activities by `import type` only (pure modules excepted).',
            },
            {
              group: ['@octokit/*', '@anthropic-ai/*', 'pino', 'yaml'],
              message: 'No I/O libraries in workflow code.',
            },
            noZod,
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'fetch', message: 'No I/O in workflows.' },
      ],
      // A workflow reads top to bottom: split a function before it grows past this.
      'max-lines-per-function': ['error', { max: 150 }],
    },
  },
  {
    // Pure modules: no Temporal package, no I/O (activities/analysis/pure/ included).
    files: ['**/pure/**/*.ts', 'scripts/classifier-training.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noSandbox, ...purePatterns] }],
    },
  },
  {
    // Pure modules of common/: the text helpers every side uses, and the shared definitions.
    files: [
      'common/text/**/*.ts',
      'common/schemas.ts',
      'common/repo-config.ts',
      'common/path-guard.ts',
      'common/ids.ts',
      'common/inert-text.ts',
      'common/checks.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noSandbox, ...purePatterns, commonLayer] }],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noSandbox,
            {
              group: ['**/workers/**'],
              message: 'client/ never imports workers/; they meet in common/ and Temporal.',
            },
          ],
        },
      ],
    },
  },
  {
    // Pure workflow modules and the zod-free common/ modules the workflow bundle imports.
    files: [
      'workflows/pure/**/*.ts',
      'common/agent-types.ts',
      'common/usage.ts',
      'common/repo-rules.ts',
      'common/run-settings-fallback.ts',
      'common/profile-values.ts',
      'common/check-text.ts',
      'common/ids.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noSandbox, ...purePatterns, commonLayer, noZod] },
      ],
    },
  },
);
