/**
 * A multinomial logistic regression (softmax) over hashed text features: train,
 * predict, explain, serialise, cross-validate. Pure and deterministic: training
 * shuffles with a seeded generator, runs a fixed number of AdaGrad epochs with
 * L2, and ends by quantising the weights exactly as the serialised form stores
 * them, so a trained model and its reloaded copy answer identically.
 */
import { z } from 'zod';
import {
  DEFAULT_FEATURE_OPTIONS,
  FEATURE_GROUPS,
  extractFeatures,
  type FeatureOptions,
  type IssueText,
  type SparseVector,
} from './text-features.js';

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

export interface Model {
  labels: readonly string[];
  features: FeatureOptions;
  bias: Float64Array;
  /** Row-major: weight of feature j for label k at j * labels.length + k. */
  weights: Float32Array;
  /** The stored (quantised) form these weights were decoded from. */
  stored: SerializedModel;
}

export interface Prediction {
  label: string;
  /** The winning label's softmax probability. */
  confidence: number;
  scores: Record<string, number>;
}

export interface Contribution {
  /** Readable feature name, e.g. `heading "steps to reproduce"`. */
  feature: string;
  /** How much it pushed the winning label over the average label (logit units). */
  weight: number;
}

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

function softmaxInto(z: Float64Array): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp((z[k] as number) - max);
    sum += z[k] as number;
  }
  for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) / sum;
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

// ---------------------------------------------------------------- prediction

/** Softmax probabilities of each label, in `model.labels` order. */
export function predictVector(model: Model, v: SparseVector): Float64Array {
  const K = model.labels.length;
  const z = Float64Array.from(model.bias);
  for (let n = 0; n < v.indices.length; n++) {
    const j = v.indices[n] as number;
    const x = v.values[n] as number;
    for (let k = 0; k < K; k++) z[k] = (z[k] as number) + x * (model.weights[j * K + k] as number);
  }
  softmaxInto(z);
  return z;
}

function toPrediction(model: Model, p: Float64Array): Prediction {
  let best = 0;
  for (let k = 1; k < p.length; k++) if ((p[k] as number) > (p[best] as number)) best = k;
  const scores: Record<string, number> = {};
  model.labels.forEach((l, k) => (scores[l] = p[k] as number));
  return { label: model.labels[best] as string, confidence: p[best] as number, scores };
}

export function predict(model: Model, issue: IssueText): Prediction {
  return toPrediction(model, predictVector(model, extractFeatures(issue, model.features)));
}

/** The prediction with the features that pushed hardest towards the winning label. */
export function explain(
  model: Model,
  issue: IssueText,
  top = 5,
): Prediction & { contributions: Contribution[] } {
  const names = new Map<number, string>();
  const v = extractFeatures(issue, model.features, names);
  const prediction = toPrediction(model, predictVector(model, v));
  const K = model.labels.length;
  const win = model.labels.indexOf(prediction.label);
  const contributions: Contribution[] = [];
  for (let n = 0; n < v.indices.length; n++) {
    const j = v.indices[n] as number;
    let mean = 0;
    for (let k = 0; k < K; k++) mean += (model.weights[j * K + k] as number) / K;
    const weight = (v.values[n] as number) * ((model.weights[j * K + win] as number) - mean);
    if (weight > 0) contributions.push({ feature: names.get(j) ?? `feature #${j}`, weight });
  }
  contributions.sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : 1));
  return { ...prediction, contributions: contributions.slice(0, top) };
}

// ---------------------------------------------------------------- serialisation

const FORMAT = 'issue-type-logreg';
const VERSION = 1;
const SIGNIFICANT = 6;

const round = (x: number): number => Number(x.toPrecision(SIGNIFICANT));

const FeatureOptionsSchema = z.object({
  bits: z.number().int().min(8).max(24),
  charNgramMin: z.number().int().min(1),
  charNgramMax: z.number().int().min(1),
  maxBodyChars: z.number().int().positive(),
  weights: z.object(
    Object.fromEntries(FEATURE_GROUPS.map((g) => [g, z.number().min(0)])) as Record<
      (typeof FEATURE_GROUPS)[number],
      z.ZodNumber
    >,
  ),
});

export const SerializedModel = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  labels: z.array(z.string()).min(2),
  features: FeatureOptionsSchema,
  bias: z.array(z.number()),
  /** Per label: weight = int8 value × scale. */
  scale: z.array(z.number().positive()),
  /** How many features have a weight. */
  count: z.number().int().nonnegative(),
  /** Feature indices, ascending, as base64 of LEB128 varint gaps. */
  indices: z.string(),
  /** base64 of int8 weights, `labels.length` per feature, in index order. */
  weights: z.string(),
  /** Free-form provenance (data file, hash, options); not read back. */
  training: z.record(z.string(), z.unknown()).optional(),
});
export type SerializedModel = z.infer<typeof SerializedModel>;

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
    format: FORMAT,
    version: VERSION,
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

function decodeVarints(b64: string, count: number): number[] {
  const bytes = Buffer.from(b64, 'base64');
  const out: number[] = [];
  let v = 0;
  let shift = 0;
  for (const b of bytes) {
    v |= (b & 0x7f) << shift;
    if (b & 0x80) shift += 7;
    else {
      out.push(v >>> 0);
      v = 0;
      shift = 0;
    }
  }
  if (out.length !== count) throw new Error(`model: ${out.length} indices, expected ${count}`);
  return out;
}

function fromQuantized(s: SerializedModel): Model {
  const K = s.labels.length;
  if (s.bias.length !== K || s.scale.length !== K) {
    throw new Error('model: bias and scale need one entry per label');
  }
  const dim = 1 << s.features.bits;
  const gaps = decodeVarints(s.indices, s.count);
  const q = new Int8Array(Buffer.from(s.weights, 'base64'));
  if (q.length !== s.count * K)
    throw new Error(`model: ${q.length} weights, expected ${s.count * K}`);
  const weights = new Float32Array(dim * K);
  let j = -1;
  gaps.forEach((gap, n) => {
    j += gap;
    if (j >= dim) throw new Error(`model: feature index ${j} outside 2^${s.features.bits}`);
    for (let k = 0; k < K; k++) {
      weights[j * K + k] = (q[n * K + k] as number) * (s.scale[k] as number);
    }
  });
  const { training: _training, ...stored } = s;
  return {
    labels: s.labels,
    features: s.features,
    bias: Float64Array.from(s.bias),
    weights,
    stored,
  };
}

/** Validate and load a parsed model file. */
export function loadModel(json: unknown): Model {
  return fromQuantized(SerializedModel.parse(json));
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
