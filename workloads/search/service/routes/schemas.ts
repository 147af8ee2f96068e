import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';

/**
 * JSON schemas shared by the routes, registered once with `addSchema` and referenced by `$id`, and the formatter
 * that turns a failed validation into a 400 whose message names the parameter:
 *
 *   q: is required · q: must not be empty · q: must be at most 512 characters (got 600)
 *   limit: must be an integer (got "ten") · limit: must be at most 100 (got 500)
 */

/** Longest accepted query: longer text is not a search a person typed, and it bounds embedding cost. */
export const MAX_QUERY_LENGTH = 512;

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

/** An optional `limit` with its default and maximum. */
export function limitParameter(defaultValue: number, maximum: number) {
  return { type: 'integer', minimum: 1, maximum, default: defaultValue } as const;
}

export const errorResponses = {
  400: { $ref: `${SCHEMA_IDS.error}#` },
  503: { $ref: `${SCHEMA_IDS.error}#` },
} as const;

/** A 400 error carrying the formatted message; fastify adds `validation` and the status code. */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const message = errors.map((error) => describeError(error, dataVar)).join('; ');
  return Object.assign(new Error(message), { statusCode: 400 });
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
      return `${name}: must be at most ${String(params.limit)} characters${typeof data === 'string' ? ` (got ${data.length})` : ''}`;
    case 'type':
      return `${name}: must be ${params.type === 'integer' ? 'an integer' : `a single ${String(params.type)}`}${got}`;
    case 'minimum':
      return `${name}: must be at least ${String(params.limit)}${got}`;
    case 'maximum':
      return `${name}: must be at most ${String(params.limit)}${got}`;
    default:
      return `${name}: ${error.message ?? 'is invalid'}${got}`;
  }
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
