// Keys, signing, Ethereum and encryption through the real renderer, preloads, broker and KMS (one browser, one KMS):
// generate by use (RSA-4096 with progress), a key's detail checked against node:crypto (JWK, SHA-256 fingerprint,
// RFC 7638 thumbprint), import in its trusted prompt, rotate, delete with confirmation and approval; EIP-191 checked
// by ethers, JWS by node:crypto, verify with a pasted public key; an EIP-1559 transaction and EIP-712 typed data
// whose approval prompt's decoded fields ethers reads back from what was signed; text and file encryption; key
// agreement. A screenshot per screen and prompt, axe on each.
import { createHash, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transaction as EthersTransaction, formatEther, verifyMessage, verifyTypedData } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './a11y.js';
import { pageCall, startHarness, type Harness } from './harness.js';
import { AccountsPage } from './pages/accountsPage.js';
import { EncryptPage } from './pages/encryptPage.js';
import { EthereumPage } from './pages/ethereumPage.js';
import { KeysPage } from './pages/keysPage.js';
import { approvalFields, approve, fillImport, nextPrompt, promptError, waitClosed } from './pages/promptPages.js';
import { SignPage } from './pages/signPage.js';
import { expectStatus, WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'quartz-meadow-7731';

interface Key { id: string; label: string; algorithm: string; publicKey?: { jwk?: Record<string, string>; raw: string }; extra?: Record<string, string> }

describe('keys, signing, Ethereum and encryption in Chromium', () => {
  let h: Harness;
  let w: WalletPage;
  const keys = async () => ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Key[] }).keys;
  const key = async (label: string) => (await keys()).find((k) => k.label === label)!;
  const dark = async (name: string) => {
    await w.page.emulateMedia({ colorScheme: 'dark' });
    await h.shot(w.page, `${name}-dark`);
    await expectAccessible(w.page, `${name} (dark)`);
    await w.page.emulateMedia({ colorScheme: 'light' });
  };

  beforeAll(async () => {
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
    await w.createPassphraseWallet(h.shell, PASSPHRASE);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('generate keys by use; RSA-4096 shows progress; the detail matches node:crypto', async () => {
    const k = new KeysPage(w.page);
    await w.go('Keys');
    await k.generate('Invoices', 'ed25519');
    await k.waitForKey('Invoices');
    await k.generate('Vault', 'p256', { approval: true });
    await k.waitForKey('Vault');
    await k.generate('Archive', 'rsa-4096');
    await w.page.getByRole('status').filter({ hasText: /several seconds/ }).waitFor();
    await k.waitForKey('Archive');
    await k.generate('Files', 'aes-256');
    await k.waitForKey('Files');
    await h.shot(w.page, 'keys');
    await expectAccessible(w.page, 'keys');
    await dark('keys');
    const detail = await k.open('Invoices');
    const info = await key('Invoices');
    const pub = createPublicKey({ key: info.publicKey!.jwk as never, format: 'jwk' });
    const raw = pub.export({ format: 'jwk' }) as { x: string };
    expect(JSON.parse(await k.detailValue('jwk'))).toEqual({ kty: 'OKP', crv: 'Ed25519', x: raw.x });
    const fp = createHash('sha256').update(Buffer.from(raw.x, 'base64url')).digest('hex');
    expect((await k.detailValue('fingerprint')).replace(/ /g, '')).toBe(fp);
    const thumb = createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${raw.x}"}`).digest('base64url');
    expect(await k.detailValue('thumbprint')).toBe(thumb);
    expect(await k.detailValue('extra-didKey')).toMatch(/^did:key:z6Mk/);
    await detail.getByRole('button', { name: 'Copy public key (base64url)' }).click();
    await detail.getByText('Copied').first().waitFor();
    await h.shot(w.page, 'key-detail');
    await expectAccessible(w.page, 'key detail');
    await dark('key-detail');
  }, 90_000);

  it('rotate a symmetric key; delete a key: a confirmation, then the trusted approval for a key with a secret', async () => {
    const k = new KeysPage(w.page);
    await k.open('Files');
    await k.rotate();
    await expectStatus(w.page, 'Rotated');
    expect((await key('Files')) as unknown as { version: number }).toMatchObject({ version: 2 });
    await k.open('Invoices');
    const dialog = await k.startDelete();
    await h.shot(w.page, 'keys-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await key('Invoices')).toBeDefined();
    await (await k.startDelete()).getByRole('button', { name: 'Delete key' }).click();
    const prompt = await nextPrompt(h.shell, 'approval');
    expect(await prompt.getByRole('heading', { name: 'Delete the key?' }).count()).toBe(1);
    expect(await prompt.getByRole('note').textContent()).toMatch(/destroyed for good/);
    expect(await prompt.getByText('Details').count()).toBe(0); // nothing but the key to show: no empty row
    await h.shot(prompt, 'approval-delete');
    await approve(prompt, 'Deny');
    expect(await w.errorText()).toContain('You declined this in the approval window.');
    await (await k.startDelete()).getByRole('button', { name: 'Delete key' }).click();
    await approve(await nextPrompt(h.shell, 'approval'));
    await expectStatus(w.page, 'Deleted “Invoices”');
    expect(await key('Invoices')).toBeUndefined();
  });

  it('import: the key is pasted in the trusted prompt; a bad paste is refused there', async () => {
    const k = new KeysPage(w.page);
    const ed = generateKeyPairSync('ed25519');
    await k.importKey();
    const prompt = await nextPrompt(h.shell, 'import');
    await h.shot(prompt, 'import-prompt');
    await expectAccessible(prompt, 'import prompt');
    await fillImport(prompt, 'pkcs8', 'not a key');
    expect(await promptError(prompt)).toMatch(/not imported|not PEM/);
    await fillImport(prompt, 'pkcs8', ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    await waitClosed(prompt);
    await expectStatus(w.page, 'Imported “Imported key” (ed25519)');
    expect((await key('Imported key')).publicKey!.jwk!.x).toBe((ed.publicKey.export({ format: 'jwk' }) as { x: string }).x);
    expect(await w.page.content()).not.toContain('PRIVATE KEY');
  });

  it('sign: an EIP-191 message ethers verifies, a JWS node:crypto verifies; a guarded key asks first; verify a pasted key', async () => {
    await w.go('Accounts');
    const a = new AccountsPage(w.page);
    await w.page.getByRole('button', { name: 'Create a recovery phrase' }).click();
    const { confirmMnemonic, readMnemonic } = await import('./pages/promptPages.js');
    const mp = await nextPrompt(h.shell, 'mnemonic');
    const words = await readMnemonic(mp);
    await mp.getByRole('button', { name: 'I wrote them down' }).click();
    await mp.getByRole('button', { name: 'Confirm' }).waitFor();
    await confirmMnemonic(mp, words);
    await waitClosed(mp);
    await a.add('Ethereum');
    const ethAddress = await a.address('Ethereum', 0);

    const s = new SignPage(w.page);
    await w.go('Sign and verify');
    let panel = await s.tab('Message');
    await s.chooseKey(panel, 'Ethereum 1');
    await panel.getByRole('textbox', { name: 'Message' }).fill('Log in to example.org at 12:00');
    await s.sign(panel);
    const sig = (await s.signature(panel).textContent())!;
    expect(verifyMessage('Log in to example.org at 12:00', sig)).toBe(ethAddress);
    await h.shot(w.page, 'sign');
    await expectAccessible(w.page, 'sign');
    await dark('sign');

    panel = await s.tab('JWS');
    await s.chooseKey(panel, 'Vault');
    await panel.getByLabel('Payload (JSON or text)').fill('{"sub":"alice"}');
    await s.sign(panel);
    const approval = await nextPrompt(h.shell, 'approval');
    expect(await approval.getByTestId('approval-message').textContent()).toBe('{"sub":"alice"}');
    await h.shot(approval, 'approval-message');
    await expectAccessible(approval, 'approval prompt (message)');
    await approve(approval);
    const jws = (await s.signature(panel).textContent())!;
    const [hdr, payload, jsig] = jws.split('.');
    const vault = await key('Vault');
    expect(nodeVerify('sha256', Buffer.from(`${hdr}.${payload}`), { key: createPublicKey({ key: vault.publicKey!.jwk as never, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(jsig!, 'base64url'))).toBe(true);

    panel = await s.tab('Verify');
    const outside = generateKeyPairSync('ed25519');
    await panel.getByRole('radio', { name: 'A public key someone gave me' }).check();
    await panel.getByRole('combobox', { name: 'Algorithm' }).selectOption('ed25519');
    await panel.getByRole('textbox', { name: 'Public key' }).fill(outside.publicKey.export({ format: 'pem', type: 'spki' }) as string);
    await panel.getByLabel('Message (text)').fill('from outside');
    await panel.getByLabel('Signature (0x hex or base64url)').fill(nodeSign(null, Buffer.from('from outside'), outside.privateKey).toString('base64url'));
    await panel.getByRole('button', { name: 'Verify' }).click();
    await s.verdict(panel).filter({ hasText: 'Signature valid' }).waitFor();
    await panel.getByLabel('Message (text)').fill('from outside!');
    await panel.getByRole('button', { name: 'Verify' }).click();
    await s.verdict(panel).filter({ hasText: 'NOT valid' }).waitFor();
  }, 90_000);

  it('an EIP-1559 transaction: the prompt decodes exactly what ethers reads back from the signed bytes', async () => {
    const e = new EthereumPage(w.page);
    await w.go('Ethereum');
    await e.fillTransaction({ network: '11155111', to: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94', amount: '0.0421', nonce: '5', maxFee: '32.5', priorityFee: '1.25' });
    await h.shot(w.page, 'ethereum');
    await expectAccessible(w.page, 'ethereum');
    await e.signTransaction();
    const prompt = await nextPrompt(h.shell, 'approval');
    const f = await approvalFields(prompt);
    await h.shot(prompt, 'approval-transaction');
    await expectAccessible(prompt, 'approval prompt (transaction)');
    await prompt.emulateMedia({ colorScheme: 'dark' });
    await h.shot(prompt, 'approval-transaction-dark');
    await approve(prompt);
    await e.signedTransaction().waitFor();
    const tx = EthersTransaction.from((await e.signedTransaction().textContent())!);
    expect(f.Network).toBe(`Sepolia testnet (chain id ${tx.chainId})`);
    expect(f.From).toBe(tx.from);
    expect(f.To).toBe(tx.to);
    expect(f.Amount).toBe(`${formatEther(tx.value)} ETH`);
    expect(f.Nonce).toBe(String(tx.nonce));
    expect(f['Gas limit']).toBe(String(tx.gasLimit));
    expect(f['Max fee per gas']).toBe('32.5 gwei');
    expect(f['Max priority fee']).toBe('1.25 gwei');
    expect(tx.maxFeePerGas).toBe(32_500_000_000n);
    expect(tx.maxPriorityFeePerGas).toBe(1_250_000_000n);
    expect(f['Network fee at most']).toBe(`${formatEther(tx.gasLimit * tx.maxFeePerGas!)} ETH`);
    await h.shot(w.page, 'ethereum-signed');
  });

  it('EIP-712 typed data: the prompt shows the domain and the fields; ethers verifies the signature', async () => {
    const e = new EthereumPage(w.page);
    const panel = await e.typedDataTab();
    const typed = JSON.parse(await panel.getByLabel(/^Typed data/).inputValue()) as { domain: Record<string, unknown>; types: Record<string, Array<{ name: string; type: string }>>; message: Record<string, unknown> };
    await e.signTypedData();
    const prompt = await nextPrompt(h.shell, 'approval');
    const domain = await approvalFields(prompt, 1);
    const message = await approvalFields(prompt, 2);
    await h.shot(prompt, 'approval-typed-data');
    await expectAccessible(prompt, 'approval prompt (typed data)');
    expect(domain).toEqual({ Name: 'Ether Mail', Version: '1', Network: 'Ethereum Mainnet (chain id 1)', 'Verifying contract': '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' });
    expect(message).toEqual({ 'from.name': 'Cow', 'from.wallet': '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', 'to.name': 'Bob', 'to.wallet': '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', contents: 'Hello, Bob!' });
    await approve(prompt);
    const signature = (await e.typedSignature().textContent())!;
    const eth = (await keys()).find((k) => k.label === 'Ethereum 1')!;
    expect(verifyTypedData(typed.domain, typed.types, typed.message, signature)).toBe(eth.extra!.ethereumAddress);
  });

  it('encrypt and decrypt text and a file; key agreement between two keys gives the same key on both sides', async () => {
    const en = new EncryptPage(w.page);
    await w.go('Encrypt');
    let panel = await en.tab('Encrypt');
    await en.chooseKey(panel, 'Files');
    await panel.getByLabel('Text to encrypt').fill('the meeting is at noon');
    await panel.getByRole('button', { name: 'Encrypt', exact: true }).click();
    const envelope = (await en.envelope(panel).textContent())!;
    expect(JSON.parse(envelope)).toMatchObject({ openwallet: 'encrypted', mode: 'gcm', version: 2 });
    await h.shot(w.page, 'encrypt');
    await expectAccessible(w.page, 'encrypt');
    panel = await en.tab('Decrypt');
    await panel.getByLabel(/^Encrypted envelope/).fill(envelope);
    await panel.getByRole('button', { name: 'Decrypt' }).click();
    expect(await en.plaintext(panel).textContent()).toBe('the meeting is at noon');

    const file = join(h.dir, '..', `owkms-e2e-file-${process.pid}.bin`);
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    writeFileSync(file, bytes);
    panel = await en.tab('Encrypt');
    await en.chooseKey(panel, 'Files');
    await panel.getByRole('radio', { name: 'A file (up to 4 MB)' }).check();
    await panel.getByLabel('File', { exact: true }).setInputFiles(file);
    const download = w.page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Encrypt', exact: true }).click();
    await en.envelope(panel).or(panel.getByRole('alert')).first().waitFor();
    expect(await panel.getByRole('alert').count(), (await panel.textContent()) ?? '').toBe(0);
    const saved = await download;
    expect(saved.suggestedFilename()).toMatch(/\.owenc\.json$/);
    const envFile = join(h.dir, '..', `owkms-e2e-file-${process.pid}.owenc.json`);
    await saved.saveAs(envFile);
    panel = await en.tab('Decrypt');
    await panel.getByLabel('Open a file').setInputFiles(envFile);
    const back = w.page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Decrypt' }).click();
    const plainFile = join(h.dir, '..', `owkms-e2e-file-${process.pid}.out`);
    await (await back).saveAs(plainFile);
    expect(readFileSync(plainFile).equals(bytes)).toBe(true);

    await w.go('Keys');
    const k = new KeysPage(w.page);
    await k.generate('Alice', 'x25519');
    await k.waitForKey('Alice');
    await k.generate('Bob', 'x25519');
    await k.waitForKey('Bob');
    await w.go('Encrypt');
    panel = await en.tab('Key agreement');
    await en.chooseKey(panel, 'Alice', 'Your key');
    await en.chooseKey(panel, 'Bob', 'Peer key');
    await panel.getByLabel('Label of the shared key').fill('Alice-Bob');
    await panel.getByRole('button', { name: 'Agree on a key' }).click();
    await panel.getByRole('status').filter({ hasText: 'Made “Alice-Bob”' }).waitFor();
    await en.chooseKey(panel, 'Bob', 'Your key');
    await en.chooseKey(panel, 'Alice', 'Peer key');
    await panel.getByLabel('Label of the shared key').fill('Bob-Alice');
    await panel.getByRole('button', { name: 'Agree on a key' }).click();
    await panel.getByRole('status').filter({ hasText: 'Made “Bob-Alice”' }).waitFor();
    await h.shot(w.page, 'encrypt-agreement');
    // The two derived keys are the same key: what one encrypts, the other decrypts.
    const ab = await key('Alice-Bob');
    const ba = await key('Bob-Alice');
    const enc = (await pageCall(w.page, 'crypto', 'encrypt', { id: ab.id, data: Buffer.from('shared').toString('base64url') })).result as { ciphertext: string; iv: string; tag: string; mode: string };
    const dec = await pageCall(w.page, 'crypto', 'decrypt', { id: ba.id, data: enc.ciphertext, iv: enc.iv, tag: enc.tag, mode: enc.mode });
    expect(Buffer.from((dec.result as { plaintext: string }).plaintext, 'base64url').toString()).toBe('shared');
  }, 90_000);
});
