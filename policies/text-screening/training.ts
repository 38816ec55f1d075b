import { featuresOf, isSignal, ruleEvidenceOf, windowsOf, type ModelWeights, type Thresholds } from './model';
import { rulesFlag, screenRules, type RuleHits } from './rules-verdict';

/**
 * Training the detector's model, and choosing its thresholds, on a labelled corpus: logistic regression by
 * FTRL-Proximal (per-feature learning rates; L1 keeps the weight file small and readable), deterministic for a
 * given seed. Thresholds are chosen on out-of-fold scores (each text scored by a model that did not train on it),
 * so they hold for texts the model has not seen. Used by scripts/train-injection-model.ts (the shipped weights)
 * and by the leave-one-style-out test (one model per held-out style).
 */
export interface LabelledText {
  id: string;
  attack: boolean;
  /** Ordinary texts: true for hard negatives (ordinary texts that use attacks' words). */
  hard?: boolean;
  text: string;
}

/** One window's features: ids and the value each counts with (model.ts scoreFeatures). */
export interface Window {
  ids: Int32Array;
  values: Float64Array;
}

/** A text prepared once: its windows' features (the first is the whole text) and its rule hits. */
export interface Prepared {
  item: LabelledText;
  windows: Window[];
  rules: RuleHits;
}

function windowOf(features: string[], index: FeatureIndex): Window {
  const ngrams = features.filter((f) => !isSignal(f)).length;
  const ngramValue = ngrams > 0 ? 1 / Math.sqrt(ngrams) : 0;
  return {
    ids: Int32Array.from(features, (f) => index.idOf(f)),
    values: Float64Array.from(features, (f) => (isSignal(f) ? 1 : ngramValue)),
  };
}

export class FeatureIndex {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

export function prepare(
  items: readonly LabelledText[],
  index: FeatureIndex,
  progress: (done: number) => void = () => undefined,
): Prepared[] {
  return items.map((item, i) => {
    if (i % 200 === 0) progress(i);
    const rules = screenRules(item.text);
    const evidence = ruleEvidenceOf(rules);
    const windows = windowsOf(item.text).map((w) => windowOf(featuresOf(w, evidence), index));
    return { item, windows, rules };
  });
}

export interface TrainOptions {
  epochs: number;
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
  seed: number;
  /** A hard negative's windows count this many times an ordinary text's (attacks' words used innocently are rarer). */
  hardWeight: number;
}

export const TRAIN_OPTIONS: TrainOptions = { epochs: 4, alpha: 0.3, beta: 1, l1: 0.4, l2: 1, seed: 13, hardWeight: 8 };

export interface Trained {
  bias: number;
  weights: Float64Array;
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Trains on `train`: an attack is one example (its whole text: which window holds the instruction is not known);
 * an ordinary text is one negative example per window, since every part of it is ordinary. The classes weigh the
 * same in total.
 */
export function train(
  train: readonly Prepared[],
  featureCount: number,
  options: TrainOptions = TRAIN_OPTIONS,
): Trained {
  const examples: { x: Window; y: number; weight: number }[] = [];
  for (const p of train) {
    if (p.item.attack) examples.push({ x: p.windows[0]!, y: 1, weight: 1 });
    else for (const w of p.windows) examples.push({ x: w, y: 0, weight: p.item.hard ? options.hardWeight : 1 });
  }
  const sumOf = (y: number) => examples.reduce((sum, e) => sum + (e.y === y ? e.weight : 0), 0);
  const [negatives, positives] = [sumOf(0), sumOf(1)];
  const classWeight = [
    (negatives + positives) / (2 * Math.max(1, negatives)),
    (negatives + positives) / (2 * Math.max(1, positives)),
  ];
  const z = new Float64Array(featureCount + 1);
  const n = new Float64Array(featureCount + 1);
  const bias = featureCount;
  const { alpha, beta, l1, l2 } = options;
  const weightOf = (i: number) => {
    const zi = z[i]!;
    const shrink = i === bias ? 0 : l1;
    if (Math.abs(zi) <= shrink) return 0;
    return -(zi - Math.sign(zi) * shrink) / ((beta + Math.sqrt(n[i]!)) / alpha + (i === bias ? 0 : l2));
  };
  const random = mulberry(options.seed);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let current = new Float64Array(4096);
    for (const e of order) {
      const { x, y, weight } = examples[e]!;
      if (x.ids.length > current.length) current = new Float64Array(x.ids.length);
      const w = current;
      const w0 = weightOf(bias);
      let sum = w0;
      for (let k = 0; k < x.ids.length; k++) {
        w[k] = weightOf(x.ids[k]!);
        sum += w[k]! * x.values[k]!;
      }
      const p = 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, sum))));
      const g = (p - y) * classWeight[y]! * weight;
      const update = (i: number, xi: number, wi: number) => {
        const gi = g * xi;
        const sigma = (Math.sqrt(n[i]! + gi * gi) - Math.sqrt(n[i]!)) / alpha;
        z[i] = z[i]! + gi - sigma * wi;
        n[i] = n[i]! + gi * gi;
      };
      update(bias, 1, w0);
      for (let k = 0; k < x.ids.length; k++) update(x.ids[k]!, x.values[k]!, w[k]!);
    }
  }
  const weights = new Float64Array(featureCount);
  for (let i = 0; i < featureCount; i++) weights[i] = weightOf(i);
  return { bias: weightOf(bias), weights };
}

/** A prepared text's score under a trained model: the highest over its windows. */
export function scorePrepared(model: Trained, p: Prepared): number {
  let best = 0;
  for (const x of p.windows) {
    let sum = model.bias;
    for (let k = 0; k < x.ids.length; k++) sum += (model.weights[x.ids[k]!] ?? 0) * x.values[k]!;
    best = Math.max(best, 1 / (1 + Math.exp(-sum)));
  }
  return best;
}

/** Budgets the thresholds are chosen for, on out-of-fold scores of ordinary texts the models did not train on. */
export const THRESHOLD_BUDGETS = {
  /** At most this share of ordinary (not hard) texts flagged by the rules and the model together. */
  flaggedOrdinary: 0.015,
  /** At most this share of all ordinary texts (hard negatives included) called injections by the model. */
  injectionAll: 0.0025,
};

/** The lowest score threshold that keeps `flagged(score >= t)` within `budget` of `items`. */
function thresholdFor(scored: { score: number; alreadyFlagged: boolean }[], budget: number): number {
  const allowed = Math.floor(budget * scored.length) - scored.filter((s) => s.alreadyFlagged).length;
  const free = scored
    .filter((s) => !s.alreadyFlagged)
    .map((s) => s.score)
    .sort((a, b) => b - a);
  if (allowed < 0 || free.length === 0) return 1;
  // Just above the (allowed+1)-th highest score: that text and every lower one stay clean.
  return Math.min(1, free[Math.min(allowed, free.length - 1)]! + 1e-9);
}

/**
 * Thresholds within the budgets, read off the scores of ordinary texts by models that did not train on them. The
 * injection threshold is never below the suspicious one.
 */
export function thresholdsFrom(ordinary: readonly Prepared[], scoreOf: (p: Prepared) => number): Thresholds {
  const suspicious = thresholdFor(
    ordinary.filter((p) => !p.item.hard).map((p) => ({ score: scoreOf(p), alreadyFlagged: rulesFlag(p.rules) })),
    THRESHOLD_BUDGETS.flaggedOrdinary,
  );
  const injection = thresholdFor(
    ordinary.map((p) => ({ score: scoreOf(p), alreadyFlagged: false })),
    THRESHOLD_BUDGETS.injectionAll,
  );
  return { suspicious, injection: Math.max(suspicious, injection) };
}

/** Out-of-fold scores of `items` (k folds: each scored by a model trained on the others), then thresholds. */
export function tuneThresholds(
  items: readonly Prepared[],
  featureCount: number,
  folds = 3,
  options: TrainOptions = TRAIN_OPTIONS,
): Thresholds {
  const oof = new Map<Prepared, number>();
  for (let k = 0; k < folds; k++) {
    const held = items.filter((_, i) => i % folds === k);
    const model = train(
      items.filter((_, i) => i % folds !== k),
      featureCount,
      options,
    );
    for (const p of held) oof.set(p, scorePrepared(model, p));
  }
  return thresholdsFrom(
    items.filter((p) => !p.item.attack),
    (p) => oof.get(p)!,
  );
}

/** The whole fit: thresholds from out-of-fold scores, then one model on everything given. */
export function fit(
  items: readonly Prepared[],
  index: FeatureIndex,
  meta: Pick<ModelWeights['meta'], 'corpus'>,
  options: TrainOptions = TRAIN_OPTIONS,
): ModelWeights {
  const thresholds = tuneThresholds(items, index.names.length, 3, options);
  const model = train(items, index.names.length, options);
  const weights: Record<string, number> = {};
  index.names.forEach((name, i) => {
    const w = model.weights[i]!;
    if (w !== 0) weights[name] = Math.round(w * 1e4) / 1e4;
  });
  return {
    meta: {
      corpus: meta.corpus,
      trainedWith: `FTRL-Proximal logistic regression, ${JSON.stringify(options)}, thresholds for ${JSON.stringify(THRESHOLD_BUDGETS)}`,
      examples: items.length,
      features: Object.keys(weights).length,
      thresholds,
    },
    bias: Math.round(model.bias * 1e4) / 1e4,
    weights: Object.fromEntries(Object.entries(weights).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}
