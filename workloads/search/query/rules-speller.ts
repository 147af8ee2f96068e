import { GRAMMAR_WORDS } from './extract-filters.js';
import { PRICE_WORDS } from './price.js';
import type { CompiledRules } from './rules.js';
import { Speller, type SpellingOptions } from './spelling.js';
import { tokenizePhrase } from './tokenize.js';

/**
 * The speller for a rules file and a catalog: the words of every phrase and currency word are targets first among
 * equals; `catalogWords` (word → products that have it, from the lexical index) are the rest. The extractor's and
 * the price grammar's words are never corrected.
 */
export function spellerFor(
  rules: CompiledRules,
  catalogWords: Iterable<readonly [word: string, frequency: number]> = [],
  options: SpellingOptions = {},
): Speller {
  const ruleWords = new Set<string>();
  const addPhrase = (phrase: string): void => {
    for (const token of tokenizePhrase(phrase)) if (token.kind === 'word') ruleWords.add(token.raw);
  };
  for (const values of Object.values(rules.rules.fields))
    for (const phrases of Object.values(values)) phrases.forEach(addPhrase);
  rules.rules.price?.currency.forEach(addPhrase);
  return new Speller(ruleWords, catalogWords, [...GRAMMAR_WORDS, ...PRICE_WORDS], options);
}
