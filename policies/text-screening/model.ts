import { modelReading, readings } from './normalise';
import { signalsOf } from './signals';

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
const MAX_WINDOWS = 40;

/** The features of one text, by name: n-grams of every reading, and signals. */
export function featuresOf(text: string): string[] {
  const features = new Set<string>();
  for (const raw of readings(text)) {
    const reading = modelReading(raw);
    const padded = ` ${reading.replace(/\s+/g, ' ')} `;
    for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= padded.length; i++) features.add(`c:${padded.slice(i, i + n)}`);
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

/** The texts a text is scored as: itself and, when long, overlapping windows of whole sentences. */
export function windowsOf(text: string): string[] {
  if (text.length <= WINDOW_CHARS) return [text];
  const sentences = text.match(/[^.!?\n。！？]+[.!?\n。！？]*\s*/gu) ?? [text];
  const windows: string[] = [];
  for (let start = 0; start < sentences.length && windows.length < MAX_WINDOWS; start++) {
    let window = '';
    for (let i = start; i < sentences.length && window.length < WINDOW_CHARS; i++) window += sentences[i];
    windows.push(window);
  }
  return [text, ...windows];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The logistic score of one feature set: features count equally, scaled so a text's length does not decide. */
export function scoreFeatures(model: Pick<ModelWeights, 'bias' | 'weights'>, features: readonly string[]): number {
  if (features.length === 0) return sigmoid(model.bias);
  let sum = 0;
  for (const f of features) sum += model.weights[f] ?? 0;
  return sigmoid(model.bias + sum / Math.sqrt(features.length));
}

/** A text's score: the highest over the text and its windows, and the window that scored it. */
export function scoreText(model: Pick<ModelWeights, 'bias' | 'weights'>, text: string): { score: number; window: string } {
  let best = { score: -1, window: text };
  for (const window of windowsOf(text)) {
    const score = scoreFeatures(model, featuresOf(window));
    if (score > best.score) best = { score, window };
  }
  return best;
}
