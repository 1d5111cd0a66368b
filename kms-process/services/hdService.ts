// keys.derive: a child key of an hd-seed (BIP32 secp256k1, SLIP-10 ed25519), stored with its parent and path.
// keys.rotate / keys.retireVersions: new versions of symmetric keys; older versions decrypt until retired.
import { KmsError } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import { inheritGuards } from '../policy/inheritance.js';
import { authorizeKeyAdmin, authorizeKeyUse, newKeyPolicy } from '../policy/keyPolicy.js';
import type { HandlerTable } from './handler.js';
import { keyInfo } from './keyInfo.js';
import { newKeyId } from './keysService.js';
import { keyRef } from './cryptoService.js';

export function hdHandlers(ctx: KmsContext): HandlerTable {
  return {
    'keys.derive': async (p, call) => {
      const parent = ctx.keystore.keys.get(p.id);
      authorizeKeyUse(parent, 'derive', call.caller);
      if (parent.provider !== 'software') throw new KmsError('UNSUPPORTED', 'only software hd-seed keys derive');
      const { spec, handle } = ctx.software.privateHandle(keyRef(parent), 'derive');
      const child = spec.derive!(handle, p.path, p.child);
      const childSpec = ctx.registry.get(child.algorithm);
      // A child inherits its seed's guards (approval, callers, non-exportability, no raw agreement) and can only
      // be narrower; it is exportable when the seed is, unless the request says otherwise.
      const policy = inheritGuards(parent.policy, newKeyPolicy(childSpec.operations, { ...p, exportable: p.exportable ?? true }));
      const id = newKeyId();
      const rec = {
        id,
        label: p.label ?? '',
        algorithm: child.algorithm,
        provider: 'software',
        policy,
        publicRaw: child.material.publicRaw,
        derivation: { parentId: parent.id, path: child.path },
        createdAt: Date.now(),
      };
      try {
        ctx.write(() => ctx.keystore.keys.insert(rec, child.material.secret), { caller: call.caller, method: call.method, keyId: id, outcome: 'ok' });
      } finally {
        child.material.secret?.fill(0);
      }
      call.audited = true;
      call.keyId = id;
      return keyInfo(ctx.registry, { ...rec, version: 1, hasSecret: true });
    },

    'keys.rotate': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.id);
      authorizeKeyAdmin(rec, call.caller);
      const spec = ctx.registry.get(rec.algorithm);
      if (spec.type !== 'symmetric' || rec.provider !== 'software' || !rec.hasSecret) {
        throw new KmsError('UNSUPPORTED', 'only symmetric software keys rotate (an asymmetric key is replaced by a new key)');
      }
      const material = spec.generate();
      let updated;
      try {
        updated = ctx.write(() => ctx.keystore.keys.rotate(p.id, material.secret!), { caller: call.caller, method: call.method, keyId: p.id, outcome: 'ok' }, { erases: true });
      } finally {
        material.secret?.fill(0);
      }
      call.audited = true;
      ctx.software.forget(p.id);
      return keyInfo(ctx.registry, updated);
    },

    'keys.retireVersions': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.id);
      authorizeKeyAdmin(rec, call.caller);
      if (p.below > rec.version) throw new KmsError('INVALID_REQUEST', 'the current version cannot be retired');
      const before = ctx.keystore.keys.versions.versions(p.id);
      const retired = ctx.write(() => ctx.keystore.keys.versions.retireBelow(p.id, p.below), { caller: call.caller, method: call.method, keyId: p.id, outcome: 'ok' }, { erases: true });
      call.audited = true;
      ctx.software.forget(p.id, before.filter((v) => v < p.below));
      return { id: p.id, retired, versions: [...ctx.keystore.keys.versions.versions(p.id), rec.version] };
    },
  };
}
