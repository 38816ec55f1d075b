/**
 * Normalisation against obfuscation (reference: risk-and-security.md "Prompt injection"). An attacker hides an
 * instruction from a pattern list with look-alike letters, invisible characters, odd spacing, leetspeak or an
 * encoding; each function here undoes one trick, and `textViews` returns every reading the patterns are run on.
 * Pure and dependency-free (no Buffer, no TextDecoder) so workflows can import it.
 */

/** Letters from other scripts that render like Latin ones (the common subset of Unicode's confusables list). */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  с: 'c',
  ԁ: 'd',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  г: 'r',
  ѕ: 's',
  т: 't',
  ц: 'u',
  ѵ: 'v',
  ԝ: 'w',
  х: 'x',
  у: 'y',
  з: '3',
  ь: 'b',
  п: 'n',
  // Greek
  α: 'a',
  β: 'b',
  ϲ: 'c',
  δ: 'd',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  ϳ: 'j',
  μ: 'u',
  // Armenian, Cherokee and Latin extensions that survive NFKC
  օ: 'o',
  ս: 'u',
  ց: 'g',
  հ: 'h',
  ո: 'n',
  ı: 'i',
  ȷ: 'j',
  ɑ: 'a',
  ɡ: 'g',
  ɩ: 'i',
  ʏ: 'y',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
  ꮃ: 'w',
  ꭰ: 'd',
  ꮪ: 's',
};

// Zero-width and other format characters that render as nothing; bidi controls reorder what is shown. These classes
// hold combining characters and variation selectors on purpose: each is matched alone.
/* eslint-disable no-misleading-character-class */
const INVISIBLE =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;
// Unicode "tag" characters (U+E0020..U+E007E) mirror ASCII invisibly: decoded, they are hidden text.
const TAG_CHARS = /[\u{E0020}-\u{E007E}]/gu;
const TAG_OTHER = /[\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;
/* eslint-enable no-misleading-character-class */

/** Hidden tag-character text decoded to ASCII (empty when there is none). */
export function hiddenTagText(text: string): string {
  return Array.from(text.matchAll(TAG_CHARS), (m) => String.fromCharCode(m[0].codePointAt(0)! - 0xe0000)).join('');
}

/** NFKC, invisible characters removed, combining marks stripped, lower case, spaces collapsed (line breaks kept). */
export function canonicalText(text: string): string {
  // Printable ASCII has no tag characters, invisibles or marks, and every normal form leaves it as it is.
  const normalised = ASCII.test(text) ? text : normalisedText(text);
  return normalised
    .toLowerCase()
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

const ASCII = /^[\t\n\r -~]*$/;

function normalisedText(text: string): string {
  return text
    .replace(TAG_CHARS, '')
    .replace(TAG_OTHER, '')
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC');
}

/** Look-alike letters from other scripts replaced by the Latin letter they imitate. */
export function foldConfusables(canonical: string): string {
  if (!CONFUSABLE.test(canonical)) return canonical;
  let out = '';
  for (const ch of canonical) out += CONFUSABLES[ch] ?? ch;
  return out;
}

const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'u');

const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '+': 't',
  '€': 'e',
  '£': 'l',
  '¡': 'i',
};

/**
 * Leetspeak undone inside words only: a digit or symbol counts as a letter when the token it sits in also holds a
 * Latin letter ("1gn0re" -> "ignore"), so prices and dates ("$5", "2024") are left as they are.
 */
export function undoLeet(folded: string): string {
  return folded.replace(/[^\s]+/g, (token) => {
    if (!/[a-z]/.test(token) || !/[0-9@$!|+€£¡]/.test(token)) return token;
    let out = '';
    for (const ch of token) out += LEET[ch] ?? ch;
    return out;
  });
}

/** Letters only: spacing, punctuation and line breaks inserted between letters ("i-g n.o r e") disappear. */
export function lettersOnly(text: string): string {
  return text.replace(/[^\p{L}]+/gu, '');
}

/** Bytes -> text, as UTF-8 when the bytes are valid UTF-8, else as Latin-1. */
function bytesToText(bytes: number[]): string {
  const percent = bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  try {
    return decodeURIComponent(percent);
  } catch {
    return String.fromCharCode(...bytes);
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64Bytes(run: string): number[] | undefined {
  const clean = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (clean.length % 4 === 1) return undefined;
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = B64.indexOf(ch);
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return bytes;
}

/** Mostly printable text (a decoded hash or transaction id is not). */
function looksLikeText(decoded: string): boolean {
  if (decoded.length < 8) return false;
  const printable = decoded.match(/[\p{L}\p{N}\p{P}\s]/gu)?.length ?? 0;
  const letters = decoded.match(/\p{L}/gu)?.length ?? 0;
  const spaces = decoded.match(/\s/g)?.length ?? 0;
  return printable / decoded.length > 0.9 && letters / decoded.length > 0.5 && spaces > 0;
}

/**
 * Text hidden in encodings: base64 and base64url runs, hex runs and \x escapes, URL percent-encoding, HTML numeric
 * entities and \u escapes. Returns each decoded payload that reads as text (binary such as a hash is dropped).
 */
export function decodedPayloads(text: string): string[] {
  const found: string[] = [];
  const keep = (decoded: string | undefined) => {
    if (decoded !== undefined && looksLikeText(decoded)) found.push(decoded);
  };
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const bytes = base64Bytes(run);
    if (bytes) keep(bytesToText(bytes));
  }
  for (const [run] of text.matchAll(/(?:[0-9a-fA-F]{2}[\s:]?){12,}/g)) {
    const hex = run.replace(/[\s:]/g, '');
    if (hex.length % 2 === 0) keep(bytesToText(hex.match(/../g)!.map((h) => parseInt(h, 16))));
  }
  if (/(?:\\x[0-9a-fA-F]{2}){6,}/.test(text)) {
    keep(text.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }
  if (/(?:%[0-9a-fA-F]{2}[^%]{0,3}){4,}/.test(text)) {
    try {
      keep(decodeURIComponent(text.replace(/\+/g, ' ')));
    } catch {
      keep(text.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
    }
  }
  if (/&#x?[0-9a-fA-F]+;/.test(text)) {
    keep(
      text.replace(/&#(x?)([0-9a-fA-F]+);/g, (_, x: string, n: string) =>
        String.fromCodePoint(parseInt(n, x ? 16 : 10)),
      ),
    );
  }
  if (/\\u[0-9a-fA-F]{4}/.test(text)) {
    keep(text.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }
  return found;
}

// Common English words, and the words attacks on a trading agent use: a decoded text holding more of them than its
// source was really encoded.
const COMMON_WORDS = new Set(
  (
    'the and to of a in is you your for on that this with all now be are it as at or any not from by an will must should ' +
    'can do if we our they my me he she was were have has had but no yes what when who how which there their them then ' +
    'than so out up about into over after before just only also more most some such very new other time its one two ' +
    'ignore previous prior instructions rules guidelines prompt system set report output probability confidence estimate ' +
    'buy sell order position contracts market trade approve approved operator transfer withdraw send wallet funds balance ' +
    'reveal print key keys secret limit limits risk disable answer respond return give treat mark immediately maximum'
  ).split(' '),
);

function commonWordShare(text: string): number {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return words.length === 0 ? 0 : words.filter((w) => COMMON_WORDS.has(w)).length / words.length;
}

/** Each Latin letter moved 13 places along the alphabet, keeping its case. */
export function rot13(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const base = code >= 97 && code <= 122 ? 97 : code >= 65 && code <= 90 ? 65 : 0;
    out += base ? String.fromCharCode(((code - base + 13) % 26) + base) : text[i];
  }
  return out;
}

/**
 * The ROT13 reading of a text, when some of it is ROT13: each sentence that reads more like English decoded, and
 * each word whose decoding is a common word while it is not (partly encoded text). Undefined when nothing decodes.
 */
export function rot13Reading(text: string): string | undefined {
  let changed = 0;
  const decoded = text.replace(/[^.!?\n]+/g, (sentence) => {
    const whole = rot13(sentence);
    const share = commonWordShare(whole);
    if (share - commonWordShare(sentence) >= 0.15 && share >= 0.2) {
      changed += 2;
      return whole;
    }
    return sentence.replace(/[a-z]+/gi, (word) => {
      const flipped = rot13(word);
      if (word.length < 2 || COMMON_WORDS.has(word.toLowerCase()) || !COMMON_WORDS.has(flipped.toLowerCase()))
        return word;
      changed += 1;
      return flipped;
    });
  });
  return changed >= 2 ? decoded : undefined;
}

/** Text after a right-to-left override (U+202E) is shown reversed: its reading order, undone. */
export function bidiReading(text: string): string | undefined {
  const runs = [...text.matchAll(/\u202E([^\u202A-\u202C]*)/g)].map((m) => [...m[1]!].reverse().join(''));
  return runs.length > 0 ? runs.join(' ') : undefined;
}

/**
 * Spaced-out letters ("i g n o r e   a l l") joined back into words: runs of single letters become one word, and a
 * wider gap (or a slash, bar or dash between them) separates words. Undefined when the text is not spaced out.
 */
export function despaced(text: string): string | undefined {
  const tokens = text.split(/\s+/).filter(Boolean);
  const singles = tokens.filter((t) => /^\p{L}[.\-_]?$/u.test(t)).length;
  if (tokens.length < 6 || singles / tokens.length < 0.6) return undefined;
  return text
    .split(/\s{2,}|\s[|/]\s|\n/)
    .map((word) => word.replace(/[\s.\-_]+/g, ''))
    .filter(Boolean)
    .join(' ');
}

/**
 * The reading the detector's model sees: canonical, with look-alike letters folded only inside words that mix
 * scripts or in text that is mostly Latin (so Russian stays Russian), leetspeak undone, on one line.
 */
export function modelReading(text: string): string {
  const canonical = canonicalText(text);
  const latin = canonical.match(/[a-z]/g)?.length ?? 0;
  const letters = canonical.match(/\p{L}/gu)?.length ?? 0;
  const mostlyLatin = letters > 0 && latin / letters > 0.5;
  const folded = mostlyLatin
    ? foldConfusables(canonical)
    : canonical.replace(/\S+/g, (word) => (/[a-z]/.test(word) ? foldConfusables(word) : word));
  return undoLeet(folded).replace(/\n/g, ' ');
}

/** What a text's decoding layers reveal (each undefined or empty when the text has none). */
interface HiddenLayers {
  tagText: string;
  bidi?: string;
  rot13?: string;
  despaced?: string;
  payloads: readonly string[];
}

// The rules (textViews) and the model (readings) read the same layers of each text: they are found once, and kept
// for the last few texts screened.
const REMEMBERED_TEXTS = 16;
const remembered = new Map<string, HiddenLayers>();

function hiddenLayersOf(text: string): HiddenLayers {
  let layers = remembered.get(text);
  if (layers) return layers;
  const plain = text.normalize('NFKC').replace(INVISIBLE, '');
  layers = {
    tagText: hiddenTagText(text),
    bidi: bidiReading(text),
    rot13: rot13Reading(plain),
    despaced: despaced(plain),
    payloads: decodedPayloads(plain),
  };
  if (remembered.size >= REMEMBERED_TEXTS) remembered.delete(remembered.keys().next().value!);
  remembered.set(text, layers);
  return layers;
}

const present = (layer: string | undefined): layer is string => Boolean(layer);

/** Every reading of a text that may hold a hidden instruction: the text itself, then what its decoding layers reveal. */
export function readings(text: string): string[] {
  const layers = hiddenLayersOf(text);
  return [text, ...[layers.tagText, layers.bidi, layers.rot13, layers.despaced, ...layers.payloads].filter(present)];
}

/**
 * What markup hides, made visible: comments, alt, title and content attributes, and the text of hidden elements are
 * kept as text; tags are dropped. The model reads this, not the markup itself (markup is not the language it learnt).
 */
export function revealMarkup(markup: string): string {
  return markup
    .replace(/<!--([\s\S]*?)-->/g, ' $1 ')
    .replace(
      /\b(?:alt|title|content|aria-label|data-[\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi,
      (_m, a?: string, b?: string) => ` ${a ?? b ?? ''} `,
    )
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, ' $1 ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export type ViewName = 'canonical' | 'folded' | 'leet' | 'letters' | 'decoded' | 'hidden';

export interface TextView {
  name: ViewName;
  text: string;
}

/**
 * Every reading of a text the patterns run on: canonical (NFKC, invisibles removed, lower case), folded (look-alikes
 * to Latin), leet (leetspeak undone), letters (letters only, for split and spaced-out words), decoded payloads
 * (base64, hex, URL, entities, escapes, ROT13, right-to-left overrides, spaced-out letters; recursively normalised,
 * two levels deep) and hidden tag-character text.
 */
export function textViews(text: string, depth = 0): TextView[] {
  const canonical = canonicalText(text);
  const folded = foldConfusables(canonical);
  // Line breaks become spaces here, so an instruction written one word per line reads as a sentence.
  const leet = undoLeet(folded).replace(/\n/g, ' ');
  const views: TextView[] = [
    { name: 'canonical', text: canonical },
    { name: 'folded', text: folded },
    { name: 'leet', text: leet },
    { name: 'letters', text: lettersOnly(leet) },
  ];
  const layers = hiddenLayersOf(text);
  if (layers.tagText) views.push({ name: 'hidden', text: foldConfusables(canonicalText(layers.tagText)) });
  if (depth < 2) {
    for (const payload of [...layers.payloads, layers.rot13, layers.bidi, layers.despaced].filter(present)) {
      for (const view of textViews(payload, depth + 1)) {
        if (view.name !== 'letters') views.push({ name: 'decoded', text: view.text });
      }
    }
  }
  return views;
}
