// What the approval prompt shows for Ethereum signing: the transaction's fields decoded from the very params the
// broker will re-send (normalised by micro-eth-signer exactly as the KMS does), amounts in ETH and gwei computed
// without floating point, and EIP-712 typed data as its domain and its message's fields in type order.
import { Transaction, weieth, weigwei } from 'micro-eth-signer';

export interface ApprovalRow {
  label: string;
  value: string;
  /** Shown under the value, smaller (e.g. "18 decimals"). */
  note?: string;
}
export interface ApprovalSection {
  title: string;
  rows: ApprovalRow[];
}

/** Networks whose name and currency the prompt knows; any other chain id is shown as a number with a warning. */
export const CHAINS: Readonly<Record<string, { name: string; symbol: string; testnet?: true }>> = {
  '1': { name: 'Ethereum Mainnet', symbol: 'ETH' },
  '11155111': { name: 'Sepolia testnet', symbol: 'ETH', testnet: true },
  '17000': { name: 'Holesky testnet', symbol: 'ETH', testnet: true },
  '560048': { name: 'Hoodi testnet', symbol: 'ETH', testnet: true },
  '10': { name: 'OP Mainnet', symbol: 'ETH' },
  '8453': { name: 'Base', symbol: 'ETH' },
  '42161': { name: 'Arbitrum One', symbol: 'ETH' },
  '137': { name: 'Polygon PoS', symbol: 'POL' },
};

/** Function selectors a person may recognise (the first 4 bytes of calldata). */
const SELECTORS: Readonly<Record<string, string>> = {
  a9059cbb: 'transfer(address,uint256): a token transfer',
  '095ea7b3': 'approve(address,uint256): lets another address spend your tokens',
  '23b872dd': 'transferFrom(address,address,uint256)',
  a22cb465: 'setApprovalForAll(address,bool): lets another address move all your NFTs',
};

export function chainText(chainId: bigint | number | string): string {
  const id = String(chainId);
  const c = CHAINS[id];
  return c ? `${c.name} (chain id ${id})` : `unknown network (chain id ${id})`;
}

/** A string shown in the prompt: as is when plain, else JSON-escaped so hidden characters become visible. */
export function visible(s: string): string {
  return /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(s) ? `${JSON.stringify(s)} (contains hidden characters)` : s;
}

export function ethTransactionSections(tx: Record<string, unknown>, from: string | undefined): { sections: ApprovalSection[]; warning?: string } {
  const t = Transaction.prepare({
    type: 'eip1559',
    chainId: BigInt(String(tx.chainId)),
    nonce: BigInt(String(tx.nonce)),
    to: String(tx.to),
    value: BigInt(String(tx.value)),
    gasLimit: BigInt(String(tx.gasLimit)),
    maxFeePerGas: BigInt(String(tx.maxFeePerGas)),
    maxPriorityFeePerGas: BigInt(String(tx.maxPriorityFeePerGas)),
    data: typeof tx.data === 'string' ? tx.data : '',
  }).raw;
  const chain = CHAINS[String(t.chainId)];
  const unit = chain?.symbol ?? 'native units';
  const data = t.data.replace(/^0x/, '');
  const selector = data.slice(0, 8);
  const rows: ApprovalRow[] = [
    { label: 'Network', value: chainText(t.chainId) },
    ...(from ? [{ label: 'From', value: from }] : []),
    { label: 'To', value: t.to },
    { label: 'Amount', value: `${weieth.encode(t.value)} ${unit}`, note: `${t.value} wei` },
    { label: 'Gas limit', value: t.gasLimit.toString() },
    { label: 'Max fee per gas', value: `${weigwei.encode(t.maxFeePerGas)} gwei` },
    { label: 'Max priority fee', value: `${weigwei.encode(t.maxPriorityFeePerGas)} gwei` },
    { label: 'Network fee at most', value: `${weieth.encode(t.gasLimit * t.maxFeePerGas)} ${unit}` },
    { label: 'Total at most', value: `${weieth.encode(t.value + t.gasLimit * t.maxFeePerGas)} ${unit}` },
    { label: 'Nonce', value: t.nonce.toString() },
    data.length === 0
      ? { label: 'Data', value: 'none (a plain transfer)' }
      : { label: 'Data', value: `0x${data}`, note: `${data.length / 2} bytes${SELECTORS[selector] ? `; calls ${SELECTORS[selector]}` : `; calls function 0x${selector}`}` },
  ];
  const warning = !chain
    ? 'This network is not one OpenWallet knows. Check the chain id: a signature for one network can be replayed only there.'
    : data.length > 0
      ? 'This transaction calls a contract. Approve only if you trust the contract and understand the data.'
      : undefined;
  return { sections: [{ title: 'Transaction (EIP-1559)', rows }], ...(warning ? { warning } : {}) };
}

type Types = Record<string, Array<{ name: string; type: string }>>;

function valueText(v: unknown): string {
  if (typeof v === 'string') return visible(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? 'null';
}

/** The message's fields in the order its types declare them, nested paths joined with dots. */
export function typedFields(types: Types, type: string, value: unknown, path: string, out: ApprovalRow[]): void {
  const array = /^(.*)\[[0-9]*\]$/.exec(type);
  if (array && Array.isArray(value)) {
    if (value.length === 0) out.push({ label: path, value: '(empty list)' });
    value.forEach((v, i) => typedFields(types, array[1]!, v, `${path}[${i}]`, out));
    return;
  }
  const fields = Object.hasOwn(types, type) ? types[type] : undefined;
  if (fields && value !== null && typeof value === 'object') {
    for (const f of fields) typedFields(types, f.type, (value as Record<string, unknown>)[f.name], path ? `${path}.${f.name}` : f.name, out);
    return;
  }
  out.push({ label: path, value: valueText(value), note: type });
}

export function typedDataSections(typed: Record<string, unknown>): { sections: ApprovalSection[]; warning?: string } {
  const domain = (typed.domain ?? {}) as Record<string, unknown>;
  const types = (typed.types ?? {}) as Types;
  const primaryType = String(typed.primaryType);
  const domainRows: ApprovalRow[] = [];
  if (domain.name !== undefined) domainRows.push({ label: 'Name', value: valueText(domain.name) });
  if (domain.version !== undefined) domainRows.push({ label: 'Version', value: valueText(domain.version) });
  if (domain.chainId !== undefined) domainRows.push({ label: 'Network', value: chainText(String(domain.chainId)) });
  if (domain.verifyingContract !== undefined) domainRows.push({ label: 'Verifying contract', value: valueText(domain.verifyingContract) });
  if (domain.salt !== undefined) domainRows.push({ label: 'Salt', value: valueText(domain.salt) });
  const messageRows: ApprovalRow[] = [];
  typedFields(types, primaryType, typed.message, '', messageRows);
  const warning = domain.verifyingContract === undefined && domain.chainId === undefined ? 'The domain names no contract and no network: this signature could be used anywhere this message is accepted.' : undefined;
  return {
    sections: [
      { title: 'Domain (who will use this signature)', rows: domainRows },
      { title: `Message (${visible(primaryType)})`, rows: messageRows },
    ],
    ...(warning ? { warning } : {}),
  };
}
