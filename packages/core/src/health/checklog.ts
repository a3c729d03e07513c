// health/check's output goes into the service's log ("its output is logged"), as lines
// prefixed `health/check: `, written into the log FIFO that svscan gives run as stdout
// (S/supervise/log.fifo, read by log/run or the in-process log). Bounded: at most
// CHECK_OUTPUT_CAP bytes of a round are kept (checks.ts) and what was cut is said on one more
// line; never blocking: the FIFO is written through a non-blocking descriptor of its own, and
// a full pipe drops the lines (counted) instead of waiting for the logger.
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { writeFifoNow } from '../os/fifo.ts';

export const CHECK_LOG_PREFIX = 'health/check: ';
/** Linux's PIPE_BUF: a write up to this size enters a pipe whole or not at all. */
const PIPE_BUF = 4096;

/** OUTPUT as prefixed lines, packed into chunks of whole lines of at most PIPE_BUF bytes. */
export function checkLogChunks(output: Buffer, dropped: number): Buffer[] {
  const prefix = Buffer.from(CHECK_LOG_PREFIX);
  const room = PIPE_BUF - prefix.length - 1;
  const lines: Buffer[] = [];
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf(0x0a, start);
    if (end < 0) end = output.length;
    // A line longer than a chunk is cut into several lines.
    for (let at = start; at < end || at === start; at += room) {
      lines.push(Buffer.concat([prefix, output.subarray(at, Math.min(end, at + room)), Buffer.from('\n')]));
      if (at + room >= end) break;
    }
    start = end + 1;
  }
  if (dropped > 0) lines.push(Buffer.from(`${CHECK_LOG_PREFIX}(${dropped} more bytes of output not logged)\n`));
  const chunks: Buffer[] = [];
  let group: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length > PIPE_BUF) {
      chunks.push(Buffer.concat(group));
      group = [];
      size = 0;
    }
    group.push(line);
    size += line.length;
  }
  if (group.length > 0) chunks.push(Buffer.concat(group));
  return chunks;
}

/**
 * Writes a check's output into the log FIFO of service dir CWD (LABEL in messages). What cannot
 * be written is one warning through WARN (with the error, if any): one text whatever the count,
 * so a rate-limited warner says it at most once a minute.
 */
export function logCheckOutput(cwd: string, label: string, output: Buffer, dropped: number, warn: (err: unknown, m: string) => void): void {
  const chunks = checkLogChunks(output, dropped);
  if (chunks.length === 0) return;
  try {
    if (writeFifoNow(join(cwd, SERVICE.logPipe), chunks) > 0) warn(undefined, `unable to write ${label}/${SERVICE.logPipe}: log pipe full, health/check output dropped`);
  } catch (err) {
    warn(err, `unable to write ${label}/${SERVICE.logPipe}: ${errnoText(err)}, health/check output dropped`);
  }
}
