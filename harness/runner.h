/*
 * runner.h - runs a suite on a lab, or serves a lab, on one libevent loop.
 */
#ifndef PITEST_RUNNER_H
#define PITEST_RUNNER_H

#include "harness/history.h"

enum runner_exit {
	RUNNER_EXIT_PASSED = 0,
	RUNNER_EXIT_FAILED = 1,
	RUNNER_EXIT_USAGE = 2,
	RUNNER_EXIT_INTERRUPTED = 130,
};

struct ctest_allocation;

struct runner_options {
	const char *suite_path;
	const char *lab_path;
	const char *junit_path;   /* NULL = no report */
	const char *events_path;  /* NULL = no JSON Lines file */
	const char *artifacts_dir; /* per-run files (artifacts.h); NULL = none */
	bool capture;             /* ... and a capture.pcapng per board run */
	const char *html_dir;     /* write the HTML report of the artifacts here */
	const char *self_exe;     /* the pitest binary, to start virtual boards */
	const char *only_case;    /* run only this case (NULL = all) */
	const char *only_board;   /* run only on this board (NULL = all) */
	/* boards ctest gave this run (CTEST_RESOURCE_GROUP_*, see ctest_resources.h);
	 * NULL = not run by ctest with a resource spec: every board */
	const struct ctest_allocation *ctest_boards;
	const char *lease_file;   /* serve: overrides the lab's lease_file */
	double time_scale;        /* > 0 overrides the lab's time_scale */
	unsigned repeat;          /* run the suite this many times (0 = once) */
	unsigned jobs;            /* at most this many boards at once (0 = all of a case's) */
	int progress;             /* live status: 1 on, 0 off, -1 when stdout is a terminal */
	const char *history_dir;  /* --history: this run's results as one more file there */
	const char *baseline;     /* --baseline FILE|DIR: fail when a phase got slower */
	struct history_limits limits; /* --max-slowdown, --slack, --budget */
	int verbosity;            /* 0 results only, 1 events too, 2 diagnostics too */
};

/* Returns an enum runner_exit value; reports problems on stderr once. */
int runner_run_suite(const struct runner_options *opts);
int runner_serve(const struct runner_options *opts);

#endif
