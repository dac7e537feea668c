/**
 * The issues the system benchmark opens, in rotation: a one-agent
 * documentation fix, a one-agent backend bug, a four-agent chain
 * (database → backend → frontend → documentation) and two crews with a
 * parallel branch (backend → frontend ∥ devops → documentation).
 */
import { DEMO_ISSUE } from '../client/demo.js';

export interface BenchIssue {
  id: string;
  title: string;
  body: string;
}

export const BENCH_ISSUES: BenchIssue[] = [
  {
    id: 'docs-typo',
    title: 'Fix typo in the API docs',
    body: 'docs/api.md says GET /api/vidoes.',
  },
  {
    id: 'view-counter',
    title: 'Add a video view counter',
    body: [
      'Count views per video.',
      '',
      '- an API endpoint POST /api/videos/:id/views that increments a counter',
      '- show the count under the player in the web UI component',
      '- add a deployment setting for the counter cache in the deploy manifest',
    ].join('\n'),
  },
  { id: 'playlists', ...DEMO_ISSUE },
  {
    id: 'upload-bug',
    title: 'Upload endpoint returns 500 for large files',
    body: 'POST /api/upload crashes with a stack trace when the file is over 100 MB. The API route should return 413.',
  },
  {
    id: 'rate-limit',
    title: 'Add rate limiting to the comments API',
    body: 'Comments API needs a per-user rate limit in the backend route, a config value in the deployment manifest, and a notice in the web UI when the limit is hit.',
  },
];

export function issueAt(i: number): BenchIssue {
  return BENCH_ISSUES[i % BENCH_ISSUES.length] as BenchIssue;
}
