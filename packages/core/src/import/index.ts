// svimport's library: sources read and converted, the plan rendered, the dirs written.
export { detectKind, readSource, type ReadResult, type SourceKind } from './read.ts';
export { serviceFiles } from './files.ts';
export { renderReport, type PlannedService } from './report.ts';
export { checkTargets, writeServices } from './write.ts';
export type { ServiceSpec } from './spec.ts';
