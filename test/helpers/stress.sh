#!/usr/bin/env bash
# make test-stress: runs "$@" (make test) while stress-ng keeps both cores and the disk busy.
# stress-ng is started here, in its own process group, and always killed here (trap on exit,
# INT and TERM), so nothing is left behind. Prints the duration and the load average.
set -u
if ! command -v stress-ng >/dev/null; then
  echo "test-stress: fatal: unable to find stress-ng: not installed (apt-get install stress-ng)" >&2
  exit 111
fi
# No SVKIT_TEST_MARK in these paths: no-strays.sh must not take stress-ng for a stray test.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/svkit-stress-XXXXXX")
set -m # background jobs get their own process group, so each can be killed whole
stress-ng --cpu "${STRESS_CPU:-2}" --io "${STRESS_IO:-1}" --hdd "${STRESS_HDD:-1}" --hdd-bytes 128M \
  --temp-path "$tmp" --timeout "${STRESS_TIMEOUT:-1800}s" --quiet &
stress=$!
( while :; do cut -d' ' -f1 /proc/loadavg; sleep 5; done ) >"$tmp/load" &
sampler=$!
set +m
stop() {
  kill -TERM -- "-$stress" "-$sampler" 2>/dev/null
  wait "$stress" "$sampler" 2>/dev/null
  # stress-ng's workers get TERM from their parent; KILL whatever of the group is still there.
  kill -KILL -- "-$stress" 2>/dev/null
  rm -rf "$tmp"
}
trap stop EXIT
# The suite runs in the background so a TERM to this script is handled at once (bash runs
# traps only between commands, and wait is interruptible); it is stopped with the script.
suite=
trap 'if [ -n "$suite" ]; then kill -TERM "$suite" 2>/dev/null; wait "$suite" 2>/dev/null; fi; exit 130' INT TERM
sleep 5 # let the load build before the suite starts
start=$(date +%s)
"$@" &
suite=$!
wait "$suite"
rc=$?
suite=
secs=$(( $(date +%s) - start ))
samples=$(tr '\n' ' ' <"$tmp/load")
avg=$(awk '{ s += $1; n++; if ($1 > m) m = $1 } END { if (n) printf "mean %.2f, max %.2f", s / n, m }' "$tmp/load")
echo "test-stress: $* under stress-ng (cpu ${STRESS_CPU:-2}, io ${STRESS_IO:-1}, hdd ${STRESS_HDD:-1}): exit $rc in ${secs} s; 1-min load average every 5 s: $avg (${samples% })"
echo "test-stress: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
