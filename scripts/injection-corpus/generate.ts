/**
 * Writes the prompt-injection corpus (test/fixtures/injection-corpus/attacks.jsonl and ordinary.jsonl) from the
 * hand-written items (handwritten-*.jsonl, kept verbatim and filed under this corpus's styles and categories) and
 * the generators beside this file. Deterministic: the same seed writes the same files.
 *
 *   npx tsx scripts/injection-corpus/generate.ts            # rewrite the corpus
 *   npx tsx scripts/injection-corpus/generate.ts --check    # fail if the files differ from what it would write
 *
 * After a corpus change, retrain the detector (scripts/train-injection-model.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LANGUAGE_STYLES } from './attack-languages';
import { OBFUSCATION_STYLES } from './attack-obfuscations';
import { STRUCTURED_STYLES } from './attack-structured';
import { PLAIN_STYLES, VOCAB as ATTACK_VOCAB } from './attack-styles';
import { HARD_NEGATIVES } from './hard-negatives';
import { distinct, random, type Random } from './kit';
import { carrierSentence, longArticle, ORDINARY, ORDINARY_VOCAB } from './ordinary';
import { FOREIGN_TEMPLATES } from './ordinary-foreign';
import { WORLD } from './world';

export const CORPUS_DIR = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'injection-corpus');
const SEED = 'nemo-injection-corpus-v1';
/** Attacks per style, hand-written ones included. */
const PER_STYLE = 24;

/** Ordinary texts per category (generated, on top of the hand-written ones filed there). */
const ORDINARY_COUNTS: Record<string, number> = {
  'market-rules': 150,
  'macro-news': 100,
  'politics-news': 90,
  'sports-news': 90,
  'weather-news': 90,
  'crypto-news': 100,
  'crypto-chatter': 80,
  'market-chatter': 90,
  'company-news': 60,
  technical: 70,
  'long-article': 50,
  'foreign-news': 120,
  'official-orders': 100,
  'disregard-commentary': 60,
  'you-chatter': 75,
  'security-news': 60,
  'ai-news': 40,
  'approval-authority': 45,
  'structured-ordinary': 45,
};
const HARD = new Set(HARD_NEGATIVES.map((c) => c.category));

export interface CorpusItem {
  id: string;
  kind: 'attack' | 'ordinary' | 'hard-negative';
  /** Attacks: the attack style. */
  style?: string;
  /** Ordinary texts and hard negatives: what they are. */
  category?: string;
  origin: 'handwritten' | 'generated';
  text?: string;
  /** An item of several fields (title, body...), screened together. */
  fields?: string[];
}

interface OldItem {
  id: string;
  style: string;
  text?: string;
  fields?: string[];
}

const readJsonl = <T>(file: string): T[] =>
  readFileSync(path.join(CORPUS_DIR, file), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);

/** The hand-written attacks' old styles, filed under this corpus's styles. */
function handwrittenStyle(item: OldItem): string {
  const obfuscation: Record<string, string> = {
    confusables: 'lookalike-letters',
    'confusables+leet': 'lookalike-letters',
    fullwidth: 'lookalike-letters',
    'math-bold': 'lookalike-letters',
    'combining-marks': 'lookalike-letters',
    'mixed-case': 'lookalike-letters',
    leetspeak: 'leet',
    'zero-width': 'invisible-chars',
    zwj: 'invisible-chars',
    'soft-hyphen': 'invisible-chars',
    'tag-characters': 'invisible-chars',
    spaced: 'spaced-out',
    dotted: 'spaced-out',
    'one-word-per-line': 'spaced-out',
    base64: 'encoded',
    'base64-bare': 'encoded',
    base64url: 'encoded',
    hex: 'encoded',
    'hex-escape': 'encoded',
    'url-encoded': 'encoded',
    'html-entities': 'encoded',
    'unicode-escape': 'encoded',
  };
  const plain: Record<string, string> = {
    direct: 'direct-override',
    news: 'news-embedded',
    forum: 'forum-post',
    tweet: 'social-post',
    market: 'market-listing',
    authority: 'authority-claim',
    roleplay: 'role-takeover',
    exfiltration: 'exfiltration',
    tool: 'tool-envelope',
    funds: 'fund-movement',
    json: 'json-envelope',
    split: 'spaced-out',
    'split-fields': 'split-fields',
    delimiter: 'delimiter-escape',
    'hidden-html': 'hidden-markup',
    subtle: 'reader-advice',
    phishing: 'phishing',
  };
  if (item.style.startsWith('obfuscated:')) return obfuscation[item.style.slice('obfuscated:'.length)]!;
  if (item.style === 'multilingual') {
    const text = item.text ?? '';
    if (/[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]/.test(text)) return 'lang-cjk';
    if (/[\u0400-\u04ff]/.test(text)) return 'lang-slavic';
    return /\b(ignoriere|vergiss|anweisungen|negeer)\b/i.test(text) ? 'lang-germanic' : 'lang-romance';
  }
  const style = plain[item.style];
  if (!style) throw new Error(`hand-written attack ${item.id}: no style for "${item.style}"`);
  return style;
}

// Ordinary words an attack uses: a hand-written ordinary text with one of them is a hard negative.
const HARD_CUES =
  /\b(ignore|disregard|directive|instruct\w*|order(?:ed|s)?|override|you|your|key|keys|seed phrase|approv\w*|system|ai|bot|model|prompt|admin|operator|forget|must|immediately|developer mode|jailbreak)\b/i;

function handwrittenCategory(item: OldItem): { kind: CorpusItem['kind']; category: string } {
  const text = item.fields?.join(' ') ?? item.text ?? '';
  if (HARD_CUES.test(text)) return { kind: 'hard-negative', category: 'handwritten-hard' };
  const category: Record<string, string> = {
    news: 'macro-news',
    market: 'market-rules',
    forum: 'market-chatter',
    tweet: 'crypto-chatter',
    mixed: 'macro-news',
    generated: 'market-rules',
  };
  return { kind: 'ordinary', category: category[item.style] ?? 'macro-news' };
}

const seq = (prefix: string, i: number) => `${prefix}-${String(i + 1).padStart(3, '0')}`;

export function buildCorpus(): { attacks: CorpusItem[]; ordinary: CorpusItem[] } {
  const r: Random = random(SEED);
  const seen = new Set<string>();
  const key = (item: { text?: string; fields?: string[] }) => item.fields?.join('\u241e') ?? item.text!;

  const attacks: CorpusItem[] = readJsonl<OldItem>('handwritten-attacks.jsonl').map((item) => ({
    id: item.id,
    kind: 'attack',
    style: handwrittenStyle(item),
    origin: 'handwritten',
    ...(item.fields ? { fields: item.fields } : { text: item.text }),
  }));
  attacks.forEach((a) => seen.add(key(a)));
  const have = (style: string) => attacks.filter((a) => a.style === style).length;
  const carrier = (rr: Random) => carrierSentence(rr);

  for (const style of [...PLAIN_STYLES, ...LANGUAGE_STYLES]) {
    const texts = distinct(r, Math.max(0, PER_STYLE - have(style.style)), style.templates, ATTACK_VOCAB, seen);
    texts.forEach((text, i) =>
      attacks.push({ id: seq(`g-${style.style}`, i), kind: 'attack', style: style.style, origin: 'generated', text }),
    );
  }
  for (const style of [...STRUCTURED_STYLES, ...OBFUSCATION_STYLES]) {
    const wanted = Math.max(0, PER_STYLE - have(style.style));
    for (let i = 0, tries = 0; i < wanted; tries++) {
      if (tries > wanted * 50) throw new Error(`style ${style.style}: only ${i} distinct attacks`);
      const made = style.make(r, carrier);
      const item = Array.isArray(made) ? { fields: made } : { text: made };
      if (seen.has(key(item))) continue;
      seen.add(key(item));
      attacks.push({
        id: seq(`g-${style.style}`, i),
        kind: 'attack',
        style: style.style,
        origin: 'generated',
        ...item,
      });
      i++;
    }
  }

  const ordinary: CorpusItem[] = readJsonl<OldItem>('handwritten-ordinary.jsonl').map((item) => ({
    id: item.id,
    ...handwrittenCategory(item),
    origin: 'handwritten',
    ...(item.fields ? { fields: item.fields } : { text: item.text }),
  }));
  ordinary.forEach((o) => seen.add(key(o)));
  const generated = (category: string, texts: string[]) =>
    texts.forEach((text, i) =>
      ordinary.push({
        id: seq(`g-${category}`, i),
        kind: HARD.has(category) ? 'hard-negative' : 'ordinary',
        category,
        origin: 'generated',
        text,
      }),
    );
  for (const { category, templates } of [...ORDINARY, ...HARD_NEGATIVES])
    generated(category, distinct(r, ORDINARY_COUNTS[category]!, templates, ORDINARY_VOCAB, seen));
  generated('foreign-news', distinct(r, ORDINARY_COUNTS['foreign-news']!, FOREIGN_TEMPLATES, WORLD, seen));
  const articles: string[] = [];
  while (articles.length < ORDINARY_COUNTS['long-article']!) {
    const text = longArticle(r);
    if (!seen.has(text)) articles.push(text);
    seen.add(text);
  }
  generated('long-article', articles);
  return { attacks, ordinary };
}

const toJsonl = (items: CorpusItem[]) => `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;

if (require.main === module) {
  const { attacks, ordinary } = buildCorpus();
  const files = { 'attacks.jsonl': toJsonl(attacks), 'ordinary.jsonl': toJsonl(ordinary) };
  const check = process.argv.includes('--check');
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(CORPUS_DIR, name);
    if (check) {
      if (readFileSync(file, 'utf8') !== content) {
        console.error(
          `${file} differs from what scripts/injection-corpus/generate.ts writes: run it and commit the result`,
        );
        process.exitCode = 1;
      }
    } else writeFileSync(file, content);
  }
  const styles = new Set(attacks.map((a) => a.style));
  const hard = ordinary.filter((o) => o.kind === 'hard-negative').length;
  console.log(
    `${attacks.length} attacks in ${styles.size} styles; ${ordinary.length} ordinary texts, ${hard} of them hard negatives`,
  );
}
