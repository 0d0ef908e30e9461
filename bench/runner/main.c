/*
 * main.c — the entry point of the runner benchmark's no-op suites (noop-tests,
 * noop-tests-100k).  The tests themselves are generated at build time by
 * gen_noop_tests.py; this file only hands over to the C test API, exactly like any
 * test binary written with forkless/test.h.
 */
#include <forkless/test.h>

FL_TEST_MAIN()
