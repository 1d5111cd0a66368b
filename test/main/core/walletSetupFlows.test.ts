// The flows issue 12 added to main, against a real KMS with scripted prompts: the sealer choice of onboarding, a
// recovery phrase restored from words typed in the restore prompt (BIP39's "abandon ... about" gives the address
// every wallet derives), a key imported from a pasted JWK or PEM, settings that protect less only after the user
// approved, and an Ethereum transaction whose approval view is checked against ethers' parse of what was signed.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction as EthersTransaction, formatEther, formatUnits } from 'ethers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWalletChoice } from '../../../main/core/trustedFlows.js';
import { startCore, TOP, type CoreFixture } from './brokerFixture.js';
import { cancel, submit } from './scriptedPrompts.js';

const PASS = 'setup flows passphrase';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('onboarding, restore, import, settings and Ethereum approval flows', () => {
  let f: CoreFixture;
  let settingsDir: string;
  const call = (method: string, params?: unknown) => f.core.broker.handle(TOP, { method, params });
  const ok = async <T>(method: string, params?: unknown): Promise<T> => {
    const r = await call(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.kind} ${r.error.message}`);
    return r.result as T;
  };

  beforeEach(async () => {
    settingsDir = mkdtempSync(join(tmpdir(), 'owkms-settings-'));
    f = await startCore({ settingsFile: join(settingsDir, 'desktop-settings.json') });
  });
  afterEach(async () => {
    await f.close();
    rmSync(settingsDir, { recursive: true, force: true });
  });

  it('the sealer choice is checked in main; a passphrase wallet with the any policy is created', async () => {
    for (const bad of [{ sealers: [] }, { sealers: ['passphrase', 'passphrase'] }, { sealers: ['pkcs11'] }, { sealers: ['tpm'], token: 'x' }, { sealers: ['floppy'] }, { sealers: ['tpm'], unlockPolicy: 'some' }, { sealers: ['tpm'], extra: 1 }]) {
      expect(() => parseWalletChoice(bad), JSON.stringify(bad)).toThrow(/flow.createWallet takes/);
    }
    expect(parseWalletChoice({})).toEqual({ sealers: ['passphrase'], unlockPolicy: 'any' });
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    expect(await ok('flow.createWallet', { sealers: ['passphrase'], unlockPolicy: 'any' })).toEqual({ state: 'unlocked' });
    expect(f.prompts.shown[0]!.view).toMatchObject({ sealers: ['passphrase'] });
  });

  it('restore: a wrong word count and a bad checksum are refused in the prompt; the right words give the standard address', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await ok('flow.createWallet');
    const turns = [submit({ mnemonic: 'abandon abandon' }), submit({ mnemonic: ABANDON.replace(/about$/, 'abandon') }), submit({ mnemonic: `  ${ABANDON.toUpperCase().replace(/ /g, '\n ')} ` })];
    f.prompts.script('restore', (_v, turn) => turns[turn]!);
    const r = await ok<{ restored: boolean; key: { id: string; algorithm: string; exportable: boolean } }>('flow.restoreSeed', { label: 'Restored' });
    expect(r.restored).toBe(true);
    expect(r.key.algorithm).toBe('hd-seed');
    expect(f.prompts.shown.filter((s) => s.kind === 'restore').map((s) => s.view.error)).toEqual([
      undefined,
      'A recovery phrase has 12, 15, 18, 21 or 24 words; this has 2.',
      'These words are not a valid recovery phrase: a word is misspelled, missing or out of order.',
    ]);
    const child = await ok<{ extra: { ethereumAddress: string } }>('keys.derive', { id: r.key.id, path: "m/44'/60'/0'/0/0" });
    expect(child.extra.ethereumAddress).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    f.prompts.script('restore', () => cancel);
    expect(await ok('flow.restoreSeed', {})).toEqual({ restored: false });
  });

  it('import: a pasted private JWK and a PKCS#8 PEM become keys; junk is refused in the prompt; the renderer gets public KeyInfo', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await ok('flow.createWallet');
    const ed = generateKeyPairSync('ed25519');
    const jwk = JSON.stringify(ed.privateKey.export({ format: 'jwk' }));
    const turns = [submit({ format: 'jwk', algorithm: '', data: '{not json' }), submit({ format: 'jwk', algorithm: '', data: jwk })];
    f.prompts.script('import', (_v, turn) => turns[turn]!);
    const r = await ok<{ imported: boolean; key: { algorithm: string; label: string; publicKey: { jwk: Record<string, string> } } }>('flow.importKey', { label: 'Pasted' });
    expect(r).toMatchObject({ imported: true, key: { algorithm: 'ed25519', label: 'Pasted' } });
    expect(r.key.publicKey.jwk.x).toBe((ed.publicKey.export({ format: 'jwk' }) as { x: string }).x);
    expect(JSON.stringify(r)).not.toContain('"d"');
    expect(f.prompts.shown.filter((s) => s.kind === 'import')[1]!.view.error).toMatch(/not valid JSON/);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    f.prompts.script('import', () => submit({ format: 'pkcs8', algorithm: '', data: p256.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }));
    expect(await ok('flow.importKey', { requiresApproval: true })).toMatchObject({ imported: true, key: { algorithm: 'p256', requiresApproval: true } });
  });

  it('settings: shorter protection needs nothing; longer needs the approval prompt; denied changes nothing', async () => {
    const file = join(settingsDir, 'desktop-settings.json');
    expect(await ok('flow.getSettings')).toMatchObject({ autoLockMinutes: 5, keyCacheSeconds: 60 });
    expect(await ok('flow.updateSettings', { autoLockMinutes: 1, keyCacheSeconds: 0 })).toMatchObject({ autoLockMinutes: 1, keyCacheSeconds: 0 });
    expect(f.prompts.opened).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ autoLockMinutes: 1, keyCacheSeconds: 0 });
    f.prompts.script('approval', () => cancel);
    const denied = await call('flow.updateSettings', { autoLockMinutes: 0 });
    expect(denied.ok ? 'ok' : denied.error.kind).toBe('APPROVAL_DENIED');
    expect(JSON.parse(readFileSync(file, 'utf8')).autoLockMinutes).toBe(1);
    f.prompts.script('approval', () => submit());
    expect(await ok('flow.updateSettings', { autoLockMinutes: 0 })).toMatchObject({ autoLockMinutes: 0 });
    expect(JSON.stringify(f.prompts.shown.at(-1)!.view)).toContain('never (only when the computer sleeps or the screen locks)');
    const bad = await call('flow.updateSettings', { autoLockMinutes: 7 });
    expect(bad.ok ? 'ok' : bad.error.kind).toBe('INVALID_REQUEST');
  });

  it('an Ethereum transaction from the renderer: the prompt shows its decoded fields, which ethers reads back from what was signed', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await ok('flow.createWallet');
    const key = await ok<{ id: string; extra: { ethereumAddress: string } }>('keys.generate', { algorithm: 'secp256k1', label: 'Hot' });
    const tx = { chainId: '11155111', nonce: '3', to: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94', value: '1234500000000000000', gasLimit: '21000', maxFeePerGas: '25000000000', maxPriorityFeePerGas: '2000000000' };
    f.prompts.script('approval', () => submit());
    const r = await ok<{ signedTransaction: string }>('crypto.signEthTransaction', { id: key.id, tx });
    const view = f.prompts.shown.at(-1)!.view as { action: string; what: { sections: Array<{ rows: Array<{ label: string; value: string }> }> } };
    expect(view.action).toBe('Sign an Ethereum transaction');
    const rows = Object.fromEntries(view.what.sections[0]!.rows.map((row) => [row.label, row.value]));
    const parsed = EthersTransaction.from(r.signedTransaction);
    expect(rows.Network).toBe(`Sepolia testnet (chain id ${parsed.chainId})`);
    expect(rows.From).toBe(parsed.from);
    expect(rows.To).toBe(parsed.to);
    expect(rows.Amount).toBe(`${formatEther(parsed.value)} ETH`);
    expect(rows['Gas limit']).toBe(String(parsed.gasLimit));
    const gwei = (v: bigint) => `${formatUnits(v, 'gwei').replace(/\.0$/, '')} gwei`;
    expect(rows['Max fee per gas']).toBe(gwei(parsed.maxFeePerGas!));
    expect(rows['Max priority fee']).toBe(gwei(parsed.maxPriorityFeePerGas!));
    expect(rows.Nonce).toBe(String(parsed.nonce));
    expect(rows.Data).toBe('none (a plain transfer)');
    f.prompts.script('approval', () => cancel);
    const denied = await call('crypto.signEthTransaction', { id: key.id, tx });
    expect(denied.ok ? 'ok' : denied.error.kind).toBe('APPROVAL_DENIED');
  });
});
