// What tokens.list reports for one token: identity, flags (PIN counters included) and mechanisms, plus the
// KMS's own PIN counter for tokens that do not count. Slot ids are CK_SLOT_ID numbers read from pkcs11js handles.
import type pkcs11js from 'pkcs11js';
import { mechanismName, TOKEN_FLAGS } from './pkcs11Constants.js';
import type { LoadedModule } from './moduleRegistry.js';

export interface TokenPinState {
  loggedIn: boolean;
  countLow: boolean;
  finalTry: boolean;
  locked: boolean;
  toBeChanged: boolean;
  /** Known only at the edges: 1 on a final try, 0 when locked. */
  attemptsLeft?: number;
  /** Tokens the KMS counts for (SoftHSM2): wrong PINs so far and the wait before the next try. */
  kmsFailures?: number;
  retryAfterMs?: number;
}

export interface TokenDescription {
  module: string;
  profile: string;
  slot: number;
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
  flags: string[];
  pin: TokenPinState;
  mechanisms: string[];
}

export function slotNumber(slot: Buffer): number {
  return slot.length >= 8 ? Number(slot.readBigUInt64LE(0)) : slot.readUInt32LE(0);
}

export function flagNames(flags: number): string[] {
  return Object.entries(TOKEN_FLAGS)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

export function pinStateOf(flags: number, loggedIn: boolean): TokenPinState {
  const finalTry = (flags & TOKEN_FLAGS.userPinFinalTry) !== 0;
  const locked = (flags & TOKEN_FLAGS.userPinLocked) !== 0;
  const state: TokenPinState = {
    loggedIn,
    countLow: (flags & TOKEN_FLAGS.userPinCountLow) !== 0,
    finalTry,
    locked,
    toBeChanged: (flags & TOKEN_FLAGS.userPinToBeChanged) !== 0,
  };
  if (locked) state.attemptsLeft = 0;
  else if (finalTry) state.attemptsLeft = 1;
  return state;
}

export function describeToken(
  mod: LoadedModule,
  slot: Buffer,
  info: pkcs11js.TokenInfo,
  loggedIn: boolean,
): TokenDescription {
  let mechanisms: string[] = [];
  try {
    mechanisms = mod.lib ? mod.lib.C_GetMechanismList(slot).map(mechanismName) : [];
  } catch {
    // Some card modules cannot list mechanisms without a card session; the listing stays useful without them.
  }
  return {
    module: mod.path,
    profile: mod.profile.id,
    slot: slotNumber(slot),
    label: info.label.trim(),
    serial: info.serialNumber.trim(),
    manufacturer: info.manufacturerID.trim(),
    model: info.model.trim(),
    flags: flagNames(info.flags),
    pin: pinStateOf(info.flags, loggedIn),
    mechanisms,
  };
}

export interface ModuleStatus {
  path: string;
  profile: string;
  loaded: boolean;
  manufacturer?: string;
  description?: string;
  version?: string;
  error?: string;
}

export interface TokenList {
  modules: ModuleStatus[];
  tokens: TokenDescription[];
}

export function moduleStatus(m: LoadedModule): ModuleStatus {
  const s: ModuleStatus = { path: m.path, profile: m.profile.id, loaded: m.loaded };
  if (m.manufacturer) s.manufacturer = m.manufacturer;
  if (m.description) s.description = m.description;
  if (m.version) s.version = m.version;
  if (m.error) s.error = m.error;
  return s;
}
