import { describe, expect, it } from '@jest/globals';
import { analyzeIssue } from '../../activities/analysis/pure/analyzer.js';
import { DEFAULT_AGENTS } from '../../common/repo-config.js';

const analyze = (title: string, body = '', labels: string[] = []) =>
  analyzeIssue({ title, body, labels }, DEFAULT_AGENTS);

describe('analyzer', () => {
  it('reads a labelled bug in the API as a backend bug', () => {
    const a = analyze(
      'Posts endpoint returns 500 when the title is empty',
      'The API route crashes.',
      ['bug'],
    );
    expect(a.type).toBe('bug');
    expect(a.confidence).toBeGreaterThan(0.9);
    expect(a.agents).toContain('backend');
    expect(a.reasons).toContainEqual(expect.stringContaining('label'));
  });

  it('sends a cross-area feature to every area it names, plus documentation', () => {
    const a = analyze(
      'Add playlists',
      'Add a playlists table in the database, API endpoints, and a UI component. Deploy with docker.',
    );
    expect(a.type).toBe('feature');
    expect(a.agents).toEqual(['database', 'backend', 'frontend', 'devops', 'documentation']);
    expect(a.complexity).toBe('complex');
  });

  it('maps file paths named in the text to the agents that own them', () => {
    const a = analyze('Fix typo', 'In web/src/App.jsx the heading is misspelt.');
    expect(a.agents).toContain('frontend');
    expect(a.reasons).toContainEqual(expect.stringContaining('web/src/App.jsx'));
  });

  it('rates security-sensitive text as high risk, with the words that made it so', () => {
    const a = analyze('Passwords are logged', 'The auth route logs user passwords.');
    expect(a.risk).toBe('high');
    expect(a.reasons.find((r) => r.startsWith('risk high'))).toMatch(/password/);
  });

  it('keeps a short docs request simple and low risk', () => {
    const a = analyze('Document the videos endpoint in the README', '');
    expect(a.type).toBe('documentation');
    expect(a.agents).toContain('documentation');
    expect(a.complexity).toBe('simple');
  });

  it('is deterministic', () => {
    expect(analyze('Slow page', 'The video page is slow')).toEqual(
      analyze('Slow page', 'The video page is slow'),
    );
  });
});
