// Typed loader for the peer-credentials addon (src/peercred.cc). Where it is not built, callers get the reason and
// must refuse connections (the agent never accepts a peer it cannot identify).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

interface Binding {
  peerCredentials(fd: number): PeerCredentials;
}

let loaded: Binding | string | undefined;

function binding(): Binding | string {
  if (loaded !== undefined) return loaded;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const file = join(dir, 'native', 'peercred', 'build', 'Release', 'peercred.node');
      if (!existsSync(file)) return (loaded = `peer-credentials addon not built (${file}); run node native/install.mjs`);
      return (loaded = createRequire(import.meta.url)(file) as Binding);
    }
    if (dirname(dir) === dir) return (loaded = 'package root not found');
  }
}

/** Why peer credentials cannot be read here, or undefined when they can. */
export function peerCredentialsUnavailable(): string | undefined {
  const b = binding();
  return typeof b === 'string' ? b : undefined;
}

/** The credentials of the peer of connected UNIX socket `fd`; throws when unavailable or when the kernel refuses. */
export function peerCredentials(fd: number): PeerCredentials {
  const b = binding();
  if (typeof b === 'string') throw new Error(b);
  return b.peerCredentials(fd);
}
