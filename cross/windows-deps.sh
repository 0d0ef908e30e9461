#!/usr/bin/env bash
# cross/windows-deps.sh [DIR] — builds the libraries forkless needs (SQLite, jansson,
# inih) for Windows x86-64 with mingw-w64, from Debian's own source packages (apt-get
# source), as static libraries with pkg-config files, into DIR/prefix (default
# build-win-deps), and writes DIR/deps.txt, the Meson cross-file part that points at them
# (use it after cross/mingw64.txt).  Nothing third-party is in our repository: the sources
# come from Debian when this runs.  Each library is built once (delete DIR to rebuild).
#
#   SQLite   the amalgamation is generated natively (tclsh, as Debian's build does), then
#            compiled with the cross compiler and the compile-time options of Debian's
#            debian/rules, plus FTS4, FTS5 and JSON (Debian's configure flags).
#   jansson  its CMake build, cross-compiling.
#   inih     its Meson build, with our cross file.
#
# Installs with apt-get what is missing (the cross compiler, dpkg-dev, tcl, cmake) and, on
# a machine whose apt has no deb-src lines (a fresh Debian 12), adds them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
deps=${1:-build-win-deps}
mkdir -p "$deps"
deps=$(cd "$deps" && pwd)
prefix=$deps/prefix
src=$deps/src
host=x86_64-w64-mingw32
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include" "$src"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

say() { echo "windows-deps: $*" >&2; }
fail() { echo "windows-deps: $*" >&2; exit 1; }

# ---- tools -------------------------------------------------------------------------------
packages=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev dpkg-dev tcl cmake make
          meson ninja-build pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
apt_updated=0
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  $sudo apt-get update -qq && apt_updated=1
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$deps/apt.log" 2>&1 ||
    { tail -n 20 "$deps/apt.log"; fail "cannot install ${missing[*]}"; }
fi

# ---- Debian source packages --------------------------------------------------------------
has_deb_src() {
  grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_deb_src; then
  say "adding deb-src lines to apt's sources"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $sudo tee /etc/apt/sources.list.d/forkless-deb-src.sources >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      $sudo tee /etc/apt/sources.list.d/forkless-deb-src.list >/dev/null
  fi
  apt_updated=0
fi
[ "$apt_updated" = 1 ] || $sudo apt-get update -qq

# The unpacked source directory of a Debian source package (fetched once).
source_dir() {
  local pkg=$1 dir
  dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -1)
  if [ -z "$dir" ]; then
    say "apt-get source $pkg"
    (cd "$src" && apt-get source -qq "$pkg" >"$src/$pkg.log" 2>&1) ||
      { tail -n 5 "$src/$pkg.log" >&2; return 1; }
    dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -1)
  fi
  [ -n "$dir" ] && echo "$dir"
}

write_pc() { # name version libs
  cat >"$prefix/lib/pkgconfig/$1.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $1
Description: $1 for Windows (built by cross/windows-deps.sh from Debian's source package)
Version: $2
Libs: -L\${libdir} $3
Cflags: -I\${includedir}
EOF
}

# ---- SQLite ------------------------------------------------------------------------------
build_sqlite() {
  [ -f "$prefix/lib/libsqlite3.a" ] && return 0
  local dir b flags
  dir=$(source_dir sqlite3) || fail "cannot fetch the source of sqlite3 (apt-get source sqlite3)"
  b=$deps/sqlite-build
  rm -rf "$b" && mkdir -p "$b"
  say "SQLite: generating the amalgamation"
  (cd "$b" && "$dir/configure" --disable-tcl --disable-readline >configure.log 2>&1 &&
    make sqlite3.c >make.log 2>&1) || { tail -n 20 "$b/make.log" "$b/configure.log" >&2; fail "SQLite amalgamation failed"; }
  # Debian's compile-time options, read from its debian/rules.
  flags=$(sed -n '/^export CFLAGS/,/^$/p' "$dir/debian/rules" | grep -oE -- '-DSQLITE_[A-Z0-9_]+(=[0-9]+)?' | tr '\n' ' ')
  flags="$flags -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_MATH_FUNCTIONS"
  say "SQLite: compiling for Windows ($flags)"
  # shellcheck disable=SC2086
  $host-gcc -O2 $flags -c "$b/sqlite3.c" -o "$b/sqlite3.o" || fail "SQLite compilation failed"
  $host-ar rcs "$prefix/lib/libsqlite3.a" "$b/sqlite3.o"
  cp "$b/sqlite3.h" "$b/sqlite3ext.h" "$prefix/include/"
  write_pc sqlite3 "$(cat "$dir/VERSION")" "-lsqlite3"
}

# ---- jansson -----------------------------------------------------------------------------
build_jansson() {
  [ -f "$prefix/lib/libjansson.a" ] && return 0
  local dir b
  dir=$(source_dir jansson) || fail "cannot fetch the source of jansson (apt-get source jansson)"
  b=$deps/jansson-build
  rm -rf "$b" && mkdir -p "$b"
  say "jansson: CMake cross build"
  (cd "$b" && cmake "$dir" -DCMAKE_SYSTEM_NAME=Windows -DCMAKE_C_COMPILER=$host-gcc \
      -DCMAKE_RC_COMPILER=$host-windres -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
      -DJANSSON_BUILD_DOCS=OFF -DJANSSON_WITHOUT_TESTS=ON -DJANSSON_EXAMPLES=OFF \
      -DJANSSON_BUILD_SHARED_LIBS=OFF >cmake.log 2>&1 && make -j2 install >make.log 2>&1) ||
    { tail -n 20 "$b/cmake.log" "$b/make.log" >&2; fail "jansson build failed"; }
}

# ---- inih --------------------------------------------------------------------------------
build_inih() {
  [ -f "$prefix/lib/libinih.a" ] && return 0
  local dir b
  if ! dir=$(source_dir libinih); then
    # An escape hatch for mirrors that lack this source package: the same upstream release
    # (inih r55, Debian's 55-1), unpacked by hand.  CI never sets it.
    if [ -n "${FORKLESS_INIH_SOURCE:-}" ] && [ -f "$FORKLESS_INIH_SOURCE/ini.c" ]; then
      say "inih: apt-get source libinih failed; using FORKLESS_INIH_SOURCE=$FORKLESS_INIH_SOURCE"
      dir=$FORKLESS_INIH_SOURCE
    else
      # inih is optional on Windows: without it the build reads no forkless.ini (flags only).
      say "inih: WARNING: cannot fetch the source of libinih (apt-get source libinih); building without forkless.ini support (see docs/windows.md)"
      return 0
    fi
  fi
  b=$deps/inih-build
  rm -rf "$b"
  say "inih: Meson cross build"
  (meson setup "$b" "$dir" --cross-file "$root/cross/mingw64.txt" --prefix="$prefix" --libdir=lib \
      -Ddefault_library=static -Ddistro_install=true -Dwith_INIReader=false >"$deps/inih-setup.log" 2>&1 &&
    ninja -C "$b" install >"$deps/inih-build.log" 2>&1) ||
    { tail -n 20 "$deps/inih-setup.log" "$deps/inih-build.log" >&2; fail "inih build failed"; }
}

build_sqlite
build_jansson
build_inih

cat >"$deps/deps.txt" <<EOF
# Written by cross/windows-deps.sh: where the Windows builds of SQLite, jansson and inih
# are.  Only these are seen (PKG_CONFIG_LIBDIR), never the Linux libraries.
[properties]
pkg_config_libdir = '$prefix/lib/pkgconfig'
EOF
say "done: $prefix ($(cd "$prefix/lib" && ls ./*.a | tr '\n' ' '))"
