/**
 * Normalisation, tokenising and plural folding shared by the rules compiler and the extractor: a phrase in
 * filters.json and a word of a query go through the same code, so they meet on the same keys.
 */
import { normalizeText } from './normalize.js';

export type TokenKind = 'word' | 'number' | 'symbol' | 'dash';

export interface Token {
  readonly kind: TokenKind;
  /** The token as written in the normalised query (lowercase, no diacritics); `text` is rebuilt from these. */
  readonly raw: string;
  /** Lookup key: plural-folded word, number without thousands separators, or the character itself. */
  readonly key: string;
  /** Value of a `number` token ("1,299.99" → 1299.99). */
  readonly value?: number;
  /** A word that starts with a number ("20usd", "1tb"): the number and the key of the letters after it. */
  readonly numberPrefix?: { readonly value: number; readonly suffixKey: string };
  /** Characters between the previous token and this one; '' when they touch ("t-shirt", "$20"). */
  readonly gap: string;
  /** The gap holds ',', ';' or '|': a phrase or price expression never spans it ("navy, blue" is two colours). */
  readonly isBreakBefore: boolean;
  /** A number written as a percentage ("50%", raw keeps the sign): never an amount of money. */
  readonly isPercent: boolean;
}

// "1,299" is one number only with exact groups of three; "1,2" stays two numbers. Digits are ASCII after NFKD.
const NUMBER = /(?:\d{1,3}(?:,\d{3}(?!\d))+|\d+)(?:\.\d+)?/y;
// Letters and digits; an apostrophe inside a word keeps it whole ("men's", "l'oreal").
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/uy;
const DASH = /^[-\u2010-\u2015\u2212]$/u;
const SYMBOL = /^\p{Sc}$/u;
const DIGIT = /^[0-9]$/;
const BREAK_CHARS = /[,;|]/;

/**
 * Splits normalised text into words, numbers, currency symbols and dashes; every other character only separates
 * tokens. Dashes are kept because they carry grammar: "-red" (negation), "20-40" (range), "t-shirt" (one word).
 */
export function tokenize(normalized: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  let previousEnd = 0;
  const push = (
    token: Omit<Token, 'gap' | 'isBreakBefore' | 'isPercent'> & { isPercent?: boolean },
    start: number,
    end: number,
  ): void => {
    const gap = normalized.slice(previousEnd, start);
    tokens.push({ isPercent: false, ...token, gap, isBreakBefore: BREAK_CHARS.test(gap) });
    previousEnd = end;
    position = end;
  };

  while (position < normalized.length) {
    const char = String.fromCodePoint(normalized.codePointAt(position) ?? 0);
    if (DIGIT.test(char)) {
      NUMBER.lastIndex = position;
      const number = NUMBER.exec(normalized);
      if (number) {
        const numberEnd = position + number[0].length;
        const value = Number(number[0].replaceAll(',', ''));
        WORD.lastIndex = numberEnd;
        const suffix = WORD.exec(normalized);
        if (suffix) {
          // "1tb", "20usd", "13th": one word for phrases and text; the price grammar may still read "20usd".
          const raw = number[0] + suffix[0];
          push(
            { kind: 'word', raw, key: matchKey(raw), numberPrefix: { value, suffixKey: matchKey(suffix[0]) } },
            position,
            numberEnd + suffix[0].length,
          );
        } else {
          const isPercent = normalized[numberEnd] === '%';
          const raw = isPercent ? `${number[0]}%` : number[0];
          push(
            { kind: 'number', raw, key: number[0].replaceAll(',', ''), value, isPercent },
            position,
            numberEnd + (isPercent ? 1 : 0),
          );
        }
        continue;
      }
    }
    WORD.lastIndex = position;
    const word = WORD.exec(normalized);
    if (word) {
      push({ kind: 'word', raw: word[0], key: matchKey(word[0]) }, position, position + word[0].length);
    } else if (DASH.test(char)) {
      push({ kind: 'dash', raw: '-', key: '-' }, position, position + char.length);
    } else if (SYMBOL.test(char)) {
      push({ kind: 'symbol', raw: char, key: char }, position, position + char.length);
    } else {
      position += char.length;
    }
  }
  return tokens;
}

/** Tokens of a phrase or currency entry from the rules file, normalised like a query. */
export function tokenizePhrase(phrase: string): Token[] {
  return tokenize(normalizeText(phrase));
}

// Words ending in "s" that are not plurals of a different product word. Folding "shorts" to "short" would make
// "short dress" filter on the shorts category, and "glasses" (eyewear) must not meet "glass".
const INVARIANT = new Set([
  'shorts',
  'pants',
  'jeans',
  'trousers',
  'leggings',
  'tights',
  'glasses',
  'sunglasses',
  'eyeglasses',
  'scissors',
  'pajamas',
  'pyjamas',
  'overalls',
  'clothes',
  'briefs',
  'boxers',
  'goggles',
  'binoculars',
  'pliers',
  'tongs',
  'sweatpants',
  'news',
  'series',
  'species',
  'canvas',
  'lens',
  'always',
  'perhaps',
  'yes',
  'this',
  'thus',
  'plus',
  'gas',
  'atlas',
  'chaos',
  'christmas',
  'whereas',
  'bias',
  'alias',
  'was',
  'has',
  'does',
]);

const IRREGULAR = new Map([
  ['men', 'man'],
  ['mens', 'man'],
  ['women', 'woman'],
  ['womens', 'woman'],
  ['children', 'child'],
  ['childrens', 'child'],
  ['feet', 'foot'],
  ['teeth', 'tooth'],
  ['mice', 'mouse'],
  ['people', 'person'],
  ['lenses', 'lens'],
  ['buses', 'bus'],
]);

/**
 * Simple English plural → singular for lowercase ASCII words: "boots" → "boot", "dresses" → "dress",
 * "berries" → "berry", "boxes" → "box", "watches" → "watch". Words of three letters or fewer ("bus", "gas", "us")
 * and words ending in "ss", "us" or "is" ("glass", "status", "analysis") are left alone.
 */
export function singularize(word: string): string {
  if (word.length <= 3 || INVARIANT.has(word)) return word;
  const irregular = IRREGULAR.get(word);
  if (irregular) return irregular;
  if (/(?:ss|us|is)$/.test(word)) return word;
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:sses|xes|ches|shes|zzes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/**
 * The key a word is looked up by. After `singularize`, endings that the crude "-s/-es/-ies" rules split
 * differently are merged, so both forms of a pair land on one key: "hoodie"/"hoodies" ("hoody"), "berry"/"berries",
 * "tomato"/"tomatoes", "knife"/"knives", "glove"/"gloves", "niche"/"niches". The key is never shown to anyone;
 * "+" cannot come out of the tokenizer, so the merged -y/-ie key cannot collide with a real word.
 */
export function matchKey(raw: string): string {
  const word = raw.replace(/['’]/g, '');
  if (!/^[a-z]+$/.test(word)) return word;
  const singular = singularize(word);
  if (singular.length < 4) return singular;
  return singular
    .replace(/(?:ie|([^aeiouy])y)$/, '$1+')
    .replace(/oe$/, 'o')
    .replace(/(?:fe|ve)$/, 'f')
    .replace(/che$/, 'ch');
}
