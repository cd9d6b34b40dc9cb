/*
 * junit.h - JUnit XML as Jenkins, GitLab and ctest read it, written with libxml2.
 *
 * <testsuites> / <testsuite name tests failures errors skipped time timestamp hostname>
 *   / <testcase name classname time> [<failure message type>text</failure>]
 *   [<skipped message/>] <system-out>timeline and console</system-out>
 *
 * A testcase's files (console log, capture...) are listed at the end of its
 * system-out, a line "[[ATTACHMENT|path]]" each: the convention of Jenkins'
 * JUnit Attachments plugin, which GitLab's unit test reports read too.
 */
#ifndef PITEST_JUNIT_H
#define PITEST_JUNIT_H

#include <stdbool.h>
#include <stddef.h>

struct junit_case {
	const char *name;            /* "case-name" */
	const char *classname;       /* "suite.board" */
	double time_s;
	bool failed;
	bool skipped;
	const char *failure_message; /* one line: which expectation and what was seen */
	const char *failure_type;    /* e.g. "dhcp", "timeout" */
	const char *failure_text;    /* details */
	const char *system_out;      /* the case's timeline and console for this board */
	size_t n_properties;         /* <properties><property name value/> */
	const char *const *property_names;
	const char *const *property_values;
	size_t n_attachments;        /* files: "[[ATTACHMENT|path]]" lines in system-out */
	const char *const *attachments;
};

struct junit_suite {
	const char *name;
	const char *timestamp;       /* ISO 8601 */
	const char *hostname;
	double time_s;
	size_t n_cases;
	const struct junit_case *cases;
};

/* Writes the report atomically (temp file + rename). 0 or -errno; err gets a message. */
int junit_write(const char *path, const struct junit_suite *suites, size_t n_suites,
		char *err, size_t errcap);

#endif
