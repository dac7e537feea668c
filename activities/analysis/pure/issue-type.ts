/**
 * The issue's type: the learned classifier tells bug / feature / question; two
 * small title rules add `documentation` and `performance`, which the training
 * data does not label, when the title plainly says so. Pure: the model arrives
 * as parsed JSON (see ../weights.ts for the file read).
 */
import type { IssueType } from '../../../common/schemas.js';
import { explain, loadModel, type Model, type Prediction } from './classifier.js';
import type { IssueText } from './text-features.js';

export interface IssueTypeResult {
  type: IssueType;
  /** Probability of the learned label, or the rule's fixed confidence. */
  confidence: number;
  /** Why, most telling first ("type bug: ..."). */
  reasons: string[];
  /** What the classifier said, even when a rule decided. */
  learned: Prediction;
}

export interface IssueTypeClassifier {
  readonly model: Model;
  classify(issue: IssueText): IssueTypeResult;
}

const RULE_CONFIDENCE = 0.85;
const TOP_FEATURES = 4;

const DOCS_TITLE =
  /\b(docs?|documentation|readme|typos?|misspel\w*|spelling|docstrings?|tutorials?|changelog)\b|^\s*document\b/i;
const PERF_TITLE =
  /\b(slow(?:er|ness|ly|s|down)?|latency|memory leaks?|(?:high|excessive) (?:cpu|memory)(?: usage)?|cpu usage|speed ?up|performance (?:issue|problem|regression|degradation|drop)s?|(?:poor|bad|terrible) performance|takes? (?:over |about |around )?\d+(?:\.\d+)? ?(?:s|secs?|seconds|ms|min|minutes)\b(?: to)?)/i;
const QUESTION_TITLE = /\?\s*$|^\s*(?:how|why|what|is|are|can|could|does|do|should|where|which)\b/i;

function percent(p: number): string {
  return p.toFixed(2);
}

function learnedReasons(
  model: Model,
  issue: IssueText,
): { learned: Prediction; reasons: string[] } {
  const { contributions, ...learned } = explain(model, issue, TOP_FEATURES);
  const others = model.labels
    .filter((l) => l !== learned.label)
    .map((l) => `${l} ${percent(learned.scores[l] ?? 0)}`)
    .join(', ');
  const reasons = [
    `type ${learned.label}: classifier probability ${percent(learned.confidence)} (${others})`,
  ];
  if (contributions.length > 0) {
    reasons.push(
      `type ${learned.label}: strongest signs ${contributions.map((c) => c.feature).join(', ')}`,
    );
  }
  return { learned, reasons };
}

/** Classify one issue with a loaded model. */
export function classifyIssueType(model: Model, issue: IssueText): IssueTypeResult {
  const { learned, reasons } = learnedReasons(model, issue);
  const title = issue.title;
  // A question about docs or speed is still a question to answer, not a change to make.
  const asks = learned.label === 'question' && QUESTION_TITLE.test(title);
  const docs = title.match(DOCS_TITLE);
  if (docs && !asks) {
    return {
      type: 'documentation',
      confidence: RULE_CONFIDENCE,
      reasons: [`type documentation: the title says "${docs[0]}"`, ...reasons],
      learned,
    };
  }
  const perf = title.match(PERF_TITLE);
  if (perf && !asks) {
    return {
      type: 'performance',
      confidence: RULE_CONFIDENCE,
      reasons: [`type performance: the title says "${perf[0]}"`, ...reasons],
      learned,
    };
  }
  const type = learned.label as IssueType;
  return { type, confidence: learned.confidence, reasons, learned };
}

/** Load a parsed model file once; the returned classifier is reused for every issue. */
export function createIssueTypeClassifier(modelJson: unknown): IssueTypeClassifier {
  const model = loadModel(modelJson);
  for (const l of model.labels) {
    if (!['bug', 'feature', 'question'].includes(l)) {
      throw new Error(`issue-type model: unexpected label "${l}"`);
    }
  }
  return { model, classify: (issue) => classifyIssueType(model, issue) };
}
