// The bridge the renderer gets: one function per allowed method and flow, each sending only its own method; no
// generic send, no channel names, nothing for the methods the renderer may not call.
import { describe, expect, it } from 'vitest';
import { UI_FORBIDDEN, UI_METHODS } from '../../../main/core/uiAllowlist.js';
import type { WalletReply, WalletRequest } from '../../../main/core/wire.js';
import { buildWalletApi } from '../../../main/preload/walletApi.js';

describe('window.wallet', () => {
  const sent: WalletRequest[] = [];
  const api = buildWalletApi(
    async (r) => {
      sent.push(r);
      return { ok: true, result: r.method } as WalletReply;
    },
    () => undefined,
  ) as unknown as Record<string, Record<string, (p?: unknown) => Promise<WalletReply>>>;

  it('has exactly the allowed methods and the flows, by namespace', () => {
    const names = Object.entries(api).flatMap(([ns, fns]) => Object.keys(fns).map((f) => `${ns}.${f}`)).sort();
    const flows = ['keys.createSeed', 'keys.restoreSeed', 'keys.importKey', 'tokens.login', 'session.createWallet', 'session.unlock', 'session.onEvent', 'session.backup', 'session.restoreBackup', 'settings.get', 'settings.update'];
    expect(names).toEqual([...UI_METHODS, ...flows].sort());
    // tokens.login is there as the flow that opens the PIN prompt (it sends flow.tokenLogin, never a PIN).
    for (const m of UI_FORBIDDEN.filter((m) => m !== 'tokens.login')) expect(names).not.toContain(m);
    expect(Object.keys(api).sort()).toEqual(['audit', 'crypto', 'keys', 'kms', 'session', 'settings', 'tokens']);
  });

  it('each function sends its own method and nothing else', async () => {
    for (const m of UI_METHODS) {
      const [ns, fn] = m.split('.') as [string, string];
      sent.length = 0;
      expect(await api[ns]![fn]!({ a: 1 })).toEqual({ ok: true, result: m });
      expect(sent).toEqual([{ method: m, params: { a: 1 } }]);
    }
    sent.length = 0;
    await api.keys!.createSeed!({ words: 12 });
    await api.session!.unlock!();
    await api.tokens!.login!({ token: 't', pin: '1234' });
    await api.keys!.restoreSeed!({ label: 'r' });
    await api.keys!.importKey!({});
    await api.settings!.get!();
    await api.settings!.update!({ autoLockMinutes: 1 });
    await api.session!.createWallet!({ sealers: ['tpm'] });
    await api.session!.backup!();
    await api.session!.restoreBackup!({ sealers: ['passphrase'] });
    expect(sent).toEqual([
      { method: 'flow.createSeed', params: { words: 12 } },
      { method: 'flow.unlock' },
      { method: 'flow.tokenLogin', params: { token: 't', pin: '1234' } }, // main refuses the extra member (tested in flows)
      { method: 'flow.restoreSeed', params: { label: 'r' } },
      { method: 'flow.importKey', params: {} },
      { method: 'flow.getSettings' },
      { method: 'flow.updateSettings', params: { autoLockMinutes: 1 } },
      { method: 'flow.createWallet', params: { sealers: ['tpm'] } },
      { method: 'flow.backup' },
      { method: 'flow.restoreBackup', params: { sealers: ['passphrase'] } },
    ]);
  });

  it('a broken channel becomes a typed INTERNAL error, never an exception', async () => {
    const broken = buildWalletApi(async () => {
      throw new Error('gone');
    }, () => undefined) as unknown as Record<string, Record<string, () => Promise<WalletReply>>>;
    expect(await broken.kms!.status!()).toEqual({ ok: false, error: { kind: 'INTERNAL', message: 'the wallet bridge failed' } });
    const garbage = buildWalletApi(async () => 'x' as unknown as WalletReply, () => undefined) as unknown as Record<string, Record<string, () => Promise<WalletReply>>>;
    expect((await garbage.kms!.status!()).ok).toBe(false);
  });
});
