#!/bin/sh
# Fails when a test run left an svkit program or a test service running.
strays=$(ps -eo pid=,args= | grep -E 'svkit-test|/dist/(svscan|supervise|multilog)\.mjs' | grep -v grep)
if [ -n "$strays" ]; then
  echo "stray processes left by the tests:"; echo "$strays"; exit 1
fi
echo "no stray processes"
