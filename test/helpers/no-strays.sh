#!/bin/sh
# Fails when a test run left an svkit program or a test service running.
# Only this checkout's: SVKIT_TEST_MARK (set by the Makefile) and this checkout's dist/.
mark=${SVKIT_TEST_MARK:-svkit-test}
root=$(cd "$(dirname "$0")/../.." && pwd)
strays=$(ps -eo pid=,args= | grep -E "$mark|$root/dist/(svscan|supervise|multilog)\.mjs" | grep -v grep)
if [ -n "$strays" ]; then
  echo "stray processes left by the tests:"; echo "$strays"; exit 1
fi
echo "no stray processes"
