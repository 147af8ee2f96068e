import { readFileSync } from 'node:fs';
import { describeValue, isPlainObject } from './json-value.js';
import { PhraseTrie } from './phrase-trie.js';
import { tokenizePhrase, type Token } from './tokenize.js';

/**
 * The rules file (filters.json): per product field, canonical value → the phrases (surface forms, synonyms) that
 * mean it, plus the currency markers the price grammar accepts.
 *
 *   {"fields": {"color": {"navy": ["navy", "navy blue", "dark blue"]}},
 *    "price": {"field": "price", "currency": ["$", "usd", "dollars"]}}
 *
 * Without a "price" section no price filters are extracted (the catalog has nothing to compare them with).
 *
 * Optional, for the results page (service/results/):
 *   "facets": ["category", "color"]     product fields counted per value in /search (default: every rules field)
 *   "relax": ["price", "color", …]      the order in which filters are dropped when they leave nothing, least
 *                                        important first (default: price, then the fields from the last listed to
 *                                        the first: list the fields most important first)
 *   "popularity": "reviewCount"         a numeric product field: the order of "popular products" shown for a query
 *                                        with no usable words (default: catalog order)
 *   "price": {…, "bands": [100, 250]}   price facet band edges, ascending (default: 50, 100, 250, 500, 1000)
 */
export interface FilterRules {
  readonly fields: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  readonly price?: PriceRules;
  readonly facets?: readonly string[];
  readonly relax?: readonly string[];
  readonly popularity?: string;
}

export interface PriceRules {
  /** Product field the bounds apply to, and the key of the bounds in the JSON output. */
  readonly field: string;
  /** Symbols or words written before or after an amount ("$20", "20 usd", "€ 20", "20dollars"). */
  readonly currency: readonly string[];
  /** Edges of the price facet's bands, ascending. @default DEFAULT_PRICE_BANDS */
  readonly bands?: readonly number[];
}

export const DEFAULT_PRICE_BANDS: readonly number[] = [50, 100, 250, 500, 1000];

export interface PhraseTarget {
  readonly field: string;
  readonly canonical: string;
}

/** Rules turned into lookup structures once, so extracting from a query never loops over phrases. */
export interface CompiledRules {
  readonly source: string;
  readonly rules: FilterRules;
  readonly phrases: PhraseTrie<PhraseTarget>;
  readonly price?: CompiledPrice;
}

export interface CompiledPrice {
  readonly field: string;
  /** Currency entries as token-key sequences ("us dollars" is two tokens). */
  readonly currency: PhraseTrie<true>;
  /** Single-word currency keys, which may also be glued to the number ("20usd"). */
  readonly attachedCurrency: ReadonlySet<string>;
}

/** A problem in a rules file: `<source>: <json path>: <reason>`. */
export class RulesError extends Error {
  constructor(
    readonly source: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${source}: ${path}: ${reason}` : `${source}: ${reason}`);
    this.name = 'RulesError';
  }
}

type PathPart = string | number;

/** `fields.color["navy blue"][2]`: dotted where the key is a plain identifier, bracketed and quoted otherwise. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

const phraseKeys = (tokens: readonly Token[]): string[] =>
  tokens.filter((t) => t.kind === 'word' || t.kind === 'number').map((t) => t.key);

/**
 * Validates parsed JSON as a rules file and returns a clean copy. Every error names the JSON path and the reason,
 * e.g. `filters.json: fields.color.red[2]: must be a non-empty string (got number 3)`. Also rejects a phrase
 * that would mean two things (see `compileRules`), so a file that parses also compiles.
 */
export function parseRules(json: unknown, source: string): FilterRules {
  const rules = validateRules(json, source);
  compileRules(rules, source);
  return rules;
}

function validateRules(json: unknown, source: string): FilterRules {
  const fail = (parts: readonly PathPart[], reason: string): never => {
    throw new RulesError(source, formatPath(parts), reason);
  };
  if (!isPlainObject(json)) return fail([], `must be a JSON object with "fields" (got ${describeValue(json)})`);
  const TOP_KEYS = ['fields', 'price', 'facets', 'relax', 'popularity'];
  for (const key of Object.keys(json)) {
    if (!TOP_KEYS.includes(key))
      fail([key], 'unknown key (expected "fields", "price", "facets", "relax" or "popularity")');
  }

  let price: PriceRules | undefined;
  if (json.price !== undefined) {
    const raw = json.price;
    if (!isPlainObject(raw))
      return fail(['price'], `must be an object {"field", "currency"} (got ${describeValue(raw)})`);
    for (const key of Object.keys(raw)) {
      if (key !== 'field' && key !== 'currency' && key !== 'bands')
        fail(['price', key], 'unknown key (expected "field", "currency" or "bands")');
    }
    if (typeof raw.field !== 'string' || raw.field.trim() === '')
      return fail(['price', 'field'], `must be a non-empty string (got ${describeValue(raw.field)})`);
    if (!Array.isArray(raw.currency))
      return fail(['price', 'currency'], `must be an array of strings (got ${describeValue(raw.currency)})`);
    const currency = raw.currency.map((entry: unknown, i: number) => {
      if (typeof entry !== 'string' || entry.trim() === '')
        return fail(['price', 'currency', i], `must be a non-empty string (got ${describeValue(entry)})`);
      const tokens = tokenizePhrase(entry);
      if (tokens.length === 0) fail(['price', 'currency', i], `"${entry}" has no word or currency symbol`);
      if (tokens.some((t) => /\d/.test(t.raw))) fail(['price', 'currency', i], `"${entry}" must not contain a number`);
      return entry;
    });
    let bands: number[] | undefined;
    if (raw.bands !== undefined) {
      if (!Array.isArray(raw.bands) || raw.bands.length === 0)
        return fail(
          ['price', 'bands'],
          `must be a non-empty array of ascending amounts (got ${describeValue(raw.bands)})`,
        );
      bands = raw.bands.map((edge: unknown, i: number) => {
        if (typeof edge !== 'number' || !Number.isFinite(edge) || edge <= 0)
          return fail(['price', 'bands', i], `must be a positive number (got ${describeValue(edge)})`);
        if (i > 0 && edge <= (raw.bands as number[])[i - 1]!)
          fail(['price', 'bands', i], `must be greater than the band edge before it (got ${edge})`);
        return edge;
      });
    }
    price = bands ? { field: raw.field, currency, bands } : { field: raw.field, currency };
  }

  if (json.fields === undefined) return fail(['fields'], 'is required');
  if (!isPlainObject(json.fields))
    return fail(
      ['fields'],
      `must be an object of field → {canonical value → phrases} (got ${describeValue(json.fields)})`,
    );
  // Entries + fromEntries (own properties) rather than assignment, so a key named "__proto__" stays a key.
  const fields: Array<[string, Record<string, string[]>]> = [];
  for (const [field, values] of Object.entries(json.fields)) {
    if (field.trim() === '' || field !== field.trim())
      fail(['fields', field], 'field name must be non-empty without surrounding spaces');
    if (price && field === price.field)
      fail(['fields', field], `is also the price field (price.field); price bounds come from the price grammar`);
    if (!isPlainObject(values))
      return fail(['fields', field], `must be an object of canonical value → phrases (got ${describeValue(values)})`);
    if (Object.keys(values).length === 0) fail(['fields', field], 'must map at least one canonical value');
    const canonicals: Array<[string, string[]]> = [];
    for (const [canonical, phrases] of Object.entries(values)) {
      if (canonical.trim() === '') fail(['fields', field, canonical], 'canonical value must be non-empty');
      if (!Array.isArray(phrases))
        return fail(['fields', field, canonical], `must be an array of phrases (got ${describeValue(phrases)})`);
      if (phrases.length === 0)
        fail(
          ['fields', field, canonical],
          'must list at least one phrase (the canonical value itself is not matched implicitly)',
        );
      canonicals.push([
        canonical,
        phrases.map((phrase: unknown, i: number) => {
          if (typeof phrase !== 'string' || phrase.trim() === '')
            return fail(['fields', field, canonical, i], `must be a non-empty string (got ${describeValue(phrase)})`);
          const tokens = tokenizePhrase(phrase);
          const words = tokens.filter((t) => t.kind === 'word');
          // A bare number phrase ("10") would turn every "10" of a query, prices included, into this filter.
          if (words.length === 0)
            fail(
              ['fields', field, canonical, i],
              `"${phrase}" must contain a word (write a bare number with its label, e.g. "size 10")`,
            );
          return phrase;
        }),
      ]);
    }
    fields.push([field, Object.fromEntries(canonicals)]);
  }

  const fieldNames = fields.map(([field]) => field);
  const names = (
    key: 'facets' | 'relax',
    allowed: (name: string) => boolean,
    expected: string,
  ): string[] | undefined => {
    const list = json[key];
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) return fail([key], `must be an array of field names (got ${describeValue(list)})`);
    const seen = new Set<string>();
    return list.map((name: unknown, i: number) => {
      if (typeof name !== 'string' || name.trim() === '')
        return fail([key, i], `must be a non-empty string (got ${describeValue(name)})`);
      if (!allowed(name)) fail([key, i], `"${name}" is not ${expected}`);
      if (seen.has(name)) fail([key, i], `"${name}" is listed twice`);
      seen.add(name);
      return name;
    });
  };
  const facets = names('facets', () => true, 'a field');
  const relax = names(
    'relax',
    (name) => fieldNames.includes(name) || (price !== undefined && name === 'price'),
    `a rules field${price ? ' or "price"' : ''} (fields: ${fieldNames.join(', ')})`,
  );
  let popularity: string | undefined;
  if (json.popularity !== undefined) {
    if (typeof json.popularity !== 'string' || json.popularity.trim() === '')
      return fail(
        ['popularity'],
        `must be the name of a numeric product field (got ${describeValue(json.popularity)})`,
      );
    popularity = json.popularity;
  }
  return {
    fields: Object.fromEntries(fields),
    ...(price ? { price } : {}),
    ...(facets ? { facets } : {}),
    ...(relax ? { relax } : {}),
    ...(popularity !== undefined ? { popularity } : {}),
  };
}

/**
 * Builds the lookup structures. A phrase (after normalising and plural folding) may map to only one
 * field and canonical value: the same phrase under two values of one field, under two fields ("gold" as a colour
 * and a material), or equal to a currency word is an error naming both places, because a query word can become
 * only one filter. The same phrase listed twice for one value is harmless and ignored.
 */
export function compileRules(rules: FilterRules, source = 'rules'): CompiledRules {
  let price: CompiledPrice | undefined;
  const currencyPaths = new Map<string, string>();
  if (rules.price) {
    const currency = new PhraseTrie<true>();
    const attachedCurrency = new Set<string>();
    rules.price.currency.forEach((entry, i) => {
      const keys = tokenizePhrase(entry).map((t) => t.key);
      if (keys.length === 0)
        throw new RulesError(source, formatPath(['price', 'currency', i]), `"${entry}" has no word or currency symbol`);
      currency.set(keys, true);
      currencyPaths.set(keys.join(' '), formatPath(['price', 'currency', i]));
      if (keys.length === 1) attachedCurrency.add(keys[0] as string);
    });
    price = { field: rules.price.field, currency, attachedCurrency };
  }

  const phrases = new PhraseTrie<PhraseTarget>();
  const origins = new Map<string, string>();
  for (const [field, values] of Object.entries(rules.fields)) {
    for (const [canonical, list] of Object.entries(values)) {
      list.forEach((phrase, i) => {
        const path = formatPath(['fields', field, canonical, i]);
        const keys = phraseKeys(tokenizePhrase(phrase));
        if (keys.length === 0) throw new RulesError(source, path, `"${phrase}" has no words`);
        const currencyPath = currencyPaths.get(keys.join(' '));
        if (currencyPath)
          throw new RulesError(source, path, `phrase "${phrase}" is also a currency word (${currencyPath})`);
        const existing = phrases.get(keys);
        if (existing) {
          if (existing.field === field && existing.canonical === canonical) return;
          const where =
            existing.field === field ? `"${existing.canonical}"` : `${existing.field} "${existing.canonical}"`;
          throw new RulesError(
            source,
            path,
            `phrase "${phrase}" already maps to ${where} (${origins.get(keys.join(' '))}); a phrase can mean only one value`,
          );
        }
        phrases.set(keys, { field, canonical });
        origins.set(keys.join(' '), path);
      });
    }
  }
  return price ? { source, rules, phrases, price } : { source, rules, phrases };
}

/** Reads, validates and compiles a rules file; every failure is a RulesError naming the file. */
export function loadRules(path: string): CompiledRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RulesError(
      path,
      '',
      code === 'ENOENT' ? 'rules file not found' : `cannot read the rules file (${code ?? String(err)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RulesError(path, '', `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return compileRules(validateRules(json, path), path);
}
