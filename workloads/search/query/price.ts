import { PhraseTrie } from './phrase-trie.js';
import type { CompiledPrice } from './rules.js';
import { matchKey, type Token } from './tokenize.js';

/**
 * The built-in price grammar. What counts as a price, and why:
 *
 *   under|below|less than|up to|max|at most|… AMOUNT   → lte     over|above|more than|at least|min|… AMOUNT → gte
 *   between AMOUNT (and|to|-) AMOUNT                   → gte + lte
 *   [from] AMOUNT (to|-) AMOUNT                        → gte + lte, only with a currency marker on either amount
 *                                                        or a price word just before ("price", "priced", "cost")
 *   AMOUNT = [currency] number [currency]               ("$20", "20 usd", "€ 1,299.99", "20dollars")
 *
 * - After a comparison word or "between" a bare number is a price ("under 50"): in a shop query that is what it
 *   nearly always means. Exception: a bare number followed by a unit ("up to 8 people", "under 5 kg",
 *   "between 2 and 4 seats") or written as a percentage ("over 50%") is not a price; a currency marker overrides
 *   the unit check.
 * - A bare "N to M" / "N-M" is not a price: "iphone 13 to 15 case", "size 8-10", "2019-2021" are not prices.
 * - An amount with a currency but no comparison ("shoes $50") sets no bound: "about $50" has no edge to filter on.
 *   It stays in the text. "from $20" alone is not a price either ("from" only opens a range).
 * - Only currency markers listed in the rules count: in a euro shop "$50" is not read as 50 euros.
 * - Reversed ranges are swapped ("$40-$20"); several bounds of one kind keep the tightest ("under 50 under 30" →
 *   lte 30); contradictory bounds ("over 100 under 50") are kept as written, the search then finds nothing.
 * - Negated comparisons read as their opposite: "not over 50" / "no more than 50" → lte 50.
 */

export interface PriceBounds {
  readonly gte?: number;
  readonly lte?: number;
}

type KeywordKind = 'lte' | 'gte' | 'between' | 'from' | 'context';

const KEYWORDS: ReadonlyArray<readonly [string, KeywordKind]> = [
  ['under', 'lte'],
  ['below', 'lte'],
  ['less than', 'lte'],
  ['up to', 'lte'],
  ['max', 'lte'],
  ['maximum', 'lte'],
  ['at most', 'lte'],
  ['cheaper than', 'lte'],
  ['no more than', 'lte'],
  ['not more than', 'lte'],
  ['not over', 'lte'],
  ['not above', 'lte'],
  ['over', 'gte'],
  ['above', 'gte'],
  ['more than', 'gte'],
  ['at least', 'gte'],
  ['min', 'gte'],
  ['minimum', 'gte'],
  ['greater than', 'gte'],
  ['no less than', 'gte'],
  ['not less than', 'gte'],
  ['not under', 'gte'],
  ['not below', 'gte'],
  ['starting at', 'gte'],
  ['between', 'between'],
  ['from', 'from'],
  ['price', 'context'],
  ['priced', 'context'],
  ['cost', 'context'],
  ['costing', 'context'],
];

/** Every word of the price grammar's keywords: never typo-corrected (spelling.ts). */
export const PRICE_WORDS: readonly string[] = [...new Set(KEYWORDS.flatMap(([phrase]) => phrase.split(' ')))];

/** Words that, right after a bare number, say it counts something other than money. */
const UNITS = new Set(
  [
    'kg',
    'kilo',
    'kilogram',
    'g',
    'gram',
    'mg',
    'lb',
    'pound',
    'oz',
    'ounce',
    'ml',
    'l',
    'liter',
    'litre',
    'cl',
    'gallon',
    'gal',
    'inch',
    'inches',
    'cm',
    'mm',
    'm',
    'km',
    'meter',
    'metre',
    'ft',
    'foot',
    'feet',
    'yard',
    'yd',
    'mile',
    'w',
    'watt',
    'kw',
    'kwh',
    'wh',
    'v',
    'volt',
    'mah',
    'amp',
    'gb',
    'tb',
    'mb',
    'hz',
    'khz',
    'mhz',
    'ghz',
    'mp',
    'megapixel',
    'year',
    'yr',
    'month',
    'week',
    'day',
    'hour',
    'hr',
    'minute',
    'min',
    'second',
    'sec',
    'people',
    'person',
    'seat',
    'seater',
    'pack',
    'pc',
    'pcs',
    'piece',
    'count',
    'ct',
    'percent',
    'player',
    'kid',
    'guest',
    'page',
    'sheet',
    'thread',
    'lumen',
    'calorie',
    'cal',
    'mph',
    'rpm',
    'psi',
    'degree',
    'btu',
    'star',
    'review',
    'rating',
  ].map(matchKey),
);

const KEYWORD_TRIE = (() => {
  const trie = new PhraseTrie<KeywordKind>();
  for (const [phrase, kind] of KEYWORDS) trie.set(phrase.split(' ').map(matchKey), kind);
  return trie;
})();

const NO_KEY = '';

interface Amount {
  readonly value: number;
  readonly hasCurrency: boolean;
  /** Index after the amount (its trailing currency included). */
  readonly end: number;
  readonly isFollowedByUnit: boolean;
}

interface Expression {
  readonly gte?: number;
  readonly lte?: number;
  readonly end: number;
}

/**
 * Finds price expressions among the tokens not yet `consumed`, marks their tokens consumed and returns the
 * combined bounds (empty when the query has none).
 */
export function extractPrice(tokens: readonly Token[], consumed: boolean[], price: CompiledPrice): PriceBounds {
  const usable = (i: number, isFirst: boolean): Token | undefined => {
    const token = tokens[i];
    if (!token || consumed[i] || (!isFirst && token.isBreakBefore)) return undefined;
    return token;
  };

  /** Longest match in `trie` from token `start` over consecutive usable tokens of the given kinds. */
  const matchAt = <T>(trie: PhraseTrie<T>, start: number, kinds: ReadonlySet<Token['kind']>, isFirst: boolean) => {
    const first = usable(start, isFirst);
    if (!first || !kinds.has(first.kind)) return undefined;
    const keyAt = (i: number): string => {
      const token = tokens[i];
      return token && kinds.has(token.kind) ? token.key : NO_KEY;
    };
    const follow = (i: number): number => (usable(i + 1, false) ? i + 1 : -1);
    return trie.longest(start, keyAt, follow);
  };
  const WORDS = new Set<Token['kind']>(['word']);
  const CURRENCY_KINDS = new Set<Token['kind']>(['word', 'symbol']);
  const keywordAt = (i: number, isFirst: boolean) => matchAt(KEYWORD_TRIE, i, WORDS, isFirst);
  const currencyAt = (i: number) => matchAt(price.currency, i, CURRENCY_KINDS, false);

  const amountAt = (start: number, isFirst: boolean): Amount | undefined => {
    let index = start;
    const before = matchAt(price.currency, index, CURRENCY_KINDS, isFirst);
    if (before) index = before.lastIndex + 1;
    const token = usable(index, isFirst && !before);
    if (!token) return undefined;
    if (
      token.kind === 'word' &&
      token.numberPrefix &&
      !before &&
      price.attachedCurrency.has(token.numberPrefix.suffixKey)
    ) {
      return { value: token.numberPrefix.value, hasCurrency: true, end: index + 1, isFollowedByUnit: false };
    }
    if (token.kind !== 'number' || token.value === undefined || token.isPercent) return undefined;
    index += 1;
    const after = currencyAt(index);
    if (after) index = after.lastIndex + 1;
    const hasCurrency = Boolean(before || after);
    const next = usable(index, false);
    const isFollowedByUnit = !hasCurrency && next?.kind === 'word' && UNITS.has(next.key);
    return { value: token.value, hasCurrency, end: index, isFollowedByUnit };
  };

  const connectorAt = (i: number, words: readonly string[]): boolean => {
    const token = usable(i, false);
    return token !== undefined && (token.kind === 'dash' || (token.kind === 'word' && words.includes(token.key)));
  };

  const range = (a: Amount, b: Amount): Expression =>
    a.value <= b.value ? { gte: a.value, lte: b.value, end: b.end } : { gte: b.value, lte: a.value, end: b.end };

  const comparison = (start: number, isFirst: boolean): Expression | undefined => {
    const keyword = keywordAt(start, isFirst);
    if (!keyword || (keyword.value !== 'lte' && keyword.value !== 'gte')) return undefined;
    const amount = amountAt(keyword.lastIndex + 1, false);
    if (!amount || amount.isFollowedByUnit) return undefined;
    return keyword.value === 'lte' ? { lte: amount.value, end: amount.end } : { gte: amount.value, end: amount.end };
  };

  const between = (start: number, isFirst: boolean): Expression | undefined => {
    const keyword = keywordAt(start, isFirst);
    if (keyword?.value !== 'between') return undefined;
    const low = amountAt(keyword.lastIndex + 1, false);
    if (!low || !connectorAt(low.end, ['and', 'to'])) return undefined;
    const high = amountAt(low.end + 1, false);
    if (!high || (!low.hasCurrency && high.isFollowedByUnit)) return undefined;
    return range(low, high);
  };

  const bareRange = (start: number, isFirst: boolean, hasContext: boolean): Expression | undefined => {
    const from = keywordAt(start, isFirst);
    const isFrom = from?.value === 'from';
    const low = amountAt(isFrom ? (from?.lastIndex ?? start) + 1 : start, isFirst && !isFrom);
    if (!low || !connectorAt(low.end, ['to'])) return undefined;
    const high = amountAt(low.end + 1, false);
    if (!high) return undefined;
    if (!(low.hasCurrency || high.hasCurrency || hasContext) || (!low.hasCurrency && high.isFollowedByUnit))
      return undefined;
    return range(low, high);
  };

  let gte: number | undefined;
  let lte: number | undefined;
  for (let i = 0; i < tokens.length;) {
    const context = keywordAt(i, true);
    const hasContext = context?.value === 'context';
    const start = hasContext && context ? context.lastIndex + 1 : i;
    const isFirst = !hasContext;
    const expression = comparison(start, isFirst) ?? between(start, isFirst) ?? bareRange(start, isFirst, hasContext);
    if (!expression) {
      i += 1;
      continue;
    }
    if (expression.gte !== undefined) gte = gte === undefined ? expression.gte : Math.max(gte, expression.gte);
    if (expression.lte !== undefined) lte = lte === undefined ? expression.lte : Math.min(lte, expression.lte);
    for (let j = i; j < expression.end; j += 1) consumed[j] = true;
    i = expression.end;
  }
  return { ...(gte !== undefined ? { gte } : {}), ...(lte !== undefined ? { lte } : {}) };
}
