// Names of the files inside a service directory, defined once (the supervise.h #defines).

export const SERVICE = {
  run: 'run',
  finish: 'finish',
  down: 'down',
  log: 'log',
  env: 'env',
  timeoutKill: 'timeout-kill',
  logScript: 'multilog',
  superviseDir: 'supervise',
  status: 'supervise/status',
  statusNew: 'supervise/status.new',
  stat: 'supervise/stat',
  statNew: 'supervise/stat.new',
  pid: 'supervise/pid',
  pidNew: 'supervise/pid.new',
  control: 'supervise/control',
  ok: 'supervise/ok',
  lock: 'supervise/lock',
  logPipe: 'supervise/log.fifo',
} as const;
