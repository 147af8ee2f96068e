/**
 * What may become a suggestion: text a shopper plausibly typed, never what an attacker wants every other shopper to
 * see. Queries are recorded as `normalizeQuery` leaves them (lowercase, no accents, single spaces); on top of that a
 * suggestion is at most `maxLength` characters and `maxWords` words, made of letters, digits, spaces and the
 * punctuation product names use, with at least one letter — so no control or escape bytes, no markup, no URL,
 * domain or e-mail address, and no long digit runs (phone or card numbers someone pasted).
 */

export interface SuggestionTextLimits {
  /** Characters (code points), not UTF-16 units. */
  readonly maxLength: number;
  readonly maxWords: number;
}

export const DEFAULT_SUGGESTION_LIMITS: SuggestionTextLimits = { maxLength: 64, maxWords: 8 };

/** Letters, digits and spaces, and the punctuation of "levi's 501", "t-shirt", "2.5l", "50% off", "h&m", "1/2". */
const ALLOWED = /^[\p{L}\p{N} '&+\-./%$,]+$/u;
const LETTER = /\p{L}/u;
/** "evil.example", "shop.co.uk": a dot between letters of two words (but not "dr. martens" or "2.5"). */
const DOMAIN = /[\p{L}\p{N}-]\.\p{L}{2,}/u;
const DIGIT_RUN = /\d{7,}/;
const SCHEME = /(?:^|\s)(?:https?|ftp|www)\b/u;

/** Why a normalised query may not be suggested, or undefined when it may. */
export function unsuggestableReason(
  query: string,
  limits: SuggestionTextLimits = DEFAULT_SUGGESTION_LIMITS,
): string | undefined {
  const length = [...query].length;
  if (length < 2) return 'too short';
  if (length > limits.maxLength) return `longer than ${limits.maxLength} characters`;
  if (query.split(' ').length > limits.maxWords) return `more than ${limits.maxWords} words`;
  if (!ALLOWED.test(query)) return 'characters that are not letters, digits, spaces or product punctuation';
  if (!LETTER.test(query)) return 'no letters';
  if (DOMAIN.test(query) || SCHEME.test(query)) return 'looks like a web address';
  if (DIGIT_RUN.test(query)) return 'a long run of digits';
  return undefined;
}
