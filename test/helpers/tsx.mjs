import 'tsx';

// A test that computes a pid from a file read too early gets 0 (Number('')) or NaN; kill(0) and
// kill(-0) signal the caller's own process group, which under `make test` holds make and the
// test runner: the whole run would die without a word. Refuse them in every test process.
const kill = process.kill.bind(process);
process.kill = (pid, signal) => {
  if (!Number.isInteger(pid) || pid === 0 || pid === -1) throw new Error(`refusing process.kill(${pid}): not one process or group (a pid read too early?)`);
  return kill(pid, signal);
};
