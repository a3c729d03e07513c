// formats/escape.ts and formats/errno.ts: names print on one line; every errno has a text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { escapeName } from '../../packages/core/src/formats/escape.ts';
import { errnoText } from '../../packages/core/src/formats/errno.ts';

test('control characters are escaped as \\xHH; everything else prints as it is', () => {
  assert.equal(escapeName('sc/web'), 'sc/web');
  assert.equal(escapeName('sc/bad\nname'), 'sc/bad\\x0aname');
  assert.equal(escapeName('a\tb\rc\x1b[31m\x7f\u0085'), 'a\\x09b\\x0dc\\x1b[31m\\x7f\\x85');
  assert.equal(escapeName('caf\u00e9 \u65e5\u672c back\\slash'), 'caf\u00e9 \u65e5\u672c back\\slash');
});

test('escaping twice is escaping once', () => {
  const once = escapeName('x\ny\0z');
  assert.equal(escapeName(once), once);
});

test('bytes: valid UTF-8 is decoded, a byte outside it is \\xHH', () => {
  assert.equal(escapeName(Buffer.from('NA\u00e9', 'utf8')), 'NA\u00e9');
  assert.equal(escapeName(Buffer.from([0x4e, 0x41, 0xff])), 'NA\\xff');
  assert.equal(escapeName(Buffer.from([0xc3])), '\\xc3'); // truncated sequence
  assert.equal(escapeName(Buffer.from([0xc0, 0xaf])), '\\xc0\\xaf'); // overlong "/"
  assert.equal(escapeName(Buffer.from([0xed, 0xa0, 0x80])), '\\xed\\xa0\\x80'); // surrogate
  assert.equal(escapeName(Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0x0a])), '\u{1f600}\\x0a');
});

test('daemontools wording for the common errors, E2BIG included', () => {
  const err = (code: string): Error => Object.assign(new Error(code), { code });
  assert.equal(errnoText(err('ENOENT')), 'file does not exist');
  assert.equal(errnoText(err('EACCES')), 'access denied');
  assert.equal(errnoText(err('E2BIG')), 'argument list too long');
  assert.equal(errnoText(err('EMFILE')), 'process cannot open more files');
  assert.equal(errnoText(err('ETIMEDOUT')), 'timed out');
  assert.equal(errnoText(err('EWEIRD')), 'unknown error');
});

test('every errno name Node knows has a text of its own', () => {
  const missing = Object.keys(constants.errno).filter((code) => errnoText(Object.assign(new Error(), { code })) === 'unknown error');
  assert.deepEqual(missing, []);
});
