// EIP-712 typed data: checked and hashed by ethers' TypedDataEncoder, after two normalisations that keep the hash
// bound to what eth_signTypedData_v4 means: only the types reachable from `primaryType` take part (ethers infers the
// primary type from the set), and an `EIP712Domain` the caller lists must be the fields its domain carries, in the
// order EIP-712 gives them (ethers derives that type from the domain itself).
import { KmsError, type TypedDataInput } from '../api/index.js';

/** EIP-712's domain fields, in the standard order. */
const DOMAIN_FIELDS = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
] as const;

type Types = Record<string, Array<{ name: string; type: string }>>;

function baseType(type: string): string {
  return type.replace(/(\[[0-9]*\])+$/, '');
}

/** The struct types `primaryType` uses, itself included, without EIP712Domain. */
export function reachableTypes(types: Types, primaryType: string): Types {
  if (!Object.hasOwn(types, primaryType) || primaryType === 'EIP712Domain') {
    throw new KmsError('INVALID_REQUEST', 'typedData: primaryType must name one of its types (not EIP712Domain)');
  }
  const out: Types = {};
  const todo = [primaryType];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (Object.hasOwn(out, name)) continue;
    out[name] = types[name]!;
    for (const field of types[name]!) {
      const base = baseType(field.type);
      if (Object.hasOwn(types, base) && base !== 'EIP712Domain') todo.push(base);
    }
  }
  return out;
}

export function checkDomainType(t: TypedDataInput): void {
  const listed = t.types.EIP712Domain;
  if (!listed) return;
  const expected = DOMAIN_FIELDS.filter((f) => t.domain[f.name] !== undefined);
  const same = listed.length === expected.length && listed.every((f, i) => f.name === expected[i]!.name && f.type === expected[i]!.type);
  if (!same) throw new KmsError('INVALID_REQUEST', 'typedData: EIP712Domain must list exactly the domain fields given, in the order of EIP-712');
}

/**
 * Every object in the message has only the members its type declares (ethers would ignore the others, so a prompt
 * showing them would show more than is signed). Arrays and nested structs are walked; depth is bounded by the
 * protocol's JSON depth limit.
 */
export function checkMembers(types: Types, type: string, value: unknown, path = 'message'): void {
  const array = /^(.*)\[[0-9]*\]$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw new KmsError('INVALID_REQUEST', `typedData: ${path} must be an array`);
    value.forEach((v, i) => checkMembers(types, array[1]!, v, `${path}[${i}]`));
    return;
  }
  const fields = Object.hasOwn(types, type) ? types[type] : undefined;
  if (!fields) return; // an atomic or dynamic type: ethers checks its value
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new KmsError('INVALID_REQUEST', `typedData: ${path} must be an object`);
  const names = new Set(fields.map((f) => f.name));
  for (const k of Object.keys(value)) if (!names.has(k)) throw new KmsError('INVALID_REQUEST', `typedData: ${path} has a member its type ${type} does not declare`);
  for (const f of fields) checkMembers(types, f.type, (value as Record<string, unknown>)[f.name], `${path}.${f.name}`);
}

/** The EIP-712 digest keccak256(0x1901 || domainSeparator || hashStruct(message)), as bytes. */
export async function typedDataDigest(t: TypedDataInput): Promise<Uint8Array> {
  checkDomainType(t);
  const types = reachableTypes(t.types, t.primaryType);
  checkMembers(types, t.primaryType, t.message);
  const { TypedDataEncoder, getBytes } = await import('ethers');
  try {
    const encoder = TypedDataEncoder.from(types);
    if (encoder.primaryType !== t.primaryType) throw new Error('primary type');
    return getBytes(TypedDataEncoder.hash(t.domain, types, t.message));
  } catch (e) {
    if (e instanceof KmsError) throw e;
    // ethers' messages name the type or field at fault; cut them short and keep no value longer than that.
    const why = e instanceof Error ? (e as { shortMessage?: string }).shortMessage ?? e.message : 'not valid';
    throw new KmsError('INVALID_REQUEST', `typedData: ${why}`.slice(0, 200));
  }
}
