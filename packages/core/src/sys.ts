// The native addon (packages/core/native/sys.c) for the system calls Node 20 lacks.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Sys {
  flock(fd: number, op: number): void;
  mkfifo(path: string, mode: number): void;
  pipe(): [number, number];
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let loaded: Sys | undefined;

/** Finds build/svkit_sys.node above this file: the source tree and the bundles sit at different depths. */
function addonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', 'svkit_sys.node');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('native addon build/svkit_sys.node not found: run make');
    dir = up;
  }
}

/** The addon, loaded on first use so that programs which need no syscall never pay for it. */
export function sys(): Sys {
  loaded ??= createRequire(import.meta.url)(addonPath()) as Sys;
  return loaded;
}
