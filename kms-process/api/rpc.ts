// JSON-RPC 2.0 envelopes: parse an incoming text into a request or a typed error, and build responses.
import { KmsError, type ErrorData, type ErrorKind, isErrorKind, rpcCodeFor, RPC_CODES } from './errors.js';
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from './limits.js';
import { illFormedStringPath, isWellFormedString } from './wellFormed.js';

export type RpcId = string | number | null;

export interface RpcRequest {
  jsonrpc: '2.0';
  id: RpcId;
  method: string;
  params?: unknown;
  /** Set by the authenticated parent (broker, CLI), never by the renderer: which of its callers this request is for. */
  caller?: string;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data: ErrorData;
}

export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId; result: unknown }
  | { jsonrpc: '2.0'; id: RpcId; error: RpcErrorObject };

/** True when no value inside `v` nests deeper than `max` (iterative: a hostile message cannot blow the stack). */
export function depthWithin(v: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return false;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, depth + 1]);
  }
  return true;
}

function validId(id: unknown): id is RpcId {
  return id === null || (typeof id === 'string' && id.length <= 128) || (typeof id === 'number' && Number.isSafeInteger(id));
}

/** What a line-based transport hands over in place of a line that exceeded MAX_MESSAGE_BYTES. */
export const MESSAGE_TOO_LARGE = '\u0000message-too-large';

/** The limit counts UTF-8 bytes (as the stdio transport does), not UTF-16 units; counted only when it could matter. */
function tooLarge(text: string): boolean {
  if (text.length > MAX_MESSAGE_BYTES) return true;
  return text.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES;
}

/** What a text port hands over in place of an object it refused to take (it was built before any limit applied). */
export const NOT_TEXT = '\u0000not-text';

/**
 * Parse one message text under the size limit, which is checked before parsing. Returns the parsed value (a
 * request, or a batch of them from a coalescing peer, for checkRequest) or an error response to send as it is.
 */
export function parseMessageText(text: string): { value: unknown } | RpcResponse {
  if (text === MESSAGE_TOO_LARGE || tooLarge(text)) return errorResponse(null, new KmsError('INVALID_REQUEST', 'message too large'));
  if (text === NOT_TEXT) return errorResponse(null, new KmsError('INVALID_REQUEST', 'this channel carries JSON text, not objects'));
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return {
      jsonrpc: '2.0',
      id: null,
      error: { code: RPC_CODES.PARSE_ERROR, message: 'parse error: not JSON', data: { kind: 'INVALID_REQUEST' } },
    };
  }
}

/** Parse one message text. Returns the request, or an error response that can be sent as it is. */
export function parseRequestText(text: string): RpcRequest | RpcResponse {
  const parsed = parseMessageText(text);
  return 'value' in parsed ? checkRequest(parsed.value) : parsed;
}


/** Check the envelope of an already-parsed message. */
export function checkRequest(value: unknown): RpcRequest | RpcResponse {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return envelopeError(null, 'a request must be one JSON object');
  }
  const o = value as Record<string, unknown>;
  const id = validId(o.id) ? o.id : null;
  if (!depthWithin(value)) return envelopeError(id, 'message nests too deeply');
  for (const k of Object.keys(o)) {
    if (k !== 'jsonrpc' && k !== 'id' && k !== 'method' && k !== 'params' && k !== 'caller') return envelopeError(id, `unknown member '${k.slice(0, 32)}'`);
  }
  if (o.jsonrpc !== '2.0') return envelopeError(id, "jsonrpc must be '2.0'");
  if (!('id' in o) || !validId(o.id)) return envelopeError(id, 'id must be a string, a safe integer or null');
  if (typeof o.method !== 'string' || o.method.length === 0 || o.method.length > 64) return envelopeError(id, 'method must be a short string');
  if (o.caller !== undefined && (typeof o.caller !== 'string' || o.caller.length > 16)) return envelopeError(id, 'caller must be a short string');
  // One check for every method: any ill-formed string anywhere (params, id, method, caller, member names).
  const bad = illFormedStringPath(value);
  if (bad !== undefined) {
    const at = [...bad].slice(0, 64).join(''); // by code points: a cut pair would be ill-formed itself
    const err = new KmsError('INVALID_REQUEST', `${at || 'message'}: not a well-formed Unicode string`, { data: { path: at } });
    return errorResponse(typeof id === 'string' && !isWellFormedString(id) ? null : id, err);
  }
  const req: RpcRequest = { jsonrpc: '2.0', id: o.id as RpcId, method: o.method, params: o.params };
  if (typeof o.caller === 'string') req.caller = o.caller;
  return req;
}

function envelopeError(id: RpcId, message: string): RpcResponse {
  return { jsonrpc: '2.0', id, error: { code: RPC_CODES.INVALID_REQUEST, message, data: { kind: 'INVALID_REQUEST' } } };
}

export function isResponse(v: RpcRequest | RpcResponse): v is RpcResponse {
  return 'result' in v || 'error' in v;
}

export function resultResponse(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, result };
}

export function errorResponse(id: RpcId, err: KmsError): RpcResponse {
  return { jsonrpc: '2.0', id, error: { code: rpcCodeFor(err.kind), message: err.message, data: err.data } };
}

/** Rebuild a KmsError from a response's error object (client side); anything malformed is INTERNAL. */
export function errorFromResponse(e: unknown): KmsError {
  const obj = (e ?? {}) as { message?: unknown; data?: { kind?: unknown; retryAfterMs?: unknown; path?: unknown; attemptsLeft?: unknown; file?: unknown } };
  const kind: ErrorKind = isErrorKind(obj.data?.kind) ? obj.data.kind : 'INTERNAL';
  const message = typeof obj.message === 'string' ? obj.message : 'malformed error from the KMS';
  const data: Omit<ErrorData, 'kind'> = {};
  if (typeof obj.data?.retryAfterMs === 'number') data.retryAfterMs = obj.data.retryAfterMs;
  if (typeof obj.data?.path === 'string') data.path = obj.data.path;
  if (typeof obj.data?.attemptsLeft === 'number') data.attemptsLeft = obj.data.attemptsLeft;
  if (typeof obj.data?.file === 'string') data.file = obj.data.file;
  return new KmsError(kind, message, { data });
}
