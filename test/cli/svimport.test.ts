// svimport end to end: bad input refused with one line and nothing written; imports of the
// real-world PM2 file and of supervisord and systemd files run under svscan and behave as the
// source would (command, cwd, env, user, restart, stop).
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { ROOT, runTool } from '../helpers/tools.ts';
import { startSvscan, waitNewPid, waitUp } from '../scenarios/_svscan.ts';

const box = new Sandbox();
after(() => box.cleanup());
let n = 0;

/** A fresh empty --into dir. */
function intoDir(): string {
  const d = box.path(`into-${n++}`);
  mkdirSync(d);
  return d;
}

async function refused(file: string, body: string, message: string | RegExp): Promise<void> {
  const path = box.write(file, body);
  const into = intoDir();
  const r = await runTool('svimport', ['--into', into, path]);
  const expected = typeof message === 'string' ? `svimport: fatal: unable to import ${path}${message}\n` : undefined;
  if (expected !== undefined) assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', expected]);
  else {
    assert.deepEqual([r.code, r.stdout], [100, ''], r.stderr);
    assert.match(r.stderr, message as RegExp);
  }
  assert.deepEqual(readdirSync(into), [], 'nothing written');
}

test('usage errors', async () => {
  for (const args of [[], ['--into'], ['-x', 'a.conf']]) {
    const r = await runTool('svimport', args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svimport: usage: svimport [--dry-run] [--into DIR] FILE...\n']);
  }
});

test('bad input gets one line naming the file and line, and nothing is written', async () => {
  await refused('bad/syntax.conf', '[program:a]\ncommand=/bin/true\nnot ini at all\n', ':3: syntax error: expected [section] or key = value, got "not ini at all"');
  await refused('bad/key.conf', '[program:a]\ncommand=/bin/true\nautostrat=true\n', ':3: unknown key autostrat in [program:a]');
  await refused('bad/include.conf', '[include]\nfiles = nowhere/*.ini\n', ':2: include pattern nowhere/*.ini matches nothing');
  await refused('bad/throws.config.js', "module.exports = (() => { throw new Error('no config here') })()\n", ': unable to load the PM2 file: it threw: no config here');
  await refused('bad/app.json', '{ "apps": [\n  { "name": "a", "script": "a.js", }\n] }\n', /^svimport: fatal: unable to import \S+app\.json:2: syntax error: .*JSON.*\n$/);
  await refused('bad/app.yaml', 'apps:\n  - name: a\n    script: [a.js\n', /^svimport: fatal: unable to import \S+app\.yaml:\d: syntax error: .+\n$/);
  await refused('bad/unit@.service', '[Service]\nExecStart=/bin/echo %i\n', ':2: cannot resolve %i: unit@.service is a template: import an instance, named like NAME@INSTANCE.service');
  await refused('bad/what.txt', 'hello\n', ': cannot tell what it is: name it *.conf (supervisord), *.json/*.yaml/*.js (PM2) or *.service (systemd)');
  const into = intoDir();
  const r = await runTool('svimport', ['--into', into, box.path('bad/none.conf')]);
  assert.deepEqual([r.code, r.stderr], [100, `svimport: fatal: unable to import ${box.path('bad/none.conf')}: file does not exist\n`]);
});

test('an import never overwrites a service dir and writes all or nothing; --dry-run writes nothing', async () => {
  const conf = box.write('two.conf', '[program:one]\ncommand=/bin/sleep 100\n\n[program:two]\ncommand=/bin/sleep 100\n');
  const into = intoDir();
  mkdirSync(join(into, 'two'));
  const r = await runTool('svimport', ['--into', into, conf]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', `svimport: fatal: unable to import ${conf}:4 [program:two]: ${join(into, 'two')} exists: svimport never overwrites a service dir\n`]);
  assert.deepEqual(readdirSync(into), ['two']);
  // A good file and a bad one: the good one's services are not written either.
  const bad = box.write('bad2.conf', '[program:x]\n');
  const into2 = intoDir();
  const r2 = await runTool('svimport', ['--into', into2, conf, bad]);
  assert.equal(r2.code, 100);
  assert.deepEqual(readdirSync(into2), []);
  const dry = await runTool('svimport', ['--dry-run', '--into', into2, conf]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`^would create ${join(into2, 'one')} from ${conf}:1 \\[program:one\\]\\n  command: /bin/sleep 100\\n  files: run restart-giveup restart-never log/multilog\\n`));
  assert.deepEqual(readdirSync(into2), []);
});

test('a PM2 YAML file is read too', async () => {
  const file = box.write('yaml/eco.yaml', 'apps:\n  - name: api\n    script: /bin/sleep\n    interpreter: none\n    args: "100"\n    env:\n      A: "1"\n');
  const into = intoDir();
  const r = await runTool('svimport', ['--into', into, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^created ${join(into, 'api')} from ${file}: apps\\[0\\] \\(api\\)\n  command: /bin/sleep 100\n  files: run env/A log/multilog\n$`));
  assert.equal(readFileSync(join(into, 'api/env/A'), 'utf8'), '1\n');
});

/** Reads a JSON line a stand-in program wrote. */
function seen(file: string): { pid: number; cwd: string; argv: string[]; port?: string; inst?: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { pid: number; cwd: string; argv: string[]; port?: string; inst?: string };
}

test('the pm2 cluster-http example runs under svscan: script, cwd, env per instance, restart, stop, log', async () => {
  const app = box.path('pm2app');
  mkdirSync(app);
  copyFileSync(join(ROOT, 'test/fixtures/import/pm2-cluster-http.config.js'), join(app, 'ecosystem.config.js'));
  // A stand-in for the example's http.js: TERM handler first, then the evidence file.
  box.write('pm2app/http.js', `const fs = require('fs');
process.on('SIGTERM', () => { fs.writeFileSync('stopped-' + process.pid, ''); process.exit(0); });
const name = 'seen-' + process.env.PORT + '-' + (process.env.NODE_APP_INSTANCE ?? 'x');
fs.writeFileSync(name + '.new', JSON.stringify({ pid: process.pid, cwd: process.cwd(), argv: process.argv.slice(1), port: process.env.PORT, inst: process.env.NODE_APP_INSTANCE }));
fs.renameSync(name + '.new', name);
console.log('listening on ' + process.env.PORT);
setInterval(() => {}, 1000);
`);
  const scan = box.path('scan-pm2');
  mkdirSync(scan);
  const r = await runTool('svimport', ['--into', scan, join(app, 'ecosystem.config.js')]);
  assert.equal(r.code, 0, r.stderr);
  const dirs = readdirSync(scan).sort();
  const clustered = dirs.filter((d) => d.startsWith('clustered_http-'));
  assert.ok(clustered.length >= 1);
  assert.deepEqual(dirs, [...clustered, 'forked_app']);
  const sv = startSvscan(box, scan);
  const forked = join(scan, 'forked_app');
  await waitFor(() => existsSync(join(app, 'seen-8001-x')) && clustered.every((_, i) => existsSync(join(app, `seen-8002-${i}`))), 20_000, 'every instance started');
  const f = seen(join(app, 'seen-8001-x'));
  assert.deepEqual([f.cwd, f.argv, f.port], [app, [join(app, 'http.js')], '8001']);
  assert.deepEqual(clustered.map((_, i) => seen(join(app, `seen-8002-${i}`)).inst), clustered.map((_, i) => String(i)));
  await waitFor(() => /^@4[0-9a-f]{23} listening on 8001\n/.test(readFileSync(join(forked, 'log/main/current'), 'utf8')), 20_000, 'the log');
  // PM2 restarts a crashed app: so does svscan.
  const pid = await waitUp(forked, 20_000);
  process.kill(pid, 'SIGKILL');
  const pid2 = await waitNewPid(forked, pid, 20_000);
  await waitFor(() => seen(join(app, 'seen-8001-x')).pid === pid2, 20_000, 'restarted instance wrote again');
  const down = await runTool('svc', ['-d', forked]);
  assert.equal(down.code, 0);
  await waitFor(() => existsSync(join(app, `stopped-${pid2}`)), 20_000, 'TERM reached the app');
  await waitFor(async () => /: down \d+ seconds, normally up\n$/.test((await runTool('svstat', [forked])).stdout), 20_000, 'down');
  sv.child.kill('SIGTERM');
  assert.equal((await sv.exited).code, 0, sv.stderr());
});

test('supervisord with [include]: user, directory, environment, numprocs, autorestart=false, stopwaitsecs', { skip: process.getuid?.() !== 0 ? 'needs root: user=nobody' : false }, async () => {
  const out = box.path('sup/out');
  mkdirSync(out, { recursive: true, mode: 0o777 });
  // The workers run as nobody: they must reach out/ (mkdir's mode is masked by the umask).
  chmodSync(out, 0o777);
  for (const d of [box.root, box.path('sup')]) chmodSync(d, 0o755);
  mkdirSync(box.path('sup/work'));
  box.write('sup/main.conf', '[supervisord]\nnodaemon=true\n\n[include]\nfiles = conf.d/*.ini\n');
  box.write('sup/conf.d/workers.ini', `[program:worker]
command=/bin/sh -c 'echo "$$ $(id -u) $PWD $GREETING" > %(here)s/../out/w%(process_num)d.new && mv %(here)s/../out/w%(process_num)d.new %(here)s/../out/w%(process_num)d; exec sleep 1000'
process_name=worker%(process_num)d
numprocs=2
directory=${box.path('sup/work')}
environment=GREETING="hello world"
user=nobody
autorestart=true
`);
  box.write('sup/conf.d/other.ini', `[program:once]
command=/bin/sh -c 'echo ran >> %(here)s/../out/once'
autorestart=false

[program:stubborn]
command=/bin/sh -c 'trap "" TERM; echo $$ > %(here)s/../out/stubborn; while :; do sleep 1; done'
stopwaitsecs=1
`);
  const scan = box.path('scan-sup');
  mkdirSync(scan);
  const r = await runTool('svimport', ['--into', scan, box.path('sup/main.conf')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(scan).sort(), ['once', 'stubborn', 'worker0', 'worker1']);
  const sv = startSvscan(box, scan);
  await waitFor(() => existsSync(join(out, 'w0')) && existsSync(join(out, 'w1')), 20_000, 'workers');
  for (const w of ['w0', 'w1']) {
    const [, uid, cwd, ...greeting] = readFileSync(join(out, w), 'utf8').trim().split(' ');
    assert.deepEqual([uid, cwd, greeting.join(' ')], ['65534', box.path('sup/work'), 'hello world']);
  }
  // autorestart=false: ran once and stays down.
  await waitFor(async () => /: down [2-9]\d* seconds, normally up\n$/.test((await runTool('svstat', [join(scan, 'once')])).stdout), 20_000, 'once down for 2 s');
  assert.equal(readFileSync(join(out, 'once'), 'utf8'), 'ran\n');
  // stopwaitsecs=1: a program that ignores TERM is killed.
  await waitFor(() => existsSync(join(out, 'stubborn')), 20_000, 'stubborn');
  assert.equal((await runTool('svc', ['-d', join(scan, 'stubborn')])).code, 0);
  await waitFor(async () => /: down \d+ seconds, normally up\n$/.test((await runTool('svstat', [join(scan, 'stubborn')])).stdout), 20_000, 'stubborn killed');
  sv.child.kill('SIGTERM');
  assert.equal((await sv.exited).code, 0, sv.stderr());
});

test('a systemd instance unit: %i, Environment, EnvironmentFile, ExecStartPre, LimitNOFILE, Restart=always', async () => {
  const out = box.path('sd/out');
  mkdirSync(out, { recursive: true });
  mkdirSync(box.path('sd/work'));
  box.write('sd/envfile', 'EXTRA="from file"\n');
  const unit = box.write('sd/greet@blue.service', `[Unit]
Description=Greeter %i
After=network.target

[Service]
WorkingDirectory=${box.path('sd/work')}
Environment="GREETING=hi there" COLOR=%i
EnvironmentFile=${box.path('sd/envfile')}
EnvironmentFile=-${box.path('sd/missing')}
ExecStartPre=/bin/sh -c 'echo pre >> ${out}/pre'
ExecStart=/bin/sh -c 'echo "$$|$PWD|$GREETING|$COLOR|$EXTRA|$(ulimit -n)" > ${out}/unit.new && mv ${out}/unit.new ${out}/unit; exec sleep 1000'
Restart=always
LimitNOFILE=123
TimeoutStopSec=2

[Install]
WantedBy=multi-user.target
`);
  const scan = box.path('scan-sd');
  mkdirSync(scan);
  const r = await runTool('svimport', ['--into', scan, unit]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n  dropped: After=network\.target: svscan starts every service at once: no dependencies or ordering\n/);
  const sv = startSvscan(box, scan);
  const dir = join(scan, 'greet@blue');
  await waitFor(() => existsSync(join(out, 'unit')), 20_000, 'unit started');
  const [pid, cwd, greeting, color, extra, nofile] = readFileSync(join(out, 'unit'), 'utf8').trim().split('|');
  assert.deepEqual([cwd, greeting, color, extra, nofile], [box.path('sd/work'), 'hi there', 'blue', 'from file', '123']);
  assert.equal(readFileSync(join(out, 'pre'), 'utf8'), 'pre\n');
  assert.equal(readFileSync(join(dir, 'timeout-kill'), 'utf8'), '2000\n');
  assert.ok(Number(pid) > 1, `a pid: ${pid}`);
  process.kill(Number(pid), 'SIGKILL');
  await waitFor(() => readFileSync(join(out, 'unit'), 'utf8').split('|')[0] !== pid, 20_000, 'restarted');
  assert.equal(readFileSync(join(out, 'pre'), 'utf8'), 'pre\npre\n');
  sv.child.kill('SIGTERM');
  assert.equal((await sv.exited).code, 0, sv.stderr());
});

