import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_FEATURE_OPTIONS,
  extractFeatures,
  fnv1a,
  stripHtmlComments,
  tokenize,
  type FeatureOptions,
  type IssueText,
} from '../../activities/analysis/pure/text-features.js';

function namesOf(issue: IssueText, options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): string[] {
  const names = new Map<number, string>();
  extractFeatures(issue, options, names);
  return [...names.values()];
}

describe('text features', () => {
  it('hashes with 32-bit FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('strips HTML comments, including an unterminated one', () => {
    expect(stripHtmlComments('keep <!-- hidden\ninstructions --> this')).toBe('keep  this');
    expect(stripHtmlComments('keep <!-- never closed')).toBe('keep ');
  });

  it('ignores what template comments hide', () => {
    const plain = { title: 'Crash on save', body: '### Describe the bug\n\nIt crashes.' };
    const commented = {
      title: 'Crash on save',
      body: '### Describe the bug\n<!-- Please explain how to request a feature or ask a question -->\n\nIt crashes.',
    };
    expect(extractFeatures(commented)).toEqual(extractFeatures(plain));
    expect(namesOf(commented).filter((n) => n.includes('feature'))).toEqual([]);
  });

  it('tokenises to lower-case words, collapsing numbers and dropping over-long tokens', () => {
    expect(tokenize("Doesn't work in v2.10 — see 0123456789abcdef0123456789abcdef")).toEqual([
      "doesn't",
      'work',
      'in',
      'v2',
      '0',
      'see',
    ]);
  });

  it('returns an L2-normalised vector with distinct indices inside the hashed space', () => {
    const v = extractFeatures({ title: 'Add a dark theme', body: 'It would be nice. It would.' });
    const norm = Math.sqrt(v.values.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 10);
    expect(new Set(v.indices).size).toBe(v.indices.length);
    for (const i of v.indices) {
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(2 ** DEFAULT_FEATURE_OPTIONS.bits);
    }
  });

  it('is deterministic', () => {
    const issue = {
      title: 'Why does X fail?',
      body: 'Steps to reproduce:\n1. run\n```\nboom()\n```',
    };
    expect(extractFeatures(issue)).toEqual(extractFeatures(issue));
  });

  it('keeps title words apart from body words', () => {
    const names = namesOf({ title: 'Crash', body: 'crash' });
    expect(names).toContain('title word "crash"');
    expect(names).toContain('word "crash"');
  });

  it('reads template headings and their short answers', () => {
    const names = namesOf({
      title: 'Model fails to load',
      body: '### Issue type\n\nBug\n\n### Steps to reproduce\n\n1. load it\n\n**Expected behavior**: it loads',
    });
    expect(names).toContain('heading "issue type"');
    expect(names).toContain('heading "issue type" answered "bug"');
    expect(names).toContain('heading "steps to reproduce"');
    expect(names).toContain('heading "expected behavior" answered "it loads"');
    expect(names).toContain('template phrase "steps to reproduce"');
  });

  it('keeps code apart from prose and flags stack traces and versions', () => {
    const names = namesOf({
      title: 'Crash',
      body: 'Using 4.8.1:\n```\nTraceback (most recent call last):\n  File "x.py", line 3\nsegment_fault_here()\n```',
    });
    expect(names).toContain('code "segment_fault_here"');
    expect(names).not.toContain('word "segment_fault_here"');
    expect(names).toContain('a code block');
    expect(names).toContain('a stack trace');
    expect(names).toContain('a version string');
  });

  it('drops a group whose weight is 0, and adds character n-grams when asked', () => {
    const issue = { title: 'Crash', body: '### Steps\n\nrun' };
    const noHeadings = {
      ...DEFAULT_FEATURE_OPTIONS,
      weights: { ...DEFAULT_FEATURE_OPTIONS.weights, headings: 0 },
    };
    expect(namesOf(issue, noHeadings).filter((n) => n.startsWith('heading'))).toEqual([]);
    const chars = {
      ...DEFAULT_FEATURE_OPTIONS,
      weights: { ...DEFAULT_FEATURE_OPTIONS.weights, chars: 1 },
    };
    expect(namesOf(issue, chars)).toContain('word part "<cra"');
    expect(namesOf(issue, chars)).toContain('word part "rash>"');
  });

  it('ignores the body beyond maxBodyChars', () => {
    const options = { ...DEFAULT_FEATURE_OPTIONS, maxBodyChars: 20 };
    const short = { title: 't', body: 'first part of body.' };
    const long = { title: 't', body: `first part of body.${' more words'.repeat(50)}` };
    expect(extractFeatures(long, options)).toEqual(extractFeatures(short, options));
  });
});
