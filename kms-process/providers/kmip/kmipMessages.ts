// KMIP request and response messages: one batch item per message (the header, the operation, the payload), and a
// failed batch item turned into a KmipServerError that carries the server's Result Reason and Result Message.
import { decodeTtlv, encodeTtlv, TtlvError, type TtlvItem } from './ttlv.js';
import { child, enumeration, int, optional, required, struct } from './ttlvItems.js';
import { OPERATION, RESULT_REASON, RESULT_STATUS, TAG, type KmipOperation } from './kmipTags.js';

export interface ProtocolVersion {
  major: number;
  minor: number;
}

export const versionText = (v: ProtocolVersion): string => `${v.major}.${v.minor}`;
export const atLeast = (v: ProtocolVersion, major: number, minor: number): boolean => v.major > major || (v.major === major && v.minor >= minor);

/** A batch item the server answered with a failure status. */
export class KmipServerError extends Error {
  override readonly name = 'KmipServerError';
  constructor(
    readonly operation: KmipOperation,
    readonly reason: number | undefined,
    readonly serverMessage: string | undefined,
  ) {
    super(`${operation} failed: ${describeReason(reason)}${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

function describeReason(reason: number | undefined): string {
  if (reason === undefined) return 'no reason given';
  return RESULT_REASON[reason] ?? `Result Reason 0x${reason.toString(16)}`;
}

export function versionItem(v: ProtocolVersion): TtlvItem {
  return struct(TAG.ProtocolVersion, [int(TAG.ProtocolVersionMajor, v.major), int(TAG.ProtocolVersionMinor, v.minor)]);
}

export function readVersion(item: TtlvItem): ProtocolVersion {
  return { major: required(item, TAG.ProtocolVersionMajor, 'Integer'), minor: required(item, TAG.ProtocolVersionMinor, 'Integer') };
}

export function encodeRequest(version: ProtocolVersion, operation: KmipOperation, payload: TtlvItem[]): Uint8Array {
  return encodeTtlv(
    struct(TAG.RequestMessage, [
      struct(TAG.RequestHeader, [versionItem(version), int(TAG.BatchCount, 1)]),
      struct(TAG.BatchItem, [enumeration(TAG.Operation, OPERATION[operation]), struct(TAG.RequestPayload, payload)]),
    ]),
  );
}

export interface KmipResponse {
  version: ProtocolVersion;
  /** The payload of the one batch item (an empty structure when the server sent none). */
  payload: TtlvItem;
}

/** Strip what a log line or a terminal should not get, and bound the length: the server's text is not ours. */
function cleanText(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const cleaned = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return cleaned.length > 240 ? `${cleaned.slice(0, 240)}...` : cleaned;
}

/** Decode a response to a one-item request for `operation`; a failed item throws KmipServerError. */
export function decodeResponse(bytes: Uint8Array, operation: KmipOperation): KmipResponse {
  const message = decodeTtlv(bytes);
  if (message.tag !== TAG.ResponseMessage) throw new TtlvError('not a KMIP response message');
  const header = child(message, TAG.ResponseHeader);
  if (!header) throw new TtlvError('response without a header');
  const version = readVersion(child(header, TAG.ProtocolVersion) ?? struct(TAG.ProtocolVersion, []));
  const item = child(message, TAG.BatchItem);
  if (!item) throw new TtlvError('response without a batch item');
  const op = optional(item, TAG.Operation, 'Enumeration');
  const status = required(item, TAG.ResultStatus, 'Enumeration');
  if (status !== RESULT_STATUS.Success) {
    throw new KmipServerError(operation, optional(item, TAG.ResultReason, 'Enumeration'), cleanText(optional(item, TAG.ResultMessage, 'TextString')));
  }
  if (op !== undefined && op !== OPERATION[operation]) throw new TtlvError('the response answers another operation');
  return { version, payload: child(item, TAG.ResponsePayload) ?? struct(TAG.ResponsePayload, []) };
}
