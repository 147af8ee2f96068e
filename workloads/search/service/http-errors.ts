import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { percentDecode } from './querystring.js';
import { httpError } from './service-state.js';

/**
 * Every error the service answers has one JSON shape, `{ statusCode, error, message }`, whichever layer finds
 * it: Node's HTTP parser (`clientErrorHandler`: bytes that are not HTTP), fastify's router (`frameworkErrors`: a
 * path that does not decode), the hooks and the schemas (app.ts), the routes. The message says what was wrong
 * and what was received, as the 400s of the schemas do.
 */

/**
 * Longest URL (path and query, in bytes as sent) the service reads; longer gets 414. Above the longest URL a
 * valid request can have: 512 characters of query or product id, each up to 4 UTF-8 bytes percent-encoded as 12,
 * are 6,144 bytes. Below Node's 16 KB limit on the request line and headers, so the service, not the parser,
 * answers the usual too-long URL.
 */
export const MAX_URL_LENGTH = 8192;

/** The methods every route answers: its own GET, HEAD (GET without the body) and OPTIONS. */
export const ALLOWED_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
export const ALLOW_HEADER = ALLOWED_METHODS.join(', ');

export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** The 414 for a URL over MAX_URL_LENGTH, or undefined. */
export function checkUrlLength(url: string): (Error & { statusCode: number }) | undefined {
  const bytes = Buffer.byteLength(url);
  return bytes > MAX_URL_LENGTH ? httpError(414, urlTooLong(String(bytes))) : undefined;
}

function urlTooLong(got: string): string {
  return `URL: must be at most ${MAX_URL_LENGTH} bytes (got ${got})`;
}

/** A value for a message: JSON, cut to 60 characters. */
function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 60 ? `${json.slice(0, 57)}..."` : json;
}

/**
 * fastify's `frameworkErrors`: the router could not decode the path (FST_ERR_BAD_URL: `/products/%zz/related`),
 * or a path parameter was longer than `maxParamLength`, which app.ts sets so that only a URL over
 * MAX_URL_LENGTH can have one. A URL over the limit gets the same 414 as in the onRequest hook, whatever else is
 * wrong with it.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const url = request.raw.url ?? '';
  const tooLong = checkUrlLength(url);
  if (tooLong) {
    void reply.code(414).send(errorBody(414, tooLong.message));
    return;
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    const path = url.split('?')[0] ?? '';
    const decoded = percentDecode(path, false);
    const message = !decoded.ok
      ? `path: ${decoded.problem} (got ${quote(path)})`
      : `path: is not a valid path (got ${quote(path)})`;
    void reply.code(400).send(errorBody(400, message));
    return;
  }
  const statusCode = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
  request.log.error({ err: error }, 'router error');
  void reply.code(statusCode).send(errorBody(statusCode, statusCode === 500 ? 'internal server error' : error.message));
}

/** What Node's parser reports with a clientError (fastify's ConnectionError types `rawPacket` wrongly). */
interface ParserError extends Error {
  readonly code?: string;
  readonly reason?: string;
  readonly bytesParsed?: number;
  readonly rawPacket?: unknown;
}

/**
 * fastify's `clientErrorHandler`: a request Node's HTTP parser refused never reaches fastify, and fastify's
 * default answers `{"message":"Client Error"}`. This one answers in the service's shape and says what was wrong:
 *
 * - a request line over Node's limit on the request line and headers (16 KB): 414, as for a URL over
 *   MAX_URL_LENGTH; headers over it: 431;
 * - a byte a URL may not carry raw (non-ASCII, a control character, a space): 400 naming the byte;
 * - a method Node does not know: 501, as fastify's not-found handler answers a method no route implements;
 * - anything else that is not HTTP/1.x: 400 with the parser's reason; a request that took too long: 408.
 *
 * The connection is closed afterwards: the parser cannot find the next request after a broken one.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error, socket: Socket): void {
  const error = err as ParserError;
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { statusCode, message } = describeClientError(error);
  this.log.debug({ err: error, statusCode }, `client error: ${message}`);
  if (socket.writable) {
    const body = JSON.stringify(errorBody(statusCode, message));
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function describeClientError(error: ParserError): { statusCode: number; message: string } {
  const raw = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0);
  const parsed = raw.subarray(0, Math.min(error.bytesParsed ?? raw.length, raw.length));
  const notHttp = {
    statusCode: 400,
    message: `request: is not valid HTTP/1.x (${error.reason ?? error.code ?? 'unknown'})`,
  };
  switch (error.code ?? '') {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { statusCode: 408, message: 'request: not received in time' };
    case 'HPE_HEADER_OVERFLOW':
      // Node counts the request line and the headers together. If what it read of this packet is the start of a
      // request line with no line end yet, the URL alone is too long. A URL that arrives in several packets
      // cannot be told from long headers: those get the 431, whose message names both limits.
      return isRequestLineStart(parsed) && !parsed.includes(0x0a)
        ? { statusCode: 414, message: urlTooLong(`more than ${maxHeaderSize}`) }
        : {
            statusCode: 431,
            message: `request line and headers: must be at most ${maxHeaderSize} bytes together (the URL at most ${MAX_URL_LENGTH})`,
          };
    case 'HPE_INVALID_METHOD': {
      const method = /^[!-~]{1,32}/.exec(raw.toString('latin1'))?.[0];
      return method !== undefined && /^[A-Z][A-Z-]*$/.test(method)
        ? { statusCode: 501, message: `${method}: method not implemented (allowed: ${ALLOW_HEADER})` }
        : notHttp;
    }
    case 'HPE_INVALID_URL': {
      // A byte a URL may not carry raw (non-ASCII, a control character): name it. Otherwise (a target that does
      // not start with "/") the parser's reason says more.
      const byte = raw[parsed.length];
      return byte !== undefined && (byte < 0x21 || byte > 0x7e)
        ? { statusCode: 400, message: `URL: byte 0x${hex(byte)} must be percent-encoded (as %${hex(byte)})` }
        : notHttp;
    }
    default:
      return notHttp;
  }
}

function isRequestLineStart(bytes: Buffer): boolean {
  return /^[A-Z][A-Z-]* /.test(bytes.subarray(0, 32).toString('latin1'));
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
