// @svkit/core/notify: svnotify's engine. Kept out of @svkit/core's index so nodemailer is
// bundled into svnotify only.
export { buildConfig, readConfigDir, CONFIG_DIR, DEFAULT_BATCH, DEFAULT_SPOOL, DEFAULT_TIMEOUT, type NotifyConfig, type RawSettings } from './config.ts';
export { DEFAULT_ONLY, parseFilter, wanted, type Filter } from './filter.ts';
export { hookRun, senderRun, flushRun, type HookOutcome, type FlushOutcome, type RunDeps } from './run.ts';
export { startDetachedSender } from './detach.ts';
export { announceSender } from './spool.ts';
export type { Delivery } from './deliver.ts';
