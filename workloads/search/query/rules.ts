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
 */
export interface FilterRules {
  readonly fields: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  readonly price?: PriceRules;
}

export interface PriceRules {
  /** Product field the bounds apply to, and the key of the bounds in the JSON output. */
  readonly field: string;
  /** Symbols or words written before or after an amount ("$20", "20 usd", "€ 20", "20dollars"). */
  readonly currency: readonly string[];
}

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
  for (const key of Object.keys(json)) {
    if (key !== 'fields' && key !== 'price') fail([key], 'unknown key (expected "fields" or "price")');
  }

  let price: PriceRules | undefined;
  if (json.price !== undefined) {
    const raw = json.price;
    if (!isPlainObject(raw))
      return fail(['price'], `must be an object {"field", "currency"} (got ${describeValue(raw)})`);
    for (const key of Object.keys(raw)) {
      if (key !== 'field' && key !== 'currency') fail(['price', key], 'unknown key (expected "field" or "currency")');
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
    price = { field: raw.field, currency };
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

  return price ? { fields: Object.fromEntries(fields), price } : { fields: Object.fromEntries(fields) };
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
