# Thin wrapper over Meson for the README's commands.  The first build installs the Debian
# packages it needs when they are missing (scripts/install-deps.sh).  `make` builds into build/,
# `make demo` runs the example suite in parallel on SQLite, `make test` runs every suite
# through forkless, `make asan` does the same under ASan + UBSan in build-asan/.
# `make windows` cross-builds for Windows with mingw-w64 into build-win/ (docs/windows.md).
BUILD ?= build
MESON ?= meson
PREFIX ?= /usr/local

.PHONY: all demo test asan install clean windows

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	@scripts/install-deps.sh
	$(MESON) setup $(BUILD) --prefix=$(PREFIX)

demo: all
	cd examples/bookshop && ../../$(BUILD)/examples/bookshop/bookshop-tests -j auto

test: all
	$(BUILD)/tests/forkless-selftest -j auto --timeout 120

build-asan/build.ninja:
	@scripts/install-deps.sh
	$(MESON) setup build-asan -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug

asan: build-asan/build.ninja
	ninja -C build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:handle_segv=0:handle_abort=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  build-asan/tests/forkless-selftest -j auto --timeout 300 > build-asan/selftest.log 2>&1; \
	  status=$$?; cat build-asan/selftest.log; \
	  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' build-asan/selftest.log; then echo 'asan: sanitizer reports above'; exit 1; fi; \
	  exit $$status

# Windows: the libraries from Debian's source packages (once, into $(WIN_DEPS)), then
# forkless.exe, the library, and the test binaries.
WIN_BUILD ?= build-win
WIN_DEPS ?= build-win-deps
WIN_TARGETS = forkless.exe libforkless.a libforkless-0.dll tests/forkless-selftest.exe \
	tests/forkless-fixture.exe tests/platform/forkless-plat-helper.exe

$(WIN_DEPS)/deps.txt:
	cross/windows-deps.sh $(WIN_DEPS)

$(WIN_BUILD)/build.ninja: $(WIN_DEPS)/deps.txt
	$(MESON) setup $(WIN_BUILD) --cross-file cross/mingw64.txt --cross-file $(WIN_DEPS)/deps.txt

windows: $(WIN_BUILD)/build.ninja
	ninja -C $(WIN_BUILD) $(WIN_TARGETS)

install: all
	$(MESON) install -C $(BUILD)

clean:
	rm -rf $(BUILD) build-asan $(WIN_BUILD)
