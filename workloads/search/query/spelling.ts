import { normalizeText } from './normalize.js';

/**
 * Typo tolerance for query understanding: a query word that is not a known word (a word of the rules' phrases or of
 * the catalog) is replaced by the known word nearest to it, when one is close enough:
 *
 * - one edit from 5 letters, two from 9 (Meilisearch's `minWordSizeForTypos` 5 / 9; Typesense 4 / 7, Algolia 4 / 8),
 *   and a four-letter word may have two neighbouring letters swapped ("grye" → "grey"): a swap keeps every letter,
 *   while any other edit of a four-letter word changes a quarter of it ("pink" is not a typo of "pine");
 * - an edit is an insertion, deletion, substitution or a swap of two neighbouring letters (Damerau–Levenshtein, as
 *   Typesense and OpenSearch count), and an edit of the first letter counts twice, as in Meilisearch, so "lamp" never
 *   becomes "camp";
 * - never: a known word (exact matches always win), a word shorter than 4 letters, a number or a word with a digit
 *   ("1460", "x200"), a brand-like word (capitals after its first letter as typed: "IKEA", "iPhone", unless the whole
 *   query is in capitals), and grammar words (negations, price words, common English words);
 * - among candidates: fewest edits, then a word of the rules (it becomes a filter), then the word more products
 *   have, then alphabetical order (deterministic).
 *
 * The search is a walk of a trie of the known words carrying one row of the edit-distance matrix per letter (and the
 * row before, for swaps), abandoning a branch as soon as every cell of its row is over the budget: a few hundred
 * nodes per word for catalogs of tens of thousands of words, not a comparison with every word.
 */

export interface Correction {
  /** The word as typed (normalised: lowercase, no accents). */
  readonly from: string;
  readonly to: string;
}

export interface SpellingOptions {
  /** Shortest word that may get one edit. @default 5 */
  readonly oneTypoMinLength?: number;
  /** Shortest word that may get two edits. @default 9 */
  readonly twoTyposMinLength?: number;
  /** Shortest word that may have two neighbouring letters swapped (and no other edit). @default 4 */
  readonly swapMinLength?: number;
}

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  /** `next` as arrays once built: iterating arrays is several times faster than a Map in the walk. */
  letters: string[];
  children: TrieNode[];
  /** Set on the node that ends a known word. */
  word?: { readonly text: string; readonly frequency: number; readonly isRule: boolean };
}

/** Words never corrected and never corrected to (grammar, not product words). */
const GRAMMAR_WORDS = new Set(
  (
    'about above after again against also among and another any around because been before being below between both ' +
    'but cheap cheaper cheapest could does down during each every except excluding few for from have having here ' +
    'into just least less like made many more most much must near neither nobody none nor not nothing only other ' +
    'over same should since some such than that their them then there these they this those through under until ' +
    'upon very want what when where which while whose will with within without would your yours something best ' +
    'good great nice new price priced cost costing dollar dollars maximum minimum most starting'
  ).split(' '),
);

export class Speller {
  private readonly root: TrieNode = { next: new Map(), letters: [], children: [] };
  private readonly known = new Set<string>();
  readonly oneTypoMinLength: number;
  readonly twoTyposMinLength: number;
  readonly swapMinLength: number;

  /**
   * @param ruleWords words of the rules' phrases (and currency words): corrected to first among equals.
   * @param catalogWords catalog word → how many products have it.
   * @param grammarWords further words that are never corrected (the price grammar's and negation words).
   */
  constructor(
    ruleWords: Iterable<string>,
    catalogWords: Iterable<readonly [word: string, frequency: number]>,
    grammarWords: Iterable<string> = [],
    options: SpellingOptions = {},
  ) {
    this.oneTypoMinLength = options.oneTypoMinLength ?? 5;
    this.twoTyposMinLength = options.twoTyposMinLength ?? 9;
    this.swapMinLength = options.swapMinLength ?? 4;
    const frequencies = new Map<string, number>(catalogWords);
    const rules = new Set(ruleWords);
    for (const word of [...GRAMMAR_WORDS, ...grammarWords]) this.known.add(word);
    for (const word of new Set([...rules, ...frequencies.keys()])) {
      this.known.add(word);
      // Only words that look like words are targets: "x200" is matched exactly or not at all.
      if (!/^[a-z][a-z'’-]*$/.test(word) || GRAMMAR_WORDS.has(word)) continue;
      this.insert(word, frequencies.get(word) ?? 0, rules.has(word));
    }
    const freeze = (node: TrieNode): void => {
      node.letters = [...node.next.keys()];
      node.children = [...node.next.values()];
      node.children.forEach(freeze);
    };
    freeze(this.root);
  }

  /** Whether `word` (normalised) is a known word. */
  has(word: string): boolean {
    return this.known.has(word);
  }

  /** How many edits `word` may get: 0, 1 or 2 (a word that may only have a swap counts 1). */
  budget(word: string): number {
    const length = [...word].length;
    if (length >= this.twoTyposMinLength) return 2;
    if (length >= Math.min(this.oneTypoMinLength, this.swapMinLength)) return 1;
    return 0;
  }

  /**
   * The known word `word` stands for, or undefined when it is known, protected or nothing is near. `isBrandLike`:
   * the word was typed with capitals after its first letter.
   */
  correct(word: string, isBrandLike = false): string | undefined {
    if (this.known.has(word) || isBrandLike || /\d/.test(word) || !/^[a-z]+$/.test(word)) return undefined;
    const budget = this.budget(word);
    if (budget === 0) return undefined;
    const isSwapOnly = word.length < this.oneTypoMinLength;
    let best: { text: string; distance: number; frequency: number; isRule: boolean } | undefined;
    const n = word.length;
    // One preallocated row per trie depth: the walk allocates nothing per node.
    const rows = Array.from({ length: n + budget + 2 }, () => new Int32Array(n + 1));
    for (let i = 0; i <= n; i += 1) (rows[0] as Int32Array)[i] = i;
    // `limit`: the edits left for this branch; a branch whose first letter differs from the word's has one fewer,
    // since that edit counts twice (Meilisearch): "lamp" is not a typo of "camp".
    const visit = (node: TrieNode, letter: string, prevLetter: string, depth: number, limit: number): void => {
      const row = rows[depth - 1] as Int32Array;
      const prevRow = depth >= 2 ? (rows[depth - 2] as Int32Array) : undefined;
      const current = rows[depth] as Int32Array;
      current[0] = (row[0] as number) + 1;
      let rowMin = current[0];
      for (let i = 1; i <= n; i += 1) {
        const cost = word[i - 1] === letter ? 0 : 1;
        let value = Math.min((current[i - 1] as number) + 1, (row[i] as number) + 1, (row[i - 1] as number) + cost);
        if (prevRow && i > 1 && word[i - 1] === prevLetter && word[i - 2] === letter)
          value = Math.min(value, (prevRow[i - 2] as number) + 1);
        current[i] = value;
        if (value < rowMin) rowMin = value;
      }
      if (node.word) {
        const edits = current[n] as number;
        const distance = edits + (budget - limit);
        if (edits <= limit && (!isSwapOnly || isSwap(word, node.word.text)) && isBetter(node.word, distance, best))
          best = { ...node.word, distance };
      }
      if (rowMin > limit || depth + 1 >= rows.length) return;
      const { letters, children } = node;
      for (let c = 0; c < letters.length; c += 1)
        visit(children[c] as TrieNode, letters[c] as string, letter, depth + 1, limit);
    };
    for (const [letter, child] of this.root.next) {
      const limit = letter === word[0] ? budget : budget - 1;
      if (limit > 0 || letter === word[0]) visit(child, letter, '', 1, limit);
    }
    return best?.text;
  }

  private insert(word: string, frequency: number, isRule: boolean): void {
    let node = this.root;
    for (const letter of word) {
      let child = node.next.get(letter);
      if (!child) {
        child = { next: new Map(), letters: [], children: [] };
        node.next.set(letter, child);
      }
      node = child;
    }
    const previous = node.word;
    node.word = {
      text: word,
      frequency: Math.max(frequency, previous?.frequency ?? 0),
      isRule: isRule || (previous?.isRule ?? false),
    };
  }
}

/** Whether `b` is `a` with two neighbouring letters swapped. */
function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

function isBetter(
  candidate: { text: string; frequency: number; isRule: boolean },
  distance: number,
  best: { text: string; distance: number; frequency: number; isRule: boolean } | undefined,
): boolean {
  if (!best) return true;
  if (distance !== best.distance) return distance < best.distance;
  if (candidate.isRule !== best.isRule) return candidate.isRule;
  if (candidate.frequency !== best.frequency) return candidate.frequency > best.frequency;
  return candidate.text < best.text;
}

/**
 * Words written with a capital after their first letter ("IKEA", "iPhone", "McQueen"), lowercased: brand-like, never
 * corrected. A query typed entirely in capitals says nothing about any one word, so it yields none.
 */
export function brandLikeWords(query: string): Set<string> {
  const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
  const letters = query.replace(/[^\p{L}]/gu, '');
  if (letters.length > 0 && letters === letters.toUpperCase()) return new Set();
  return new Set(words.filter((word) => /\p{Lu}/u.test(word.slice(1))).map((word) => normalizeText(word)));
}
