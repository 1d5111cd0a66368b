// tokens.* : the PKCS#11 modules and tokens the KMS can reach, and logging in to them (the PIN comes from the
// CLI or main's trusted prompt, never from the renderer).
import type { KmsContext } from '../kmsContext.js';
import type { HandlerTable } from './handler.js';

export function tokensHandlers(ctx: KmsContext): HandlerTable {
  return {
    'tokens.list': async () => (await ctx.pkcs11.get()).tokens.list(),
    'tokens.login': async (p) => (await ctx.pkcs11.get()).tokens.login(p.token, p.pin, { confirmFinalTry: p.confirmFinalTry ?? false }),
    'tokens.logout': async (p) => (await ctx.pkcs11.get()).tokens.logout(p.token),
  };
}
