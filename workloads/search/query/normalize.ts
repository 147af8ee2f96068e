/**
 * The normalisation every stage shares: the rules compiler and the filter extractor tokenise normalised text, and the
 * cache keys, popular queries, autocomplete and the index's field values compare normalised queries.
 */

/**
 * Lowercase, compatibility-decomposed (NFKD: fullwidth digits, ligatures) and without combining marks, so
 * "Café" and "cafe" are the same word. Lowercasing can itself produce marks ("İ" → "i̇"), hence the second pass.
 */
export function normalizeText(input: string): string {
  return input.normalize('NFKD').toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
}

/**
 * The one normalisation of query text for cache keys, popular queries and autocomplete: the filter extractor's
 * (lowercase, compatibility-decomposed, no accents), whitespace collapsed and trimmed. "Café  Boots" and
 * "cafe boots" are one query.
 */
export function normalizeQuery(text: string): string {
  return normalizeText(text).replace(/\s+/gu, ' ').trim();
}
