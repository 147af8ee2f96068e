/**
 * The service's query-string parser (fastify's `routerOptions.querystringParser`), strict where the default one
 * is lenient: fast-querystring keeps `%zz`, a lone `%` or `%FF%FE` as literal text, so a broken link searched
 * for "%zz". Here a value that is not valid percent-encoded UTF-8 is kept raw and marked; the route then answers
 * 400 naming the parameter (`checkQueryParameters` in routes/schemas.ts), and only if it reads that parameter:
 * a malformed tracking tag the service ignores does not fail a search.
 *
 * Otherwise it reads `application/x-www-form-urlencoded` as browsers write it: `&`-separated `name=value`
 * pairs, `+` for a space, a name without `=` has the value "", a repeated name gives an array of its values.
 */

/** Where a parsed query keeps its malformed parameters: name → why, for the route's checks. */
export const MALFORMED_PARAMETERS: unique symbol = Symbol('malformed query parameters');

export interface ParsedQuery {
  [name: string]: string | string[];
  [MALFORMED_PARAMETERS]?: Record<string, string>;
}

export function parseQuerystring(text: string): ParsedQuery {
  // No prototype: a parameter named __proto__ or constructor is just a parameter.
  const query = Object.create(null) as ParsedQuery;
  if (text === '') return query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    const name = percentDecode(rawName, true);
    // A name that does not decode names no parameter any route reads: the pair is ignored like any unknown one.
    if (!name.ok) continue;
    const value = percentDecode(rawValue, true);
    const decoded = value.ok ? value.value : rawValue;
    if (!value.ok) {
      query[MALFORMED_PARAMETERS] ??= Object.create(null) as Record<string, string>;
      query[MALFORMED_PARAMETERS][name.value] ??= value.problem;
    }
    const previous = query[name.value];
    if (previous === undefined) query[name.value] = decoded;
    else if (Array.isArray(previous)) previous.push(decoded);
    else query[name.value] = [previous, decoded];
  }
  return query;
}

export type Decoded = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly problem: string };

/**
 * Percent-decodes UTF-8 text, refusing what a URL may not carry: an escape that is not `%` and two hex digits,
 * bytes that are not UTF-8 once decoded, and a raw `#` (it starts a fragment, which a client never sends; "c#"
 * typed into a search box arrives as `c%23`). `plusIsSpace` for query strings.
 */
export function percentDecode(text: string, plusIsSpace: boolean): Decoded {
  const badEscape = /%(?![0-9A-Fa-f]{2})[^%]{0,2}/.exec(text);
  if (badEscape) return { ok: false, problem: `has an invalid percent-escape ${JSON.stringify(badEscape[0])}` };
  if (text.includes('#')) return { ok: false, problem: 'has a "#" that is not percent-encoded as %23' };
  const spaced = plusIsSpace ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return { ok: true, value: spaced };
  try {
    return { ok: true, value: decodeURIComponent(spaced) };
  } catch {
    // Every escape is well formed, so the bytes they spell are not UTF-8 (%FF, a lone continuation byte, a
    // truncated sequence, an encoded surrogate).
    return { ok: false, problem: 'is not UTF-8 once percent-decoded' };
  }
}
