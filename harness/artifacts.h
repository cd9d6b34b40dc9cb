/*
 * artifacts.h - the files each board run leaves for people to look at.
 *
 *   DIR/<case>[#<rep>]/<board>/console.log     "[SSSS.mmm] text" per console line,
 *                                              seconds since the run began
 *   DIR/<case>[#<rep>]/<board>/events.jsonl    the board's events of the run
 *                                              (the --events format)
 *   DIR/<case>[#<rep>]/<board>/capture.pcapng  its packets (lab_capture.h)
 *   DIR/<case>[#<rep>]/<board>/result.json     verdict, message, times, phases
 *
 * DIR is --artifacts, else beside the JUnit file (out/report.xml ->
 * out/report-artifacts). The JUnit links them from each testcase.
 */
#ifndef PITEST_ARTIFACTS_H
#define PITEST_ARTIFACTS_H

#include <stdbool.h>
#include <stddef.h>

struct timeline;

#define ARTIFACT_CONSOLE "console.log"
#define ARTIFACT_EVENTS "events.jsonl"
#define ARTIFACT_CAPTURE "capture.pcapng"
#define ARTIFACT_RESULT "result.json"

/* junit_path's directory + its base name without ".xml" + "-artifacts". */
void artifacts_default_dir(const char *junit_path, char *out, size_t cap);

/* A name as one path component: characters other than letters, digits and
 * "._-+#" become '_', and so does a leading '.' (never "." or ".."). */
void artifacts_safe_name(const char *name, char *out, size_t cap);

/* Makes dir and its parents. 0 or -errno; err says which and why. */
int artifacts_mkdirs(const char *dir, char *err, size_t errcap);

/* "ROOT/<label>/<board>", both made safe (label: "case" or "case#rep"). */
int artifacts_run_dir(const char *root, const char *label, const char *board, char *out,
		      size_t cap);

/*
 * How the JUnit names files under root: relative to $CI_PROJECT_DIR when
 * set (GitLab resolves attachment paths against it), else to the working
 * directory (a Jenkins workspace), when root is inside; else absolute.
 * out gets the prefix to put before "<label>/<board>/<file>" (ends in '/').
 */
int artifacts_link_prefix(const char *root, char *out, size_t cap);

struct artifacts_phase {
	const char *name;
	double seconds;
};

struct artifacts_run {
	const char *suite, *case_name, *board, *model;
	unsigned repetition;        /* 1-based */
	const char *verdict;        /* "passed", "failed" or "skipped" */
	const char *message, *type; /* "" when it passed */
	double t_start, t_end;      /* timeline seconds */
	const struct artifacts_phase *phases;
	size_t n_phases;
};

/* Writes console.log and events.jsonl from the board's events among the
 * timeline's [from, to), and result.json, into dir. 0 or -errno. */
int artifacts_write_run(const char *dir, const struct timeline *tl, size_t from, size_t to,
			const struct artifacts_run *run, char *err, size_t errcap);

#endif
