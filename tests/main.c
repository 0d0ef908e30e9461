/*
 * main.c — the entry point of forkless-selftest, the binary made of every folder's tests:
 * run it directly (`build/tests/forkless-selftest -j auto`) and it is its own parallel
 * runner, through the same coordinator as `forkless run`.
 */
#include <forkless/test.h>

FL_TEST_MAIN()
