#!/bin/sh
# Runs svscan as PID 1 of a fresh PID namespace, the way a container runtime would (needs root).
# unshare --fork ignores TERM and INT itself, so this script passes them on to svscan (PID 1
# inside), as `docker stop` would: every service is brought down and the script exits with
# svscan's code (0; or the code of the essential app once its restart-giveup gives up: 137 after
# five KILLs within 60 s). See docs/container.md.
here=$(cd "$(dirname "$0")" && pwd)
svscan=${SVSCAN:-$here/../../bin/svscan}
unshare --pid --fork --mount-proc "$svscan" "$here/scan" &
ns=$!
forward() {
  # svscan is unshare's one child; TERM it.
  pkill -TERM -P "$ns" 2>/dev/null
}
trap forward TERM INT
while :; do
  wait "$ns"
  rc=$?
  kill -0 "$ns" 2>/dev/null || exit "$rc"
done
