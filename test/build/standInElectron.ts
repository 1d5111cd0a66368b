// A folder shaped like an unpacked Electron for Linux, for electron-builder's `electronDist`: an executable named
// `electron` that carries the fuse wire after its sentinel, LICENSE files and resources/. It runs nothing useful
// (no Electron binary can be had here); it lets electron-builder pack the app and flip the fuses offline.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** @electron/fuses' sentinel; the wire after it is: version byte (1), length byte, one state byte per fuse. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
export const FUSE_WIRE_VERSION = 1;
/** Fuse order of wire version 1 (@electron/fuses FuseV1Options). */
export const FUSE_NAMES = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
] as const;
export const FUSE_ON = 0x31; // '1'
export const FUSE_OFF = 0x30; // '0'

/** Electron's defaults: what an unfused build allows (RunAsNode, NODE_OPTIONS, inspect, file:// privileges on). */
const DEFAULTS = [FUSE_ON, FUSE_OFF, FUSE_ON, FUSE_ON, FUSE_OFF, FUSE_OFF, FUSE_OFF, FUSE_ON];

export function makeStandInElectron(dir: string): string {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const exe = join(dir, 'electron');
  writeFileSync(
    exe,
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in Electron: packaging check only" >&2\nexit 1\n'),
      Buffer.from(FUSE_SENTINEL, 'ascii'),
      Buffer.from([FUSE_WIRE_VERSION, DEFAULTS.length, ...DEFAULTS]),
      Buffer.from('\n'),
    ]),
  );
  chmodSync(exe, 0o755);
  writeFileSync(join(dir, 'LICENSE'), 'Stand-in for Electron\'s LICENSE (MIT).\n');
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n');
  writeFileSync(join(dir, 'version'), '42.0.0');
  return dir;
}

/** The fuse wire as stored after the sentinel (read independently of @electron/fuses). */
export function readFuseWire(binary: Buffer): Record<string, number> {
  const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  if (at < FUSE_SENTINEL.length) throw new Error('no fuse sentinel');
  if (binary[at] !== FUSE_WIRE_VERSION) throw new Error(`fuse wire version ${binary[at]}`);
  const length = binary[at + 1]!;
  return Object.fromEntries(FUSE_NAMES.slice(0, length).map((name, i) => [name, binary[at + 2 + i]!]));
}
