// @svkit/core: every format, protocol and engine of svkit. Programs import from here only.
export * from './errno.ts';
export * from './errors.ts';
export * from './tai64n.ts';
export * from './servicedir.ts';
export * from './status.ts';
export * from './control.ts';
export * from './command.ts';
export * from './inspect.ts';
export * from './report.ts';
export * from './fifo.ts';
export * from './supervisor.ts';
export * from './scanner.ts';
export { openLog, type Log, type LogOptions } from './log/engine.ts';
export { parseScript, parseLogScriptFile, type LogScript, type LogAction } from './log/script.ts';
export { matchPattern } from './log/pattern.ts';
export { chunkLength, rotateAfter, expiredArchives, isArchiveName } from './log/rotation.ts';
export { PAUSE_MS } from './log/fault.ts';
