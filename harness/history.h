/*
 * history.h - a results history, one JSON file per run, and the comparison
 * of a run's phase durations with a baseline run's.
 *
 * A history file (DIR/<UTC time>-<suite>-<lab>.json, the time it was
 * written to the millisecond, "20261202T020004.123Z", so names sort in time
 * order):
 *
 *   { "format": "pitest-history/1", "suite": "full-boot", "lab": "bench",
 *     "started": "2026-12-02T02:00:04Z", "pitest_version": "0.1.0",
 *     "time_scale": 1,
 *     "testcases": [
 *       { "case": "power-on-to-login", "board": "pi4b-1", "model": "pi4b",
 *         "repetition": 1, "verdict": "fail", "failure_class": "tftp",
 *         "evidence": "tftp: start4.elf: File not found (error 1) at 2.31 s",
 *         "time": 14.2, "phases": { "boot-dhcp": 1.02, "firmware": 3.1 } } ] }
 *
 * verdict is "pass", "fail" or "interrupted"; failure_class and evidence
 * are null unless it failed.
 *
 * The comparison is per case x model: the p50 (nearest rank) of each phase
 * over every testcase of that case on boards of that model, interrupted
 * ones left out, against the same in the baseline. Per model, not per
 * board, so a history outlives a board being swapped or renamed, and the
 * boards of one model pool their samples. A phase is slower when
 *   p50 > baseline p50 x max_slowdown + slack
 * (the slack keeps phases of a few tenths of a second from flapping), or
 * over its absolute budget (--budget PHASE=SECONDS), baseline or not.
 */
#ifndef PITEST_HISTORY_H
#define PITEST_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HISTORY_MAX_PHASES 16
#define HISTORY_MAX_BUDGETS 16
#define HISTORY_DEFAULT_MAX_SLOWDOWN 1.25
#define HISTORY_DEFAULT_SLACK_S 0.2

struct history_phase {
	char name[24];
	double seconds;
};

struct history_case {
	char kase[64];
	char board[32];
	char model[16];
	unsigned repetition;       /* 1-based */
	char verdict[12];          /* "pass", "fail", "interrupted" */
	char failure_class[16];    /* "" unless failed */
	char evidence[512];        /* "" unless failed */
	double time_s;
	size_t n_phases;
	struct history_phase phases[HISTORY_MAX_PHASES];
};

struct history_run {
	char path[512];            /* where it was read from or written to ("" = neither) */
	char suite[64];
	char lab[64];
	char started[32];          /* ISO 8601 UTC, "2026-12-02T02:00:04Z" */
	char version[32];          /* "" when unknown */
	double time_scale;         /* 0 when unknown */
	size_t n_cases, cap_cases;
	struct history_case *cases;
};

struct history_budget {
	char phase[24];
	double seconds;
};

/* What counts as slower. Zero fields take the defaults above. */
struct history_limits {
	double max_slowdown;       /* ratio, > 1 */
	double slack_s;            /* absolute seconds added to the allowance */
	bool slack_set;            /* slack_s was given (it may be 0) */
	size_t n_budgets;
	struct history_budget budgets[HISTORY_MAX_BUDGETS];
};

/* One phase that is slower than allowed. */
struct history_finding {
	char kase[64];
	char model[16];
	char phase[24];
	double p50, base_p50;      /* base_p50 < 0: over its budget, no baseline figure */
	double allowed;            /* the p50 that would have passed */
	double budget_s;           /* > 0 when the absolute budget was what failed */
	size_t n, base_n;          /* samples */
};

/* An empty run to fill. NULL on allocation failure. */
struct history_run *history_run_new(const char *suite, const char *lab, const char *started,
				    const char *version, double time_scale);
void history_run_free(struct history_run *run);
/* Appends a testcase (copied). 0 or -ENOMEM. */
int history_run_add(struct history_run *run, const struct history_case *hc);

/* "2026-12-02T02:00:04Z" for `t` (UTC) into buf[32]. */
void history_format_time(long long t, char *buf, size_t cap);

/*
 * Writes the run as DIR/<UTC time>-<suite>-<lab>.json (created, never
 * overwritten: "-2", "-3"... when the name is taken), creating DIR if it is
 * missing. Sets run->path. 0 or -errno, with one message in err.
 */
int history_write(const char *dir, struct history_run *run, char *err, size_t errcap);

/*
 * Reads a history file, or for a directory its newest file (by name, the
 * names start with the UTC time). When `suite` and `lab` are given, a
 * directory's newest file of that suite and lab. 0 or -errno (-ENOENT: none,
 * -EINVAL: not a history file) with "FILE: what was expected" in err.
 */
int history_load(const char *path, const char *suite, const char *lab,
		 struct history_run **ret_run, char *err, size_t errcap);

/*
 * "PHASE=SECONDS" (SECONDS a number, an "s" suffix allowed) added to the
 * limits. 0, or -EINVAL with a message, -ENOSPC when there are too many.
 */
int history_parse_budget(const char *arg, struct history_limits *lim, char *err, size_t errcap);

/*
 * The comparison options, shared by `pitest run` and `pitest compare`:
 * `name` is "max-slowdown" (a ratio, >= 1), "slack" (seconds, >= 0) or
 * "budget" (PHASE=SECONDS, repeatable). 0, or -EINVAL with a message.
 */
int history_parse_option(const char *name, const char *arg, struct history_limits *lim,
			 char *err, size_t errcap);

/*
 * Compares `cur` with `base` (NULL: budgets only). Returns the number of
 * findings (their array, malloc'd, in *ret_findings; NULL when none) or
 * -ENOMEM. `compared`, if not NULL, gets how many case x model x phase
 * figures had something to compare with.
 */
int history_compare(const struct history_run *base, const struct history_run *cur,
		    const struct history_limits *lim, struct history_finding **ret_findings,
		    size_t *compared);

/* "phase firmware of power-on-to-login on pi4b: p50 3.10 s, baseline 2.05 s (1.51x), budget 1.25x + 0.20 s" */
size_t history_finding_format(const struct history_finding *f, const struct history_limits *lim,
			      char *buf, size_t cap);

/*
 * Compares and prints a line per finding (prefixed "slower: ") to `out`
 * and notes (different time scales, nothing in common) to `notes`.
 * Returns the number of findings, or -ENOMEM.
 */
int history_report(const struct history_run *base, const struct history_run *cur,
		   const struct history_limits *lim, FILE *out, FILE *notes);

#endif
