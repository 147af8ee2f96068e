import { extractPrice, type PriceBounds } from './price.js';
import type { CompiledRules, PhraseTarget } from './rules.js';
import type { TrieMatch } from './phrase-trie.js';
import { matchKey, singularize, tokenize, type Token } from './tokenize.js';
import { normalizeText } from './normalize.js';
import { brandLikeWords, type Correction, type Speller } from './spelling.js';

/**
 * Query understanding: turns the words of a search query into structured filters using the compiled rules,
 * and leaves the rest as the text to embed. Pure: no I/O, no clock.
 *
 * Matching is case-, accent- and punctuation-insensitive, on whole words only ("red" never matches inside
 * "credit"), with plurals folded both ways ("boots" meets the phrase "boot"), and the longest phrase wins.
 *
 * Negation: "without X", "no X", "not X", "non-X", "excluding X", "except X", "neither X nor Y" and "-X" (a minus
 * glued to the start of a word) send the phrase X to `exclude`. An article may sit in between ("without the
 * hood"), and a list continues the negation ("without red or blue" excludes both).
 * A negated word that matches no phrase stays in `text` exactly as written, negation word or minus included
 * ("without pockets", "-fluffy"): dropping only the negation word would embed the opposite of what was asked.
 * A value both required and excluded ("red shoes not red") is only excluded: the explicit negation is the
 * more deliberate statement.
 *
 * Phrases are matched before the price grammar, so a product name containing a price word ("air max 90" as a
 * phrase) is not read as "max 90". Phrases always contain a word (the rules loader enforces it), so a price
 * amount cannot be taken by a phrase.
 */

export type FieldFilters = Readonly<Record<string, readonly string[]>>;

export interface PriceFilter extends PriceBounds {
  /** The product field the bounds apply to (the rules' price.field). */
  readonly field: string;
}

export interface FilterExtraction {
  /** The remaining words in query order, normalised (lowercase, no accents), single-spaced. */
  readonly text: string;
  /** Field → canonical values, each list deduplicated in order of first appearance. */
  readonly filters: FieldFilters;
  /** Present only when the query has a price bound. */
  readonly price?: PriceFilter;
  readonly exclude: FieldFilters;
  /** Words typo-corrected before extraction (spelling.ts), in query order; empty without a speller. */
  readonly corrections: readonly Correction[];
}

export interface ExtractOptions {
  /** Corrects words that are not known (spelling.ts). @default - no typo tolerance */
  readonly speller?: Speller;
}

/** The JSON shape printed by `roleplane search filters` and returned by /search: empty parts omitted. */
export interface FilterJson {
  text: string;
  filters?: Record<string, string[] | PriceBounds>;
  exclude?: Record<string, string[]>;
  corrections?: Correction[];
}

const NEGATORS = new Set(['without', 'no', 'not', 'non', 'excluding', 'except', 'neither']);
const ARTICLES = new Set(['the', 'a', 'an', 'any']);
const CONJUNCTIONS = new Set(['or', 'nor', 'and']);
/** The extractor's own grammar words: never typo-corrected. */
export const GRAMMAR_WORDS: readonly string[] = [...NEGATORS, ...ARTICLES, ...CONJUNCTIONS];

class ValueSet {
  private readonly byField = new Map<string, string[]>();

  add(target: PhraseTarget): void {
    const values = this.byField.get(target.field);
    if (!values) this.byField.set(target.field, [target.canonical]);
    else if (!values.includes(target.canonical)) values.push(target.canonical);
  }

  has(target: PhraseTarget): boolean {
    return this.byField.get(target.field)?.includes(target.canonical) ?? false;
  }

  toRecord(keep: (target: PhraseTarget) => boolean = () => true): Record<string, string[]> {
    const entries: Array<[string, string[]]> = [];
    for (const [field, values] of this.byField) {
      const kept = values.filter((canonical) => keep({ field, canonical }));
      if (kept.length > 0) entries.push([field, kept]);
    }
    // fromEntries defines own properties, so a field named "__proto__" stays a plain key.
    return Object.fromEntries(entries);
  }
}

export function extractFilters(query: string, rules: CompiledRules, options: ExtractOptions = {}): FilterExtraction {
  const corrections: Correction[] = [];
  const tokens = correctTokens(tokenize(normalizeText(query)), query, options.speller, corrections);
  const consumed = tokens.map(() => false);
  const isWordLike = (token: Token | undefined): boolean => token?.kind === 'word' || token?.kind === 'number';

  // "-red": a minus after a space (or at the start) and glued to a word. "t-shirt" and "20-40" are not negations.
  const isNegationDash = tokens.map((token, i) => {
    const next = tokens[i + 1];
    return token.kind === 'dash' && (i === 0 || token.gap !== '') && next?.kind === 'word' && next.gap === '';
  });
  const isMinusNegated = (i: number): boolean => i > 0 && isNegationDash[i - 1] === true;

  const startsPhrase = (i: number): boolean => isWordLike(tokens[i]) && !consumed[i];
  // A phrase continues to the next word, across a joining dash ("navy-blue"), but never across a break
  // (',' ';' '|'), a symbol, a used token or a "-word" negation.
  const follow = (i: number): number => {
    let next = i + 1;
    const dash = tokens[next];
    if (dash?.kind === 'dash' && dash.gap === '' && !isNegationDash[next] && tokens[next + 1]?.gap === '') next += 1;
    const token = tokens[next];
    if (!token || !isWordLike(token) || consumed[next] || token.isBreakBefore || isMinusNegated(next)) return -1;
    return next;
  };
  const keyAt = (i: number): string => tokens[i]?.key ?? '';
  const phraseAt = (i: number): TrieMatch<PhraseTarget> | undefined =>
    startsPhrase(i) ? rules.phrases.longest(i, keyAt, follow) : undefined;
  const consume = (from: number, to: number): void => {
    for (let j = from; j <= to; j += 1) consumed[j] = true;
  };

  const filters = new ValueSet();
  const exclude = new ValueSet();

  /** After a negated phrase ending at `last`: "or Y", "nor Y", "and Y" extend the negation to Y. */
  const continueNegation = (last: number): number => {
    let end = last;
    for (;;) {
      const conjunction = tokens[end + 1];
      if (!conjunction || consumed[end + 1] || conjunction.isBreakBefore || !CONJUNCTIONS.has(conjunction.key))
        return end;
      const match = phraseAt(end + 2);
      if (!match) return end;
      exclude.add(match.value);
      consume(end + 1, match.lastIndex);
      end = match.lastIndex;
    }
  };

  for (let i = 0; i < tokens.length; i += 1) {
    if (!startsPhrase(i)) continue;
    const match = phraseAt(i);
    if (match && isMinusNegated(i)) {
      exclude.add(match.value);
      consume(i - 1, match.lastIndex);
      i = continueNegation(match.lastIndex);
    } else if (match) {
      filters.add(match.value);
      consume(i, match.lastIndex);
      i = match.lastIndex;
    } else if (NEGATORS.has(keyAt(i))) {
      // Skip articles between the negation and its phrase: "without the hood", "no any"… all still one negation.
      let target = follow(i);
      while (target >= 0 && ARTICLES.has(keyAt(target)) && !phraseAt(target)) target = follow(target);
      const negated = target >= 0 ? phraseAt(target) : undefined;
      if (!negated) continue;
      exclude.add(negated.value);
      consume(i, negated.lastIndex);
      i = continueNegation(negated.lastIndex);
    }
  }

  const bounds = rules.price ? extractPrice(tokens, consumed, rules.price) : {};

  // A conjunction between two extracted parts is grammar too: "red or blue", "over 20 and under 50".
  tokens.forEach((token, i) => {
    if (!consumed[i] && token.kind === 'word' && CONJUNCTIONS.has(token.key) && consumed[i - 1] && consumed[i + 1])
      consumed[i] = true;
  });

  const price: PriceFilter | undefined =
    rules.price && (bounds.gte !== undefined || bounds.lte !== undefined)
      ? { field: rules.price.field, ...bounds }
      : undefined;
  return {
    text: remainingText(tokens, consumed, isNegationDash),
    filters: filters.toRecord((target) => !exclude.has(target)),
    ...(price ? { price } : {}),
    exclude: exclude.toRecord(),
    corrections,
  };
}

/** Tokens with unknown words replaced by their correction (spelling.ts); the corrections go to `out`. */
function correctTokens(tokens: Token[], query: string, speller: Speller | undefined, out: Correction[]): Token[] {
  if (!speller) return tokens;
  const brandLike = brandLikeWords(query);
  return tokens.map((token) => {
    if (token.kind !== 'word' || token.numberPrefix || speller.has(singularize(token.raw))) return token;
    const to = speller.correct(token.raw, brandLike.has(token.raw));
    if (to === undefined) return token;
    out.push({ from: token.raw, to });
    return { ...token, raw: to, key: matchKey(to) };
  });
}

/**
 * The tokens left over, as written: tokens that touched in the query stay glued ("t-shirt", "13-15", "£50"),
 * other runs are joined by one space. A dash left dangling by a removed neighbour is dropped, except the minus
 * of a negation that matched nothing ("-fluffy").
 */
function remainingText(
  tokens: readonly Token[],
  consumed: readonly boolean[],
  isNegationDash: readonly boolean[],
): string {
  const runs: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    while (run.length > 0 && tokens[run[0] as number]?.kind === 'dash' && !isNegationDash[run[0] as number])
      run.shift();
    while (run.length > 0 && tokens[run[run.length - 1] as number]?.kind === 'dash') run.pop();
    if (run.some((i) => tokens[i]?.kind === 'word' || tokens[i]?.kind === 'number'))
      runs.push(run.map((i) => tokens[i]?.raw ?? '').join(''));
    run = [];
  };
  tokens.forEach((token, i) => {
    if (consumed[i]) return flush();
    if (run.length > 0 && token.gap !== '') flush();
    run.push(i);
  });
  flush();
  return runs.join(' ');
}

/** The JSON form: `{"text", "filters", "exclude"}`, with empty filters/exclude omitted and price under its field. */
export function toJsonOutput(result: FilterExtraction): FilterJson {
  // Built with fromEntries (own properties), so a field named "__proto__" cannot reach the prototype.
  const filterEntries: Array<[string, string[] | PriceBounds]> = Object.entries(result.filters).map(
    ([field, values]) => [field, [...values]],
  );
  if (result.price) {
    const { field, gte, lte } = result.price;
    filterEntries.push([field, { ...(gte !== undefined ? { gte } : {}), ...(lte !== undefined ? { lte } : {}) }]);
  }
  const excludeEntries = Object.entries(result.exclude).map(([field, values]): [string, string[]] => [
    field,
    [...values],
  ]);
  return {
    text: result.text,
    ...(filterEntries.length > 0 ? { filters: Object.fromEntries(filterEntries) } : {}),
    ...(excludeEntries.length > 0 ? { exclude: Object.fromEntries(excludeEntries) } : {}),
    ...(result.corrections.length > 0 ? { corrections: [...result.corrections] } : {}),
  };
}
