/*
 * report_test_util.h — what the reporter tests share: a sample run of synthetic events
 * (3 pass, 1 fail, 1 crash, 1 skip in two groups) driven through any reporter, reading a
 * file or a tmpfile back into memory, scratch paths under the build directory, and
 * checking XML with a real parser (xmllint, or Python's minidom when it is missing).
 */
#ifndef FL_REPORT_TEST_UTIL_H
#define FL_REPORT_TEST_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "report/report.h"

/* The message, details and output the sample run's failing test carries. */
#define SAMPLE_FAIL_MESSAGE "t_alpha.c:12: expected total == 3, got 2 and 3"
#define SAMPLE_FAIL_DETAILS "Traceback: frame one\n  frame two"
#define SAMPLE_FAIL_OUTPUT "opening the ledger\nbalance is 2\n"
#define SAMPLE_CRASH_MESSAGE "worker died: signal 11 (SIGSEGV, segmentation fault)"
#define SAMPLE_LAST_LINE "forkless: 3 passed, 2 failed, 1 skipped"

/* Drives run_start .. run_end (not destroy) through r: alpha.one pass, alpha.two fail,
 * beta.one pass, beta.two crash, alpha.three skip, beta.three pass; 2 workers. */
void sample_run(fl_reporter *r);
/* The summary sample_run ends with. */
void sample_summary(fl_summary *s);
/* A test event with the given fields and the rest zero. */
fl_test_event sample_event(const char *id, const char *group, fl_status status);

/* The whole content of f (rewound first) / of the file at path; malloc'd, NUL-ended;
 * fails the test when it cannot be read. */
char *read_stream(FILE *f, size_t *len);
char *read_path(const char *path, size_t *len);
/* The last line of text (without its newline), in a static buffer. */
const char *last_line(const char *text);
/* Number of times needle occurs in haystack. */
size_t count_occurrences(const char *haystack, const char *needle);
/* A fresh path in the build tree's scratch directory: <build>/tests/report-tmp/<pid>-name. */
const char *scratch_path(const char *name);
int path_exists(const char *path);

/* 1 when a real XML parser accepts the file; skips the test when none is installed. */
int xml_is_well_formed(const char *path);
/* 1 when xmllint finds at least one node for the XPath expression; -1 when xmllint is
 * not installed (then the caller relies on string checks). */
int xml_xpath_matches(const char *path, const char *xpath);

#endif
