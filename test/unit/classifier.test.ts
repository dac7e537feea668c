import { describe, expect, it } from '@jest/globals';
import { loadModel, predict } from '../../activities/analysis/pure/classifier.js';
import {
  DEFAULT_TRAIN_OPTIONS,
  crossValidate,
  modelToJson,
  stratifiedFolds,
  train,
  type Learner,
  type LabeledIssue,
} from '../../scripts/classifier-training.js';
import { getIssueTypeClassifier } from '../../activities/analysis/weights.js';
import {
  DEFAULT_FEATURE_OPTIONS,
  type IssueText,
} from '../../activities/analysis/pure/text-features.js';

/** A small synthetic data set: three repositories, three labels, unique rows. */
function synthetic(perCell: number): LabeledIssue[] {
  const phrases: Record<string, string[]> = {
    bug: ['crashes when', 'throws an error on', 'is broken after', 'fails to'],
    feature: ['add support for', 'please allow', 'it would be nice to have', 'new option for'],
    question: ['how do I use', 'is it possible to', 'why does', 'what is the best way to'],
  };
  const things = ['the editor', 'login', 'uploads', 'the parser', 'exports', 'search'];
  const rows: LabeledIssue[] = [];
  for (const repo of ['a/one', 'b/two', 'c/three']) {
    for (const label of Object.keys(phrases)) {
      for (let n = 0; n < perCell; n++) {
        const p = phrases[label]?.[n % 4] ?? '';
        const thing = things[(n + repo.length) % things.length] ?? '';
        rows.push({
          repo,
          label,
          title: `${p} ${thing} #${repo}-${label}-${n}`,
          body: `Details ${n}: ${p} ${thing}.\n\n### Steps\n\nrow ${repo} ${label} ${n}`,
        });
      }
    }
  }
  return rows;
}

const small = {
  ...DEFAULT_TRAIN_OPTIONS,
  epochs: 4,
  features: { ...DEFAULT_FEATURE_OPTIONS, bits: 12 },
};

describe('classifier', () => {
  it('trains deterministically: the same data give byte-identical weights', () => {
    const rows = synthetic(6);
    expect(modelToJson(train(rows, small))).toBe(modelToJson(train(rows, small)));
  });

  it('predicts the same after serialise → parse → load', () => {
    const rows = synthetic(6);
    const model = train(rows, small);
    const loaded = loadModel(JSON.parse(modelToJson(model, { note: 'test' })));
    for (const issue of [...rows.slice(0, 10), { title: 'unseen words only', body: '' }]) {
      expect(predict(loaded, issue)).toEqual(predict(model, issue));
    }
  });

  it('rejects a model file whose weights do not match its header', () => {
    const json = JSON.parse(modelToJson(train(synthetic(3), small))) as Record<string, unknown>;
    expect(() => loadModel({ ...json, count: (json.count as number) + 1 })).toThrow(/expected/);
    expect(() => loadModel({ ...json, format: 'something-else' })).toThrow();
  });

  it('reports a probability for each label, the winner being the confidence', () => {
    const model = train(synthetic(6), small);
    const p = predict(model, { title: 'crashes when saving', body: '' });
    const total = Object.values(p.scores).reduce((s, x) => s + x, 0);
    expect(total).toBeCloseTo(1, 10);
    expect(p.confidence).toBe(Math.max(...Object.values(p.scores)));
    expect(p.scores[p.label]).toBe(p.confidence);
  });
});

describe('cross-validation', () => {
  it('stratifies folds by repository and label', () => {
    const rows = synthetic(10);
    const folds = stratifiedFolds(rows, 5, 1);
    for (const repo of ['a/one', 'b/two', 'c/three']) {
      for (const label of ['bug', 'feature', 'question']) {
        const counts = [0, 0, 0, 0, 0];
        rows.forEach((r, i) => {
          if (r.repo === repo && r.label === label)
            counts[folds[i] ?? 0] = (counts[folds[i] ?? 0] ?? 0) + 1;
        });
        expect(counts).toEqual([2, 2, 2, 2, 2]);
      }
    }
  });

  it('never scores a row the fold trained on, and scores every row exactly once', () => {
    const rows = synthetic(5);
    const scored = new Map<string, number>();
    // A learner that remembers its training rows and answers with their labels.
    const tracking: Learner<Map<string, string>> = {
      train: (examples) => new Map(examples.map((e) => [e.title, e.label])),
      predict: (seen, issue: IssueText) => {
        if (seen.has(issue.title)) throw new Error(`scored a training row: ${issue.title}`);
        scored.set(issue.title, (scored.get(issue.title) ?? 0) + 1);
        return 'bug';
      },
    };
    const report = crossValidate(rows, 5, DEFAULT_TRAIN_OPTIONS, tracking);
    expect(scored.size).toBe(rows.length);
    expect([...scored].filter(([, n]) => n !== 1)).toEqual([]);
    expect(report.predictions).toEqual(rows.map(() => 'bug'));
    expect(report.perLabel.bug?.recall).toBe(1);
    expect(report.perLabel.feature?.recall).toBe(0);
  });

  it('averages per-repository macro F1 into the cross-repository score', () => {
    const report = crossValidate(synthetic(5), 5, small);
    const repos = Object.values(report.perRepo);
    expect(repos).toHaveLength(3);
    expect(report.crossRepoF1).toBeCloseTo(repos.reduce((s, x) => s + x, 0) / 3, 12);
    expect(report.labels).toEqual(['bug', 'feature', 'question']);
    expect(report.folds).toHaveLength(45);
  });
});

describe('issue type with the committed model', () => {
  const classifier = getIssueTypeClassifier();
  const classify = (title: string, body = '') => classifier.classify({ title, body });

  it('loads the model once per process', () => {
    expect(getIssueTypeClassifier()).toBe(classifier);
    expect(classifier.model.labels).toEqual(['bug', 'feature', 'question']);
  });

  it('reads an obvious crash report as a bug, naming the features that mattered', () => {
    const r = classify(
      'App crashes on startup with TypeError',
      [
        '### Steps to reproduce',
        '1. Open the app',
        '2. Click login',
        '',
        '### Expected behavior',
        'The app opens.',
        '',
        '```',
        "TypeError: Cannot read properties of undefined (reading 'map')",
        '    at render (app.js:12:5)',
        '```',
      ].join('\n'),
    );
    expect(r.type).toBe('bug');
    expect(r.learned.label).toBe('bug');
    expect(r.reasons[0]).toMatch(/^type bug: classifier probability/);
    expect(r.reasons).toContainEqual(expect.stringContaining('"crashes"'));
  });

  it('reads "Add support for X" as a feature', () => {
    const r = classify(
      'Add support for dark mode',
      'It would be great to have a dark theme option in the settings.',
    );
    expect(r.type).toBe('feature');
  });

  it('reads "How do I ...?" as a question', () => {
    const r = classify(
      'How do I configure the upload size limit?',
      'I am trying to upload large videos. How can I change the maximum file size?',
    );
    expect(r.type).toBe('question');
  });

  it('reads a docs typo as documentation, with the rule as its reason', () => {
    const r = classify('Fix typo in README', 'The README says "instal" instead of "install".');
    expect(r.type).toBe('documentation');
    expect(r.reasons[0]).toBe('type documentation: the title says "typo"');
  });

  it('reads a slow page as performance', () => {
    const r = classify('Video page takes 10 s to load', 'Opening any video page is slow.');
    expect(r.type).toBe('performance');
  });

  it('keeps a question about the docs a question', () => {
    const r = classify(
      'How do I build the docs locally?',
      'Is there a guide? I could not find one.',
    );
    expect(r.type).toBe('question');
  });
});
