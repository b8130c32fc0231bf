#!/usr/bin/env bash
# Checks the units in systemd/ as systemd itself reads them:
#   - `systemd-analyze verify` must print nothing (it exits 0 on warnings, so the output is what
#     counts). It checks that ExecStart= names an executable, and /usr/local/bin/segd is not
#     installed here, so it runs with --root on a small temporary root: this machine's own unit
#     files (for the targets the units refer to), kill for ExecReload=, a stand-in segd and the
#     units under test in /etc/systemd/system.
#   - `systemd-analyze security --offline=yes` must score segd.service at most MAX_EXPOSURE
#     (default 1.0); the score and every remaining exposure are printed.
#
#   systemd/check-units.sh       (needs systemd 252 or later: Debian 12's systemd package)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MAX_EXPOSURE=${MAX_EXPOSURE:-1.0}
command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze not found" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/usr/{bin,lib/systemd,local/bin} "$root/etc/systemd/system"
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
# /lib/systemd/system is /usr/lib/systemd/system on a merged-/usr system (Debian 12 and later).
cp -a /lib/systemd/system "$root/usr/lib/systemd/"
cp "$(type -P kill)" "$root/usr/bin/kill"
printf '#!/bin/sh\n' > "$root/usr/local/bin/segd"
chmod 755 "$root/usr/local/bin/segd"
cp "$HERE/segd.service" "$HERE/segd.socket" "$root/etc/systemd/system/"

status=0
verify=$(systemd-analyze verify --root="$root" --man=no \
  /etc/systemd/system/segd.service /etc/systemd/system/segd.socket 2>&1) || status=$?
if [ -n "$verify" ] || [ $status != 0 ]; then
  echo "check-units: systemd-analyze verify (exit status $status) reports:" >&2
  echo "$verify" >&2
  exit 1
fi
echo "check-units: systemd-analyze verify: no findings"

report=$(systemd-analyze security --offline=yes --no-pager "$HERE/segd.service" 2>/dev/null)
score=$(echo "$report" | sed -n 's/.*Overall exposure level for segd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "check-units: no score in systemd-analyze security's output:" >&2; echo "$report" >&2; exit 1; }
echo "check-units: systemd-analyze security: exposure $score (at most $MAX_EXPOSURE); remaining:"
echo "$report" | grep '✗' | sed 's/^/  /' || true
awk -v s="$score" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(s <= max) }' ||
  { echo "check-units: segd.service scores $score, above $MAX_EXPOSURE" >&2; exit 1; }
