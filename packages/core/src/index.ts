// @svkit/core: every format, protocol and engine of svkit. Programs import from here only.
export * from './formats/errno.ts';
export * from './formats/errors.ts';
export * from './formats/tai64n.ts';
export * from './formats/servicedir.ts';
export * from './formats/status.ts';
export * from './supervise/control.ts';
export * from './formats/command.ts';
export * from './supervise/inspect.ts';
export * from './supervise/report.ts';
export * from './os/fifo.ts';
export * from './supervise/supervisor.ts';
export * from './scan/scanner.ts';
export { openLog, type Log, type LogOptions } from './log/engine.ts';
export { parseScript, parseLogScriptFile, type LogScript, type LogAction } from './log/script.ts';
export { matchPattern } from './log/pattern.ts';
export { chunkLength, rotateAfter, expiredArchives, isArchiveName } from './log/rotation.ts';
export { PAUSE_MS } from './log/fault.ts';
export { requireAddon } from './os/sys.ts';
