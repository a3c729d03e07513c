// The report svimport prints (pure): per service where it came from, the dir and files it
// becomes, and everything of the source the dir does not do, with the reason.
import type { ServiceFiles } from './files.ts';
import type { ServiceSpec } from './spec.ts';

/** Files of the health issue (7): written now, read by svkit once it lands. */
export const PENDING_FILES = new Set(['restart-never', 'restart-backoff', 'restart-giveup', 'limit-memory']);

export interface PlannedService {
  readonly spec: ServiceSpec;
  readonly files: ServiceFiles;
  readonly target: string;
}

export function renderReport(services: readonly PlannedService[], notes: readonly string[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const { spec, files, target } of services) {
    lines.push(`${dryRun ? 'would create' : 'created'} ${target} from ${spec.origin}`);
    const run = files.get('run')?.content.trimEnd().split('\n').pop() ?? '';
    lines.push(`  command: ${run.replace(/^exec /, '')}`);
    lines.push(`  files: ${[...files.keys()].join(' ')}`);
    if (spec.once) lines.push('  restart: never: runs once per start (svc -u), as the source says');
    if (!spec.autostart) lines.push('  start: not at boot (a down file): svc -u starts it');
    const pending = [...files.keys()].filter((f) => PENDING_FILES.has(f));
    if (pending.length > 0) lines.push(`  pending: ${pending.join(' ')} (read once svkit's restart policy and limits land; ignored until then)`);
    for (const d of spec.dropped) lines.push(`  dropped: ${d.key}: ${d.why}`);
  }
  for (const n of notes) lines.push(`note: ${n}`);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
