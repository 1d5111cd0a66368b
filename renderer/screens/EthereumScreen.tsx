// Ethereum: build and sign an EIP-1559 transaction, or sign EIP-712 typed data, with an Ethereum account. The
// trusted approval window shows the decoded fields (network, to, amount in ETH, gas, fees, nonce, data; the typed
// data's domain and fields) before anything is signed. OpenWallet does not broadcast: it has no network access.
import { useState } from 'react';
import type { Result } from '../../kms-process/api/methods.js';
import { CopyValue } from '../components/CopyButton.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { TabPanel, Tabs } from '../components/Tabs.js';
import { useAction } from '../components/useAction.js';
import { ethToWei, gweiToWei } from '../format/formatting.js';
import { useKeys } from '../useKeys.js';
import { unwrap, walletApi, WalletError } from '../walletClient.js';
import type { ScreenId } from '../App.js';

export const NETWORKS = [
  { id: '1', name: 'Ethereum Mainnet' },
  { id: '11155111', name: 'Sepolia testnet' },
  { id: '17000', name: 'Holesky testnet' },
  { id: '10', name: 'OP Mainnet' },
  { id: '8453', name: 'Base' },
  { id: '42161', name: 'Arbitrum One' },
];

/** The EIP-712 specification's example, as a starting point. */
export const EXAMPLE_TYPED_DATA = {
  types: {
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

type Tab = 'transaction' | 'typed';

export function EthereumScreen({ onNavigate }: { onNavigate: (id: ScreenId) => void }) {
  const { keys } = useKeys();
  const [tab, setTab] = useState<Tab>('transaction');
  const accounts = (keys ?? []).filter((k) => k.algorithm === 'secp256k1' && k.extra?.ethereumAddress && k.purposes.includes('sign'));
  const [id, setId] = useState('');
  const account = accounts.find((k) => k.id === id) ?? accounts[0];
  return (
    <section aria-labelledby="eth-title">
      <div className="screen-head"><h2 id="eth-title">Ethereum</h2></div>
      {keys && accounts.length === 0 && (
        <div className="note">No Ethereum account yet. <button className="link" onClick={() => onNavigate('accounts')}>Add one under Accounts</button>.</div>
      )}
      <div className="card">
        <label>Account
          <select value={account?.id ?? ''} onChange={(e) => setId(e.target.value)}>
            {accounts.map((k) => <option key={k.id} value={k.id}>{k.label} — {k.extra!.ethereumAddress}</option>)}
          </select>
        </label>
        <p className="hint">Every Ethereum signature is approved in a trusted window that shows exactly what is signed.</p>
        <Tabs label="What to sign" tabs={[{ id: 'transaction', title: 'Transaction' }, { id: 'typed', title: 'Typed data (EIP-712)' }] as const} current={tab} onChange={setTab} />
        {tab === 'transaction' && <TabPanel id="transaction"><TransactionForm accountId={account?.id} /></TabPanel>}
        {tab === 'typed' && <TabPanel id="typed"><TypedDataForm accountId={account?.id} /></TabPanel>}
      </div>
    </section>
  );
}

function TransactionForm({ accountId }: { accountId: string | undefined }) {
  const wallet = walletApi();
  const [f, setF] = useState({ chainId: '11155111', to: '', amount: '', nonce: '0', gasLimit: '21000', maxFee: '30', priorityFee: '1.5', data: '' });
  const [signed, setSigned] = useState<Result<'crypto.signEthTransaction'> | undefined>(undefined);
  const { busy, error, run } = useAction();
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => {
    setF({ ...f, [k]: e.target.value });
    setSigned(undefined);
  };

  const sign = () =>
    run('Waiting for your approval in the trusted window…', async () => {
      if (!accountId) return;
      const value = ethToWei(f.amount || '0');
      const maxFeePerGas = gweiToWei(f.maxFee);
      const maxPriorityFeePerGas = gweiToWei(f.priorityFee);
      if (value === undefined) throw new WalletError('INVALID_REQUEST', 'the amount is a number of ETH, at most 18 decimals');
      if (maxFeePerGas === undefined || maxPriorityFeePerGas === undefined) throw new WalletError('INVALID_REQUEST', 'fees are numbers of gwei, at most 9 decimals');
      if (!/^\d+$/.test(f.nonce) || !/^\d+$/.test(f.gasLimit) || !/^\d+$/.test(f.chainId)) throw new WalletError('INVALID_REQUEST', 'nonce, gas limit and chain id are whole numbers');
      const tx = {
        chainId: String(BigInt(f.chainId)),
        nonce: String(BigInt(f.nonce)),
        to: f.to.trim(),
        value,
        gasLimit: String(BigInt(f.gasLimit)),
        maxFeePerGas,
        maxPriorityFeePerGas,
        ...(f.data.trim() ? { data: f.data.trim() } : {}),
      };
      setSigned(await unwrap(wallet.crypto.signEthTransaction({ id: accountId, tx })));
    });

  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void sign(); }}>
      {/* The whole address stays in view: it is what a person checks against the one they were given. */}
      <label>To (address)<input value={f.to} onChange={set('to')} placeholder="0x…" className="mono" spellCheck={false} /></label>
      <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: 12 }}>
        <label>Network<select value={f.chainId} onChange={set('chainId')}>{NETWORKS.map((n) => <option key={n.id} value={n.id}>{n.name} ({n.id})</option>)}</select></label>
        <label>Amount (ETH)<input value={f.amount} onChange={set('amount')} inputMode="decimal" placeholder="0.01" /></label>
        <label>Nonce<input value={f.nonce} onChange={set('nonce')} inputMode="numeric" aria-describedby="nonce-hint" /><span className="hint" id="nonce-hint">The account’s transaction count, from your node or explorer.</span></label>
        <label>Gas limit<input value={f.gasLimit} onChange={set('gasLimit')} inputMode="numeric" aria-describedby="gas-hint" /><span className="hint" id="gas-hint">21000 for a plain transfer; more with data.</span></label>
        <label>Max fee (gwei)<input value={f.maxFee} onChange={set('maxFee')} inputMode="decimal" /></label>
        <label>Max priority fee (gwei)<input value={f.priorityFee} onChange={set('priorityFee')} inputMode="decimal" /></label>
      </div>
      <label>Data (optional, 0x hex)<textarea rows={2} value={f.data} onChange={set('data')} spellCheck={false} /></label>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy || !accountId}>Sign transaction</button></div>
      {signed && (
        <div aria-live="polite">
          <h3>Signed transaction</h3>
          <p className="hint">Send it with a node or a block explorer of your choice (“broadcast raw transaction”).</p>
          <CopyValue value={signed.signedTransaction} what="signed transaction" testId="signed-tx" />
          <h3>Transaction hash</h3>
          <CopyValue value={signed.hash} what="transaction hash" testId="tx-hash" />
        </div>
      )}
    </form>
  );
}

function TypedDataForm({ accountId }: { accountId: string | undefined }) {
  const wallet = walletApi();
  const [json, setJson] = useState(JSON.stringify(EXAMPLE_TYPED_DATA, null, 2));
  const [signed, setSigned] = useState<Result<'crypto.signTypedData'> | undefined>(undefined);
  const { busy, error, run } = useAction();
  const sign = () =>
    run('Waiting for your approval in the trusted window…', async () => {
      if (!accountId) return;
      let typedData: unknown;
      try {
        typedData = JSON.parse(json);
      } catch {
        throw new WalletError('INVALID_REQUEST', 'the typed data is not valid JSON');
      }
      setSigned(await unwrap(wallet.crypto.signTypedData({ id: accountId, typedData } as never)));
    });
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void sign(); }}>
      <label>Typed data (JSON, as eth_signTypedData_v4 takes it)<textarea rows={14} value={json} onChange={(e) => { setJson(e.target.value); setSigned(undefined); }} spellCheck={false} /></label>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy || !accountId}>Sign typed data</button></div>
      {signed && (
        <div aria-live="polite">
          <h3>Signature</h3>
          <CopyValue value={signed.signature} what="typed data signature" testId="typed-signature" />
          <p className="hint">EIP-712 digest <code className="wrap">{signed.hash}</code></p>
        </div>
      )}
    </form>
  );
}
