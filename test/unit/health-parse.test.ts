import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as p from '../../packages/core/src/health/parse.ts';

const why = <T>(r: p.Parsed<T>): string => (r.ok ? 'ok' : r.why);
const val = <T>(r: p.Parsed<T>): T => {
  if (!r.ok) throw new Error(r.why);
  return r.value;
};

test('seconds: decimals become milliseconds; words, negatives and units are refused', () => {
  assert.equal(val(p.parseSeconds('1\n')), 1000);
  assert.equal(val(p.parseSeconds(' 0.25 ')), 250);
  assert.match(why(p.parseSeconds('-1')), /not a number of seconds: "-1"/);
  assert.match(why(p.parseSeconds('5s')), /not a number of seconds/);
  assert.match(why(p.parseSeconds('')), /not a number of seconds/);
});

test('limit-memory: bytes with K, M, G; 0 and unknown units refused', () => {
  assert.deepEqual(['100', '64K', '100M', '2G', '3m', '10MB'].map((t) => val(p.parseBytes(t))),
    [100, 64 * 1024, 100 * 1024 ** 2, 2 * 1024 ** 3, 3 * 1024 ** 2, 10 * 1024 ** 2]);
  assert.match(why(p.parseBytes('0')), /more than 0/);
  assert.match(why(p.parseBytes('10T')), /not a size/);
  assert.match(why(p.parseBytes('lots')), /not a size/);
});

test('limit-cpu: a percentage above 0, may exceed 100', () => {
  assert.equal(val(p.parsePercent('150')), 150);
  assert.equal(val(p.parsePercent('50%')), 50);
  assert.match(why(p.parsePercent('0')), /not a percentage/);
  assert.match(why(p.parsePercent('half')), /not a percentage/);
});

test('restart-backoff, restart-giveup, restart-never', () => {
  assert.deepEqual(val(p.parseBackoff('1 60')), { base: 1000, max: 60000 });
  assert.match(why(p.parseBackoff('1')), /two numbers/);
  assert.match(why(p.parseBackoff('10 1')), /MAX is less than BASE/);
  assert.match(why(p.parseBackoff('0 1')), /BASE must be more than 0/);
  assert.deepEqual(val(p.parseGiveup('5 60')), { failures: 5, within: 60000 });
  assert.match(why(p.parseGiveup('0 60')), /at least 1/);
  assert.deepEqual(val(p.parseExitCodes('100 111\n')), [100, 111]);
  assert.match(why(p.parseExitCodes('256')), /not an exit code/);
  assert.match(why(p.parseExitCodes('')), /no exit code/);
});

test('actions, fds, tcp targets and URLs', () => {
  assert.equal(val(p.parseAction('alert\n')), 'alert');
  assert.match(why(p.parseAction('reboot')), /not one of restart, alert, stop: "reboot"/);
  assert.equal(val(p.parseFd('3')), 3);
  assert.match(why(p.parseFd('x')), /not a file descriptor/);
  assert.deepEqual(val(p.parseTcpTarget('8080')), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(val(p.parseTcpTarget('db.local:5432')), { host: 'db.local', port: 5432 });
  assert.deepEqual(val(p.parseTcpTarget('[::1]:80')), { host: '::1', port: 80 });
  assert.match(why(p.parseTcpTarget('70000')), /not PORT or HOST:PORT/);
  assert.match(why(p.parseTcpTarget('host:')), /not PORT or HOST:PORT/);
  assert.equal(val(p.parseHttpUrl('http://127.0.0.1:8080/health')).port, '8080');
  assert.match(why(p.parseHttpUrl('not a url')), /not a URL/);
  assert.match(why(p.parseHttpUrl('ftp://x/')), /not an http:\/\/ URL/);
});
