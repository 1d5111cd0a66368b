// Loads the configured PKCS#11 modules once per KMS process. A module that fails to load is reported with its
// reason and skipped; re-initialising a module (after a token vanished) bumps its generation so pools drop handles.
import pkcs11js from 'pkcs11js';
import { CKR } from './pkcs11Constants.js';
import { ckrOf } from './pkcs11Errors.js';
import { discoverModules, profileFor, type DiscoverOptions, type ModuleEntry, type Pkcs11Profile } from './moduleProfiles.js';

export interface LoadedModule {
  path: string;
  source: ModuleEntry['source'];
  profile: Pkcs11Profile;
  loaded: boolean;
  /** Why loading failed, or why the module lists no slots (e.g. no PC/SC service); no secrets. */
  error?: string | undefined;
  manufacturer?: string | undefined;
  description?: string | undefined;
  version?: string | undefined;
  /** The pkcs11js handle; undefined when loading failed. */
  lib?: pkcs11js.PKCS11 | undefined;
  /** Incremented by every re-initialisation: session and object handles of older generations are dead. */
  generation: number;
}

export class Pkcs11Modules {
  private readonly modules: LoadedModule[] = [];

  private constructor() {}

  /** Load every module of `entries` (default: discovered from env and profiles); never throws for one module. */
  static load(entries?: ModuleEntry[], discover?: DiscoverOptions): Pkcs11Modules {
    const registry = new Pkcs11Modules();
    for (const entry of entries ?? discoverModules(discover)) registry.modules.push(loadOne(entry));
    return registry;
  }

  list(): readonly LoadedModule[] {
    return this.modules;
  }

  /** C_Finalize + C_Initialize: the only way SoftHSM2 (and some card modules) notice a token that came back. */
  reinitialize(mod: LoadedModule): void {
    if (!mod.lib) return;
    try {
      mod.lib.C_Finalize();
    } catch {
      // Already finalised or broken: initialising again below is what matters.
    }
    mod.generation += 1;
    try {
      initialize(mod.lib);
      mod.loaded = true;
      mod.error = undefined;
    } catch (e) {
      mod.loaded = false;
      mod.error = `re-initialisation failed: ${describe(e)}`;
    }
  }

  /** Finalise and unload every module (KMS shutdown, end of a test). */
  close(): void {
    for (const mod of this.modules) {
      if (!mod.lib) continue;
      try {
        mod.lib.C_Finalize();
      } catch {
        // Nothing to do: the process is leaving this module behind either way.
      }
      try {
        mod.lib.close();
      } catch {
        // As above.
      }
      mod.lib = undefined;
      mod.loaded = false;
      mod.generation += 1;
    }
  }
}

function loadOne(entry: ModuleEntry): LoadedModule {
  const mod: LoadedModule = { path: entry.path, source: entry.source, profile: profileFor(entry.path), loaded: false, generation: 0 };
  const lib = new pkcs11js.PKCS11();
  try {
    lib.load(entry.path);
  } catch (e) {
    mod.error = `cannot load module: ${describe(e)}`;
    return mod;
  }
  try {
    initialize(lib);
    const info = lib.C_GetInfo();
    mod.manufacturer = info.manufacturerID.trim();
    mod.description = info.libraryDescription.trim();
    mod.version = `${info.libraryVersion.major}.${info.libraryVersion.minor}`;
    mod.profile = profileFor(entry.path, mod.manufacturer);
    mod.lib = lib;
    mod.loaded = true;
  } catch (e) {
    mod.error = `C_Initialize failed: ${describe(e)}`;
    try {
      lib.close();
    } catch {
      // The module never initialised; unloading is best effort.
    }
  }
  return mod;
}

/** OS locking: the KMS calls modules from libuv worker threads (the *Async functions). */
function initialize(lib: pkcs11js.PKCS11): void {
  try {
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (e) {
    // Another PKCS11 instance of this process initialised the same library: it is shared, and usable.
    if (ckrOf(e) !== CKR.CRYPTOKI_ALREADY_INITIALIZED) throw e;
  }
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] ?? 'error' : String(e);
}
