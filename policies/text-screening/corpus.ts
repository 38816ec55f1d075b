import type { LabelledText } from './training';

/**
 * The labelled corpus (test/fixtures/injection-corpus, written by scripts/injection-corpus/generate.ts): attacks by
 * style, ordinary texts by category, hard negatives among them. Items of several fields are screened joined.
 */
export interface CorpusItem {
  id: string;
  kind: 'attack' | 'ordinary' | 'hard-negative';
  style?: string;
  category?: string;
  origin: 'handwritten' | 'generated';
  text?: string;
  fields?: string[];
}

export const CORPUS_FILES = { attacks: 'attacks.jsonl', ordinary: 'ordinary.jsonl' } as const;

export function parseCorpus(jsonl: string): CorpusItem[] {
  return jsonl
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CorpusItem);
}

export const textOf = (item: Pick<CorpusItem, 'text' | 'fields'>): string => item.fields?.join('\n') ?? item.text!;

export const labelled = (item: CorpusItem): LabelledText => ({
  id: item.id,
  attack: item.kind === 'attack',
  hard: item.kind === 'hard-negative',
  text: textOf(item),
});
