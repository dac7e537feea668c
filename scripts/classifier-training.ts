/**
 * Training and cross-validation of the issue-type classifier (used by
 * `npm run train:analyzer` and the analysis benchmark, never by the workers).
 * Pure and deterministic: training shuffles with a seeded generator, runs a
 * fixed number of AdaGrad epochs with L2, and ends by quantising the weights
 * exactly as the serialised form stores them, so a trained model and its
 * reloaded copy answer identically.
 */
import {
  MODEL_FORMAT,
  MODEL_VERSION,
  fromQuantized,
  predictVector,
  softmaxInto,
  toPrediction,
  type Model,
  type SerializedModel,
} from '../activities/analysis/pure/classifier.js';
import {
  DEFAULT_FEATURE_OPTIONS,
  extractFeatures,
  type FeatureOptions,
  type IssueText,
  type SparseVector,
} from '../activities/analysis/pure/text-features.js';

export interface LabeledIssue extends IssueText {
  label: string;
  /** Repository the issue comes from (cross-validation reports per repository). */
  repo?: string;
}

export interface TrainOptions {
  features: FeatureOptions;
  epochs: number;
  learningRate: number;
  /** L2 penalty, applied to a weight each time its feature occurs. */
  l2: number;
  /** A feature seen in fewer training issues than this gets no weight. */
  minDf: number;
  seed: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  features: DEFAULT_FEATURE_OPTIONS,
  epochs: 12,
  learningRate: 0.3,
  l2: 1e-4,
  minDf: 2,
  seed: 7,
};

// ---------------------------------------------------------------- training

/** mulberry32: a small seeded PRNG, deterministic across platforms. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Train on already extracted vectors; `targets[i]` indexes `labels`. */
export function trainVectors(
  vectors: readonly SparseVector[],
  targets: readonly number[],
  labels: readonly string[],
  options: TrainOptions,
): Model {
  const K = labels.length;
  const dim = 1 << options.features.bits;
  const df = new Int32Array(dim);
  for (const v of vectors) for (const j of v.indices) df[j] = (df[j] as number) + 1;

  const w = new Float64Array(dim * K);
  const g2 = new Float64Array(dim * K);
  const bias = new Float64Array(K);
  const bg2 = new Float64Array(K);
  const z = new Float64Array(K);
  const { learningRate: lr, l2 } = options;
  const random = seededRandom(options.seed);
  const order = vectors.map((_, i) => i);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const { indices, values } = vectors[i] as SparseVector;
      const y = targets[i] as number;
      for (let k = 0; k < K; k++) z[k] = bias[k] as number;
      for (let n = 0; n < indices.length; n++) {
        const j = indices[n] as number;
        if ((df[j] as number) < options.minDf) continue;
        const x = values[n] as number;
        for (let k = 0; k < K; k++) z[k] = (z[k] as number) + x * (w[j * K + k] as number);
      }
      softmaxInto(z);
      for (let k = 0; k < K; k++) {
        const g = (z[k] as number) - (k === y ? 1 : 0);
        bg2[k] = (bg2[k] as number) + g * g;
        bias[k] = (bias[k] as number) - (lr * g) / (Math.sqrt(bg2[k] as number) + 1e-8);
        for (let n = 0; n < indices.length; n++) {
          const j = indices[n] as number;
          if ((df[j] as number) < options.minDf) continue;
          const at = j * K + k;
          const grad = g * (values[n] as number) + l2 * (w[at] as number);
          g2[at] = (g2[at] as number) + grad * grad;
          w[at] = (w[at] as number) - (lr * grad) / (Math.sqrt(g2[at] as number) + 1e-8);
        }
      }
    }
  }
  return fromQuantized(quantize(labels, options.features, bias, w));
}

/** Train a model on labelled issues (labels: the distinct labels, sorted). */
export function train(
  examples: readonly LabeledIssue[],
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
): Model {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const vectors = examples.map((e) => extractFeatures(e, options.features));
  const targets = examples.map((e) => labels.indexOf(e.label));
  return trainVectors(vectors, targets, labels, options);
}

// ---------------------------------------------------------------- serialisation

const SIGNIFICANT = 6;

const round = (x: number): number => Number(x.toPrecision(SIGNIFICANT));

/** Quantise float weights to int8 per label; features whose weights all round to 0 drop out. */
function quantize(
  labels: readonly string[],
  features: FeatureOptions,
  bias: Float64Array,
  w: Float64Array,
): SerializedModel {
  const K = labels.length;
  const dim = w.length / K;
  const scale = labels.map((_, k) => {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(w[j * K + k] as number));
    return round(max > 0 ? max / 127 : 1);
  });
  const gaps: number[] = [];
  const q: number[] = [];
  let prev = -1;
  for (let j = 0; j < dim; j++) {
    const row = scale.map((s, k) => Math.round((w[j * K + k] as number) / s));
    if (row.every((x) => x === 0)) continue;
    gaps.push(j - prev);
    prev = j;
    q.push(...row);
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    labels: [...labels],
    features: structuredClone(features),
    bias: [...bias].map(round),
    scale,
    count: gaps.length,
    indices: encodeVarints(gaps),
    weights: Buffer.from(Int8Array.from(q).buffer).toString('base64'),
  };
}

function encodeVarints(values: readonly number[]): string {
  const bytes: number[] = [];
  for (let v of values) {
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
  }
  return Buffer.from(bytes).toString('base64');
}

/** The serialisable form of a model, with optional provenance placed before the weights. */
export function serializeModel(model: Model, training?: Record<string, unknown>): SerializedModel {
  const { indices, weights, ...head } = model.stored;
  return training ? { ...head, training, indices, weights } : { ...head, indices, weights };
}

/**
 * JSON text of a model, laid out as Prettier lays out JSON (objects one key a
 * line, short arrays inline), so the committed file passes `prettier --check`.
 */
export function modelToJson(model: Model, training?: Record<string, unknown>): string {
  return `${layout(serializeModel(model, training), '')}\n`;
}

function layout(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    const inline = `[${value.map((v) => layout(v, indent)).join(', ')}]`;
    if (inline.length + indent.length <= 80) return inline;
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + layout(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${layout(v, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------- cross-validation

/** How cross-validation trains and predicts; replaceable to test the folds. */
export interface Learner<M> {
  train(examples: readonly LabeledIssue[]): M;
  predict(model: M, issue: IssueText): string;
}

/** The logistic regression as a learner; features are extracted once per issue. */
export function logisticLearner(options: TrainOptions = DEFAULT_TRAIN_OPTIONS): Learner<Model> {
  const cache = new WeakMap<IssueText, SparseVector>();
  const vector = (issue: IssueText): SparseVector => {
    let v = cache.get(issue);
    if (!v) {
      v = extractFeatures(issue, options.features);
      cache.set(issue, v);
    }
    return v;
  };
  return {
    train(examples) {
      const labels = [...new Set(examples.map((e) => e.label))].sort();
      const targets = examples.map((e) => labels.indexOf(e.label));
      return trainVectors(examples.map(vector), targets, labels, options);
    },
    predict(model, issue) {
      return toPrediction(model, predictVector(model, vector(issue))).label;
    },
  };
}

export interface LabelScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface CvReport {
  k: number;
  labels: string[];
  /** Pooled over all repositories. */
  perLabel: Record<string, LabelScores>;
  /** Macro F1 over labels within each repository. */
  perRepo: Record<string, number>;
  /** Mean over repositories of their macro F1 (the NLBSE'24 score). */
  crossRepoF1: number;
  macroF1: number;
  accuracy: number;
  /** Fold of each example, in input order. */
  folds: number[];
  /** Out-of-fold prediction of each example, in input order. */
  predictions: string[];
}

/** Fold of each example: stratified by (repository, label), shuffled with `seed`. */
export function stratifiedFolds(
  examples: readonly LabeledIssue[],
  k: number,
  seed: number,
): number[] {
  const strata = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const key = `${e.repo ?? ''}\u0000${e.label}`;
    const members = strata.get(key);
    if (members) members.push(i);
    else strata.set(key, [i]);
  });
  const folds = new Array<number>(examples.length).fill(0);
  const random = seededRandom(seed);
  let offset = 0;
  for (const key of [...strata.keys()].sort()) {
    const members = shuffle([...(strata.get(key) as number[])], random);
    // Offsetting each stratum keeps fold sizes even when strata are smaller than k.
    members.forEach((i, n) => (folds[i] = (n + offset) % k));
    offset += members.length;
  }
  return folds;
}

function scores(pairs: readonly [string, string][], labels: readonly string[]) {
  const perLabel: Record<string, LabelScores> = {};
  for (const l of labels) {
    const tp = pairs.filter(([t, p]) => t === l && p === l).length;
    const predicted = pairs.filter(([, p]) => p === l).length;
    const support = pairs.filter(([t]) => t === l).length;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perLabel[l] = { precision, recall, f1, support };
  }
  const macroF1 = labels.reduce((s, l) => s + (perLabel[l] as LabelScores).f1, 0) / labels.length;
  return { perLabel, macroF1 };
}

/**
 * k-fold cross-validation: each example is predicted exactly once, by a model
 * trained on the other folds only.
 */
export function crossValidate<M = Model>(
  examples: readonly LabeledIssue[],
  k: number,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  learner: Learner<M> = logisticLearner(options) as unknown as Learner<M>,
): CvReport {
  if (k < 2 || k > examples.length) throw new Error(`k must be in 2..${examples.length}`);
  const folds = stratifiedFolds(examples, k, options.seed);
  const predictions = new Array<string>(examples.length).fill('');
  for (let f = 0; f < k; f++) {
    const model = learner.train(examples.filter((_, i) => folds[i] !== f));
    examples.forEach((e, i) => {
      if (folds[i] === f) predictions[i] = learner.predict(model, e);
    });
  }
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const pairs = examples.map((e, i): [string, string] => [e.label, predictions[i] as string]);
  const overall = scores(pairs, labels);
  const perRepo: Record<string, number> = {};
  const repos = [...new Set(examples.map((e) => e.repo ?? ''))].sort();
  for (const repo of repos) {
    const own = pairs.filter((_, i) => (examples[i]?.repo ?? '') === repo);
    perRepo[repo] = scores(own, labels).macroF1;
  }
  return {
    k,
    labels,
    perLabel: overall.perLabel,
    perRepo,
    crossRepoF1: repos.reduce((s, r) => s + (perRepo[r] as number), 0) / repos.length,
    macroF1: overall.macroF1,
    accuracy: pairs.filter(([t, p]) => t === p).length / pairs.length,
    folds,
    predictions,
  };
}
