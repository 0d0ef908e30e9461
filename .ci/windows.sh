#!/usr/bin/env bash
# .ci/windows.sh — the Windows build, proven under Wine (Debian's wine64: a real Win32
# implementation, so CreateProcessW, named pipes, job objects and LockFileEx are exercised,
# not mocked).  Installs mingw-w64, wine64 and the build tools with apt-get, builds SQLite,
# jansson and inih from Debian's source packages (cross/windows-deps.sh), cross-builds with
# `make windows`, then runs the Windows self-test under Wine with -j 2:
#   - the command-line quoting table, checked against a real child's C runtime;
#   - processes, pipes (chatty children, the channel), kills of whole trees (job objects),
#     no pipe leaking into a sibling, UTF-8 through arguments and the environment;
#   - files and locks in directories with spaces and non-ASCII names;
#   - the fixture test binary as its own runner in two workers: passing, failing, skipping,
#     crashing (access violation, abort) and hanging tests with a timeout, the hung worker
#     and its child killed; SQLite clones (copy and memory) fresh after a crash, none left;
#   - the unit and report suites that are portable.
# Exits non-zero on any failure — 75 when the machine could not provide the tools or the
# dependencies' sources (apt, the mirror), 1 when our build or a test failed; the last line
# is forkless's own summary.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

packages=(wine64 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev dpkg-dev tcl cmake
          make meson ninja-build pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "windows: installing ${missing[*]}"
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
      >/tmp/forkless-windows-apt.log 2>&1; then
    tail -n 30 /tmp/forkless-windows-apt.log
    echo "windows: package installation failed"
    exit 75  # the machine's environment, not our code: .ci/run warns loudly
  fi
fi

echo "windows: dependencies from Debian's source packages"
# Fetching Debian's sources depends on the mirror: a failure here is the environment's (75).
cross/windows-deps.sh build-win-deps || { echo "windows: building the dependencies failed"; exit 75; }

echo "windows: cross-building (make windows)"
if ! make -s windows >/tmp/forkless-windows-build.log 2>&1; then
  grep -E 'error|FAILED|undefined' /tmp/forkless-windows-build.log | head -40
  echo "windows: the cross build failed"
  exit 1
fi

wine=/usr/lib/wine/wine64
export WINEPREFIX=$PWD/build-win/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
trap '/usr/lib/wine/wineserver -k >/dev/null 2>&1' EXIT
echo "windows: starting Wine ($("$wine" --version 2>/dev/null))"
"$wine" wineboot -i >/dev/null 2>&1

echo "windows: the Windows self-test under Wine, -j 2"
timeout 900 "$wine" build-win/tests/forkless-selftest.exe -j 2 --progress=never --timeout 120 \
  >build-win/selftest.log 2>&1
status=$?
# Failures in full, then the totals.
grep -vE '^(PASS|SKIP|XFAIL) ' build-win/selftest.log | tail -n 80
if ! grep -q ' on 2 workers' build-win/selftest.log; then
  echo "windows: the run did not use two workers"
  status=1
fi
echo "windows: done in $(($(date +%s) - start)) s (exit $status)"
tail -n 1 build-win/selftest.log
exit $status
