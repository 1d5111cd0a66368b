// A throw-away SoftHSM2 for one test run: its own SOFTHSM2_CONF and token folder, tokens made with softhsm2-util.
// SoftHSM reads SOFTHSM2_CONF at C_Initialize, so this sets process.env before the code under test loads it.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SOFTHSM_MODULE_PATHS = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'];

export interface SoftHsmToken {
  label: string;
  serial: string;
  pin: string;
  soPin: string;
}

export interface SoftHsm {
  modulePath: string;
  confPath: string;
  tokenDir: string;
  tokens: SoftHsmToken[];
  /** Environment for a child process that should see this SoftHSM. */
  env: Record<string, string>;
  initToken(label: string): Promise<SoftHsmToken>;
  /** Take a token's folder away (as if unplugged); returns a function that puts it back. */
  unplug(serial: string): Promise<() => Promise<void>>;
  cleanup(): Promise<void>;
}

function digits(n: number): string {
  return Array.from({ length: n }, () => randomInt(10)).join('');
}

export async function startSoftHsm(labels: string[], opts: { setProcessEnv?: boolean } = {}): Promise<SoftHsm> {
  const modulePath = SOFTHSM_MODULE_PATHS.find((p) => existsSync(p));
  if (!modulePath) throw new Error(`SoftHSM2 module not found (${SOFTHSM_MODULE_PATHS.join(', ')}): install the Debian package softhsm2`);
  try {
    await run('softhsm2-util', ['--version']);
  } catch (e) {
    throw new Error('softhsm2-util is missing: install the Debian package softhsm2', { cause: e });
  }
  const root = await mkdtemp(path.join(tmpdir(), 'owkms-softhsm-'));
  const tokenDir = path.join(root, 'tokens');
  const confPath = path.join(root, 'softhsm2.conf');
  await run('mkdir', ['-p', tokenDir]);
  await writeFile(confPath, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: confPath };
  if (opts.setProcessEnv !== false) process.env.SOFTHSM2_CONF = confPath;

  const tokens: SoftHsmToken[] = [];
  const initToken = async (label: string): Promise<SoftHsmToken> => {
    const pin = digits(8);
    const soPin = digits(10);
    const childEnv = { ...process.env, ...env };
    await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin], { env: childEnv });
    const { stdout } = await run('softhsm2-util', ['--show-slots'], { env: childEnv });
    const serial = serialOf(stdout, label);
    const token = { label, serial, pin, soPin };
    tokens.push(token);
    return token;
  };
  for (const label of labels) await initToken(label);

  const folderOf = async (serial: string): Promise<string> => {
    const names = await readdir(tokenDir);
    const name = names.find((n) => n.replace(/-/g, '').endsWith(serial));
    if (!name) throw new Error(`no SoftHSM token folder for serial ${serial}`);
    return path.join(tokenDir, name);
  };

  return {
    modulePath,
    confPath,
    tokenDir,
    tokens,
    env,
    initToken,
    async unplug(serial) {
      const folder = await folderOf(serial);
      const away = path.join(root, `unplugged-${serial}`);
      await rename(folder, away);
      return () => rename(away, folder);
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The serial of the token labelled `label` in `softhsm2-util --show-slots` output. */
function serialOf(showSlots: string, label: string): string {
  for (const block of showSlots.split(/\nSlot /)) {
    const l = /Label:\s+(.*)/.exec(block)?.[1]?.trim();
    const s = /Serial number:\s+(\S+)/.exec(block)?.[1];
    if (l === label && s) return s;
  }
  throw new Error(`softhsm2-util did not list a token labelled ${label}`);
}
