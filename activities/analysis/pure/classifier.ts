/**
 * The issue-type classifier at inference time: a multinomial logistic
 * regression (softmax) over hashed text features, loaded from its stored
 * (quantised) form, predicting a label and explaining the prediction. Pure.
 * Training, serialisation and cross-validation live beside the training
 * script (scripts/classifier-training.ts).
 */
import { z } from 'zod';
import {
  FEATURE_GROUPS,
  extractFeatures,
  type FeatureOptions,
  type IssueText,
  type SparseVector,
} from './text-features.js';

export interface Model {
  labels: readonly string[];
  features: FeatureOptions;
  bias: Float64Array;
  /**
   * The features that have a weight, ascending (a few percent of the hashed
   * space: the model keeps only their rows, not a dense 2^bits × labels table).
   */
  rows: Int32Array;
  /** Row-major: weight of the feature `rows[r]` for label k at r * labels.length + k. */
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

// ---------------------------------------------------------------- prediction

/** The row of feature `j` in `model.weights`, or -1 when it has no weight (all zero). */
export function rowOf(model: Model, j: number): number {
  const rows = model.rows;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = rows[mid] as number;
    if (at === j) return mid;
    if (at < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Turns logits into probabilities, in place. */
export function softmaxInto(z: Float64Array): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp((z[k] as number) - max);
    sum += z[k] as number;
  }
  for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) / sum;
}

/** Softmax probabilities of each label, in `model.labels` order. */
export function predictVector(model: Model, v: SparseVector): Float64Array {
  const K = model.labels.length;
  const z = Float64Array.from(model.bias);
  for (let n = 0; n < v.indices.length; n++) {
    const r = rowOf(model, v.indices[n] as number);
    if (r < 0) continue;
    const x = v.values[n] as number;
    for (let k = 0; k < K; k++) z[k] = (z[k] as number) + x * (model.weights[r * K + k] as number);
  }
  softmaxInto(z);
  return z;
}

/** The winning label of probabilities in `model.labels` order. */
export function toPrediction(model: Model, p: Float64Array): Prediction {
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
    const r = rowOf(model, j);
    if (r < 0) continue; // no weight: it pushes no label
    let mean = 0;
    for (let k = 0; k < K; k++) mean += (model.weights[r * K + k] as number) / K;
    const weight = (v.values[n] as number) * ((model.weights[r * K + win] as number) - mean);
    if (weight > 0) contributions.push({ feature: names.get(j) ?? `feature #${j}`, weight });
  }
  contributions.sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : 1));
  return { ...prediction, contributions: contributions.slice(0, top) };
}

// ---------------------------------------------------------------- stored form

export const MODEL_FORMAT = 'issue-type-logreg';
export const MODEL_VERSION = 1;

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
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_VERSION),
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

/** The model a stored form describes (weights decoded from int8 × scale). */
export function fromQuantized(s: SerializedModel): Model {
  const K = s.labels.length;
  if (s.bias.length !== K || s.scale.length !== K) {
    throw new Error('model: bias and scale need one entry per label');
  }
  const dim = 1 << s.features.bits;
  const gaps = decodeVarints(s.indices, s.count);
  const q = new Int8Array(Buffer.from(s.weights, 'base64'));
  if (q.length !== s.count * K)
    throw new Error(`model: ${q.length} weights, expected ${s.count * K}`);
  const rows = new Int32Array(s.count);
  const weights = new Float32Array(s.count * K);
  let j = -1;
  gaps.forEach((gap, n) => {
    if (gap < 1) throw new Error('model: feature indices must ascend');
    j += gap;
    if (j >= dim) throw new Error(`model: feature index ${j} outside 2^${s.features.bits}`);
    rows[n] = j;
    for (let k = 0; k < K; k++) {
      weights[n * K + k] = (q[n * K + k] as number) * (s.scale[k] as number);
    }
  });
  const { training: _training, ...stored } = s;
  return {
    labels: s.labels,
    features: s.features,
    bias: Float64Array.from(s.bias),
    rows,
    weights,
    stored,
  };
}

/** Validate and load a parsed model file. */
export function loadModel(json: unknown): Model {
  return fromQuantized(SerializedModel.parse(json));
}
