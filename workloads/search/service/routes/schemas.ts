import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { MALFORMED_PARAMETERS, type ParsedQuery } from '../querystring.js';

/**
 * JSON schemas shared by the routes, registered once with `addSchema` and referenced by `$id`, the formatter that
 * turns a failed validation into a 400 whose message names the parameter, and the checks on the query string as
 * it was sent, which run before the schema (`checkQueryParameters`):
 *
 *   q: is required · q: must not be empty · q: must be at most 512 characters (got 600)
 *   limit: must be an integer (got "ten") · limit: must be at most 100 (got 500)
 *   q: has an invalid percent-escape "%zz" (got "%zz") · limit: must be given once (got ["1","2"])
 *
 * Lengths are in characters, and a character is a Unicode code point, in the limit and in the message alike
 * (ajv counts code points): an emoji is one character, "é" written as e + a combining accent is two.
 */

/** Longest accepted query, in characters: longer text is not a search a person typed, and it bounds embedding cost. */
export const MAX_QUERY_LENGTH = 512;

/** Longest accepted product id, in characters (app.ts lets the router pass any id the URL limit allows). */
export const MAX_PRODUCT_ID_LENGTH = 512;

export const SCHEMA_IDS = {
  error: 'roleplane.search.error',
  result: 'roleplane.search.result',
} as const;

export const ERROR_SCHEMA = {
  $id: SCHEMA_IDS.error,
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

/**
 * One product in a result list: its id and score, then the catalog's own fields as they are in products.jsonl.
 * `additionalProperties` lets attribute fields (color, brand, …) through, whatever the catalog has.
 */
export const RESULT_SCHEMA = {
  $id: SCHEMA_IDS.result,
  type: 'object',
  required: ['id', 'score', 'title'],
  properties: {
    id: { type: 'string' },
    score: { type: 'number' },
    title: { type: 'string' },
    description: { type: 'string' },
    price: { type: 'number' },
  },
  additionalProperties: true,
} as const;

export function registerSharedSchemas(app: FastifyInstance): void {
  app.addSchema(ERROR_SCHEMA);
  app.addSchema(RESULT_SCHEMA);
}

/** The `q` parameter: required, not blank, at most MAX_QUERY_LENGTH characters. */
export const QUERY_PARAMETER = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_QUERY_LENGTH,
  // At least one non-space character: "   " is as empty as "".
  pattern: '\\S',
} as const;

/** A product id in the path: not empty, at most MAX_PRODUCT_ID_LENGTH characters. */
export const PRODUCT_ID_PARAMETER = { type: 'string', minLength: 1, maxLength: MAX_PRODUCT_ID_LENGTH } as const;

/**
 * An optional `limit` with its default and maximum. Written in decimal digits only: `checkQueryParameters`
 * refuses what ajv's type coercion would otherwise read as a number (`0x10`, `1e1`, `+5`, ` 5`, `5.0`).
 */
export function limitParameter(defaultValue: number, maximum: number) {
  return { type: 'integer', minimum: 1, maximum, default: defaultValue } as const;
}

/** What `type: 'integer'` accepts as text: decimal digits, optionally negative (so a range error can say "got -1"). */
const DECIMAL_INTEGER = /^-?[0-9]+$/;

/**
 * The checks ajv cannot make, because it sees each parameter after type coercion: every parameter the route's
 * querystring schema names must be valid percent-encoded UTF-8, given at most once, and an integer one written in
 * decimal digits. Returns the 400 error for the first parameter that fails, in the schema's order, or undefined.
 * Parameters the schema does not name are not looked at.
 */
export function checkQueryParameters(querystringSchema: unknown, query: unknown): Error | undefined {
  const properties = (querystringSchema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties || typeof query !== 'object' || query === null) return undefined;
  const parsed = query as ParsedQuery;
  const malformed = parsed[MALFORMED_PARAMETERS];
  for (const [name, schema] of Object.entries(properties)) {
    const value = parsed[name];
    if (value === undefined) continue;
    const problem = malformed?.[name];
    if (problem !== undefined) return badRequest(`${name}: ${problem} (got ${describeValue(value)})`);
    if (Array.isArray(value)) return badRequest(`${name}: must be given once (got ${describeValue(value)})`);
    if (schema.type === 'integer' && !DECIMAL_INTEGER.test(value))
      return badRequest(`${name}: must be an integer (got ${describeValue(value)})`);
  }
  return undefined;
}

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}

export const errorResponses = {
  400: { $ref: `${SCHEMA_IDS.error}#` },
  503: { $ref: `${SCHEMA_IDS.error}#` },
} as const;

/** A 400 error carrying the formatted message; fastify adds `validation` and the status code. */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return badRequest(errors.map((error) => describeError(error, dataVar)).join('; '));
}

function describeError(error: FastifySchemaValidationError, dataVar: string): string {
  // ajv's `verbose` option (set in app.ts) puts the offending value on the error.
  const data = (error as FastifySchemaValidationError & { data?: unknown }).data;
  const got = data === undefined ? '' : ` (got ${describeValue(data)})`;
  const fromPath = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const { params } = error;
  switch (error.keyword) {
    case 'required':
      return `${String(params.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${String(params.additionalProperty)}: is not a known ${dataVar === 'params' ? 'path parameter' : 'parameter'}`;
    default:
      break;
  }
  const name = fromPath || dataVar;
  switch (error.keyword) {
    case 'minLength':
    case 'pattern':
      return `${name}: must not be empty`;
    case 'maxLength':
      // Code points, as ajv counts them (a string's length is UTF-16 units: 513 emoji would say 1026).
      return `${name}: must be at most ${String(params.limit)} characters${typeof data === 'string' ? ` (got ${[...data].length})` : ''}`;
    case 'type':
      return `${name}: must be ${params.type === 'integer' ? 'an integer' : `a single ${String(params.type)}`}${got}`;
    case 'minimum':
      return `${name}: must be at least ${String(params.limit)}${got}`;
    case 'maximum':
      return `${name}: must be at most ${String(params.limit)}${got}`;
    case 'enum':
      return `${name}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}${got}`;
    default:
      return `${name}: ${error.message ?? 'is invalid'}${got}`;
  }
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
