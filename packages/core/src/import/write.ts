// Writes planned service dirs all or nothing: staged in DIR/.svimport-*, each renamed into
// place only when no target exists; a failure part-way renames back what was placed.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unable } from '../formats/errors.ts';
import type { PlannedService } from './report.ts';
import { importError } from './spec.ts';

/** Throws before writing anything if a target exists (svimport never overwrites a service dir). */
export function checkTargets(services: readonly PlannedService[]): void {
  const seen = new Set<string>();
  for (const s of services) {
    if (seen.has(s.target)) throw importError(s.spec.origin, `two services would be named ${s.target}`);
    seen.add(s.target);
    if (existsSync(s.target)) throw importError(s.spec.origin, `${s.target} exists: svimport never overwrites a service dir`);
  }
}

export function writeServices(into: string, services: readonly PlannedService[]): void {
  checkTargets(services);
  let stage: string;
  try {
    stage = mkdtempSync(join(into, '.svimport-'));
  } catch (err) {
    throw unable(`create a staging dir in ${into}`, err);
  }
  const placed: [string, string][] = [];
  try {
    for (const [i, s] of services.entries()) {
      const dir = join(stage, String(i));
      for (const [rel, f] of s.files) {
        const path = join(dir, rel);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
        chmodSync(path, f.mode);
      }
    }
    for (const [i, s] of services.entries()) {
      if (existsSync(s.target)) throw importError(s.spec.origin, `${s.target} exists: svimport never overwrites a service dir`);
      renameSync(join(stage, String(i)), s.target);
      placed.push([s.target, join(stage, String(i))]);
    }
  } catch (err) {
    for (const [target, back] of placed.reverse()) renameSync(target, back);
    throw (err as { kind?: string }).kind ? err : unable(`write the service dirs in ${into}`, err);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
