// svimport's pure side: the INI parser, the three converters and the files a spec becomes,
// on the real-world files of test/fixtures/import/ and on the bad input each must reject.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseIni } from '../../packages/core/src/import/ini.ts';
import { convertSupervisord, parseEnvironment } from '../../packages/core/src/import/supervisord.ts';
import { convertPm2 } from '../../packages/core/src/import/pm2.ts';
import { convertUnit } from '../../packages/core/src/import/systemd.ts';
import { serviceFiles } from '../../packages/core/src/import/files.ts';
import { ROOT } from '../helpers/tools.ts';

const FIX = join(ROOT, 'test/fixtures/import');
const fixture = (f: string): string => readFileSync(join(FIX, f), 'utf8');
const sup = (text: string, file = 'x.conf') => convertSupervisord(parseIni(text, file, { supervisord: true }).map((s) => ({ ...s, file, here: '/etc' })));
const unit = (text: string, name: string) => convertUnit(parseIni(text, name, { supervisord: false }), { file: name, unit: name, homeOf: (u) => (u === 'root' ? '/root' : undefined) });

test('INI: continuation lines, inline comments, and syntax errors named by file and line', () => {
  const [s] = parseIni('[program:a]\ncommand = /bin/a ; comment\nenvironment=A=1,\n  B=2\n', 'f.conf', { supervisord: true });
  assert.deepEqual(s?.entries.map((e) => [e.key, e.value, e.line]), [['command', '/bin/a', 2], ['environment', 'A=1,\nB=2', 3]]);
  assert.throws(() => parseIni('[program:a]\ncommand=/bin/a\nthis is not ini\n', 'f.conf', { supervisord: true }), /unable to import f\.conf:3: syntax error: expected \[section\] or key = value, got "this is not ini"$/);
  assert.throws(() => parseIni('command=x\n', 'f.conf', { supervisord: true }), /f\.conf:1: syntax error: command before the first \[section\]/);
  assert.throws(() => parseIni('[program:a]\ncommand=x\ncommand=y\n', 'f.conf', { supervisord: true }), /f\.conf:3: duplicate key command in \[program:a\]/);
  const [u] = parseIni('[Service]\nExecStart=/bin/a \\\n  --flag\n', 'u.service', { supervisord: false });
  assert.equal(u?.entries[0]?.value, '/bin/a    --flag');
});

test('supervisord: the laravel/sail file becomes five services with every dropped key reported', () => {
  const r = sup(fixture('laravel-sail-supervisord.conf'), 'sail.conf');
  assert.deepEqual(r.services.map((s) => s.name), ['php-fpm', 'nginx', 'laravel-scheduler', 'queue-worker', 'logrotate']);
  const [fpm, nginx, , worker] = r.services;
  assert.deepEqual(fpm?.words, ['/usr/local/sbin/php-fpm', '-F']);
  assert.deepEqual([fpm?.user, fpm?.env, fpm?.once, fpm?.stderrToLog], ['sail', { LARAVEL_SAIL: '1' }, false, true]);
  assert.deepEqual(nginx?.words, ['/usr/sbin/nginx', '-g', `'daemon off;'`]);
  assert.equal(worker?.autostart, false);
  assert.equal(worker?.cwd, '/var/www');
  assert.deepEqual(fpm?.dropped.map((d) => d.key), ['startsecs=1, startretries=3', 'stdout_logfile=/var/log/php/supervisor.out.log', 'stderr_logfile=/var/log/php/supervisor.err.log']);
  assert.deepEqual(r.notes, ['sail.conf:1: [supervisord] configures supervisord itself: not imported', 'sail.conf:7: [unix_http_server] configures supervisord itself: not imported', 'sail.conf:12: [supervisorctl] configures supervisord itself: not imported']);
  const files = serviceFiles(fpm!);
  assert.deepEqual([...files.keys()], ['run', 'env/LARAVEL_SAIL', 'restart-giveup', 'log/multilog']);
  assert.equal(files.get('run')?.content, '#!/bin/sh\n# Imported by svimport from sail.conf:15 [program:php-fpm].\nexec 2>&1\nexec setpriv --reuid=sail --regid="$(id -g sail)" --init-groups -- /usr/local/sbin/php-fpm -F\n');
  assert.equal(files.get('log/multilog')?.content.split('\n').slice(1).join(' '), 't s16777215 n11 ./main ');
});

test('supervisord: numprocs, expansions, autorestart, stop settings; bad keys and values rejected', () => {
  const r = sup('[program:w]\ncommand=/bin/w %(process_num)d %(ENV_HOME)s\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=2\nautorestart=unexpected\nexitcodes=0,2\nstopwaitsecs=3\nstopsignal=INT\nstdout_logfile=NONE\n');
  assert.deepEqual(r.services.map((s) => [s.name, s.words.join(' '), s.policy['restart-never'], s.timeoutKillMs, s.discardOutput]), [
    ['w_00', '/bin/w 0 "${HOME}"', '0 2', 3000, true],
    ['w_01', '/bin/w 1 "${HOME}"', '0 2', 3000, true],
  ]);
  assert.ok(r.services[0]?.dropped.some((d) => d.key === 'stopsignal=INT'));
  assert.equal(sup('[program:o]\ncommand=/bin/o\nautorestart=false\n').services[0]?.once, true);
  assert.throws(() => sup('[program:a]\ncommand=/bin/a\nautorestrat=true\n'), /x\.conf:3: unknown key autorestrat in \[program:a\]/);
  assert.throws(() => sup('[program:a]\ndirectory=/\n'), /x\.conf:1: \[program:a\] has no command/);
  assert.throws(() => sup('[program:a]\ncommand=/bin/a "open\n'), /x\.conf:2: command: unterminated double quote/);
  assert.throws(() => sup('[program:a]\ncommand=/bin/a %(nope)s\n'), /x\.conf:2: unknown expansion %\(nope\)s/);
  assert.throws(() => sup('[program:a]\ncommand=/bin/a\nnumprocs=2\n'), /x\.conf:3: numprocs=2 needs a process_name with %\(process_num\)s/);
  assert.throws(() => sup('[programm:a]\ncommand=/bin/a\n'), /x\.conf:1: unknown section \[programm:a\]/);
  assert.deepEqual(parseEnvironment(`A="x,y",B='q',C=3`, 'w'), { A: 'x,y', B: 'q', C: '3' });
});

test('PM2: the pm2 example files (as their require() gives them) become one dir per instance', () => {
  const cluster = { apps: [{ name: 'clustered_http', script: './http.js', instances: 'max', exec_mode: 'cluster', env: { PORT: 8002 } }, { name: 'forked_app', script: './http.js', env: { PORT: 8001 } }] };
  const r = convertPm2(cluster, { file: 'eco.js', dir: '/srv/app', cpus: 2 });
  assert.deepEqual(r.services.map((s) => [s.name, s.words.join(' '), s.cwd, s.env]), [
    ['clustered_http-0', 'node /srv/app/http.js', '/srv/app', { PORT: '8002', NODE_APP_INSTANCE: '0' }],
    ['clustered_http-1', 'node /srv/app/http.js', '/srv/app', { PORT: '8002', NODE_APP_INSTANCE: '1' }],
    ['forked_app', 'node /srv/app/http.js', '/srv/app', { PORT: '8001' }],
  ]);
  const app = { name: 'api', script: 'npm', args: 'run start', interpreter: 'none', cwd: 'sub', max_memory_restart: '260M', exp_backoff_restart_delay: 100, kill_timeout: 5000, autorestart: false, watch: ['src'], ignore_watch: ['node_modules'], env_production: { A: '1' }, cron_restart: '0 * * * *' };
  const [s] = convertPm2({ apps: [app] }, { file: 'eco.json', dir: '/srv/app', cpus: 2 }).services;
  assert.deepEqual([s?.words.join(' '), s?.cwd, s?.once, s?.timeoutKillMs], ['npm run start', '/srv/app/sub', true, 5000]);
  assert.deepEqual(s?.policy, { 'limit-memory': String(260 * 1024 * 1024), 'restart-backoff': '0.1 15', watch: '/srv/app/sub/src\n!/srv/app/sub/node_modules' });
  assert.deepEqual(s?.dropped.map((d) => d.key), ['env_production', 'cron_restart']);
  assert.throws(() => convertPm2({ apps: [{ name: 'x', script: 'a.js', instancez: 2 }] }, { file: 'e.json', dir: '/', cpus: 1 }), /unable to import e\.json: apps\[0\] \(x\): unknown key instancez/);
  assert.throws(() => convertPm2({ apps: [{ name: 'x' }] }, { file: 'e.json', dir: '/', cpus: 1 }), /e\.json: apps\[0\]: no script/);
  assert.throws(() => convertPm2({ apps: [] }, { file: 'e.json', dir: '/', cpus: 1 }), /e\.json: no apps/);
});

test('systemd: the node_exporter unit, its environment file, and everything it cannot apply reported', () => {
  const r = unit(fixture('node_exporter.service'), 'node_exporter.service');
  const [s] = r.services;
  assert.deepEqual([s?.name, s?.words.join(' '), s?.user, s?.env, s?.envFiles, s?.once], ['node_exporter', '/usr/sbin/node_exporter --web.systemd-socket $OPTIONS', 'node_exporter', { OPTIONS: '' }, [{ path: '/etc/sysconfig/node_exporter', optional: true }], true]);
  assert.equal(s?.dropped.filter((d) => d.key.startsWith('CapabilityBoundingSet=')).length, 20);
  assert.ok(s?.dropped.some((d) => d.key === 'Requires=node_exporter.socket' && /no dependencies/.test(d.why)));
  assert.deepEqual(r.notes, ['node_exporter.service:51: [Install] (enabling): a service dir in the scan dir is enabled; not imported']);
  const run = serviceFiles(s!).get('run')?.content ?? '';
  assert.match(run, /\n\[ -p supervise\/control \] && printf o > supervise\/control\ni=0; while /);
  assert.match(run, /\nif \[ -r \/etc\/sysconfig\/node_exporter \]; then set -a; \. \/etc\/sysconfig\/node_exporter; set \+a; fi\n/);
});

test('systemd: specifiers, restart, limits and stop; unresolvable specifiers rejected with file:line', () => {
  const text = '[Service]\nExecStart=/bin/echo %i %n "${A}"\nRestart=on-failure\nRestartSec=2\nLimitNOFILE=1024\nLimitCORE=infinity\nTimeoutStopSec=1min 30s\nKillSignal=SIGINT\nMemoryMax=1G\n';
  const [s] = unit(text, 'echo@red.service').services;
  assert.deepEqual([s?.name, s?.words.join(' '), s?.once, s?.timeoutKillMs], ['echo@red', '/bin/echo red echo@red.service "${A}"', false, 90000]);
  assert.deepEqual(s?.policy, { 'restart-never': '0', 'restart-backoff': '2 2', 'limit-memory': String(1024 ** 3) });
  assert.deepEqual(s?.ulimits, [['n', '1024'], ['c', 'unlimited']]);
  assert.ok(s?.dropped.some((d) => d.key === 'KillSignal=SIGINT'));
  assert.throws(() => unit(text, 'echo@.service'), /unable to import echo@\.service:2: cannot resolve %i: echo@\.service is a template: import an instance, named like NAME@INSTANCE\.service/);
  assert.throws(() => unit('[Service]\nExecStart=/bin/a %Z\n', 'a.service'), /a\.service:2: cannot resolve specifier %Z/);
  assert.throws(() => unit('[Service]\nExecStart=/bin/a %h\nUser=nobody2\n', 'a.service'), /a\.service:2: cannot resolve %h: no home directory known for nobody2/);
  assert.throws(() => unit('[Unit]\nDescription=x\n', 'a.service'), /a\.service: no \[Service\] section/);
  assert.throws(() => unit('[Service]\nType=simple\n', 'a.service'), /a\.service:1: no ExecStart= in \[Service\]/);
  assert.throws(() => unit('[Service]\nExecStart=/bin/a\nTimeoutStopSec=soon\n', 'a.service'), /a\.service:3: TimeoutStopSec=soon: not a time span/);
});
