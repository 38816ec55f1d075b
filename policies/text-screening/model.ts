import { modelReading, readings } from './normalise';
import { isModelEvidence, screenRules, type RuleHits } from './rules-verdict';
import { SENTENCE, signalsOf } from './signals';

/**
 * The detector's model: a logistic regression over the character 3-5-grams and word 1-2-grams of every reading of
 * a text (normalise.ts readings: the text, and what its decoding layers reveal), plus the who-is-addressed and
 * what-is-asked signals (signals.ts). Its weights are a reviewed file (model-weights.json, features by name),
 * trained by scripts/train-injection-model.ts on the corpus in test/fixtures/injection-corpus. A long text is
 * also scored window by window and its score is the highest, so an instruction buried in a long post is not
 * diluted by the ordinary text around it. Pure and dependency-free.
 */
export interface ModelWeights {
  /** What the weights were trained on and how; the thresholds the verdict uses. */
  meta: { corpus: string; trainedWith: string; examples: number; features: number; thresholds: Thresholds };
  bias: number;
  weights: Record<string, number>;
}

/** Scores at or above `suspicious` flag a text; at or above `injection` it is called an injection. */
export interface Thresholds {
  suspicious: number;
  injection: number;
}

const WINDOW_CHARS = 220;
const MAX_WINDOWS = 60;

/** The text's matches of NEMO's own weak rules, as features: evidence the model weighs (rules-verdict.ts rulesFlag). */
export const ruleEvidenceOf = (hits: RuleHits): string[] =>
  hits.findings.filter(isModelEvidence).map((f) => `s:rule:${f.rule}`);

/**
 * The features of one text (or window of a text), by name: n-grams of every reading, signals, and the rule evidence
 * of the whole text it belongs to (read once per text: the rules already read every view of it).
 */
export function featuresOf(text: string, ruleEvidence: readonly string[] = []): string[] {
  const features = new Set<string>(ruleEvidence);
  for (const raw of readings(text)) {
    const reading = modelReading(raw);
    const padded = ` ${reading.replace(/\s+/g, ' ')} `;
    for (let n = 3; n <= 5; n++)
      for (let i = 0; i + n <= padded.length; i++) features.add(`c:${padded.slice(i, i + n)}`);
    const words = reading.match(/\p{L}+|\p{N}+/gu) ?? [];
    for (let i = 0; i < words.length; i++) {
      features.add(`w:${words[i]}`);
      if (i + 1 < words.length) features.add(`w:${words[i]} ${words[i + 1]}`);
    }
    for (const signal of signalsOf(reading)) features.add(`s:${signal}`);
    if (raw !== text) features.add('s:decoded-layer');
  }
  return [...features];
}

/**
 * The texts a text is scored as: itself and, when long, each sentence and each pair of neighbouring sentences (so
 * one sentence among many ordinary ones is scored on its own).
 */
export function windowsOf(text: string): string[] {
  if (text.length <= WINDOW_CHARS) return [text];
  const sentences = (text.match(SENTENCE) ?? [text]).filter((s) => s.trim().length > 0);
  if (sentences.length <= 1) return [text];
  const windows = new Set<string>();
  for (let i = 0; i < sentences.length && windows.size < MAX_WINDOWS; i++) {
    windows.add(sentences[i]!.slice(0, WINDOW_CHARS * 2));
    if (i + 1 < sentences.length) windows.add((sentences[i]! + sentences[i + 1]!).slice(0, WINDOW_CHARS * 2));
  }
  return [text, ...windows];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * A feature's value in the sum: n-grams share one unit between them (so a text's length does not decide), while each
 * signal counts one unit on its own: signals are few, say who is addressed and what is asked, and must not drown in
 * the n-grams of a long text.
 */
export const isSignal = (feature: string): boolean => feature.startsWith('s:');

// The weights as a Map, once per model: a scan scores thousands of titles, hundreds of features each, and a lookup
// in a 20,000-key object costs several times a Map's.
const weightMaps = new WeakMap<object, ReadonlyMap<string, number>>();
function weightsOf(model: Pick<ModelWeights, 'weights'>): ReadonlyMap<string, number> {
  let weights = weightMaps.get(model.weights);
  if (!weights) weightMaps.set(model.weights, (weights = new Map(Object.entries(model.weights))));
  return weights;
}

/** The logistic score of one feature set. */
export function scoreFeatures(model: Pick<ModelWeights, 'bias' | 'weights'>, features: readonly string[]): number {
  const weights = weightsOf(model);
  let ngrams = 0;
  for (const f of features) if (!isSignal(f)) ngrams += 1;
  const ngramValue = ngrams > 0 ? 1 / Math.sqrt(ngrams) : 0;
  let sum = model.bias;
  for (const f of features) sum += (weights.get(f) ?? 0) * (isSignal(f) ? 1 : ngramValue);
  return sigmoid(sum);
}

/** A text's score: the highest over the text and its windows, and the window that scored it. */
export function scoreText(
  model: Pick<ModelWeights, 'bias' | 'weights'>,
  text: string,
  rules: RuleHits = screenRules(text),
): { score: number; window: string } {
  const evidence = ruleEvidenceOf(rules);
  let best = { score: -1, window: text };
  for (const window of windowsOf(text)) {
    const score = scoreFeatures(model, featuresOf(window, evidence));
    if (score > best.score) best = { score, window };
  }
  return best;
}
