/*
 * case_artifacts.h - reads the per-case artifacts a run leaves behind, for
 * the HTML report:
 *
 *   DIR/<case>[#<rep>]/<board>/result.json    verdict, message, phases
 *   DIR/<case>[#<rep>]/<board>/events.jsonl   the board's events (--events format)
 *   DIR/<case>[#<rep>]/<board>/console.log    "[SSSS.mmm] text" lines
 *   DIR/<case>[#<rep>]/<board>/capture.pcapng packets (may be missing)
 *
 * The tree (cases, boards, results) is read at once; a board's events and
 * console lines only when asked, so one page's worth is in memory at a time.
 * Everything is bounded: lines are cut at CASE_ART_MAX_TEXT bytes, and past
 * CASE_ART_MAX_ITEMS events or lines the rest is counted, not kept.
 */
#ifndef PITEST_CASE_ARTIFACTS_H
#define PITEST_CASE_ARTIFACTS_H

#include <stdbool.h>
#include <stddef.h>

#define CASE_ART_MAX_PHASES 16
#define CASE_ART_MAX_TEXT 4096
#define CASE_ART_MAX_ITEMS 200000

struct json_object;

struct case_art_event {
	double t;                  /* as written: the run's timeline seconds */
	const char *name;          /* "tftp.rrq"; points into obj */
	struct json_object *obj;   /* the whole line, owned */
};

struct case_art_line {
	double t;                  /* seconds since the board's run start */
	char *text;
};

struct case_art_phase {
	char name[32];
	double seconds;
};

struct case_art_board {
	char dir[256];             /* the board's directory name */
	bool has_result, has_events, has_console, has_capture;
	char suite[64], kase[128], board[64], model[32];
	char verdict[16];          /* "passed", "failed", "skipped", "" = no result.json */
	char type[32];
	char *message;             /* never NULL */
	double t_start, t_end;
	bool has_times;
	size_t n_phases;
	struct case_art_phase phases[CASE_ART_MAX_PHASES];
	char note[256];            /* what could not be read, for the page; "" if all */
	/* Filled by case_art_board_load(), emptied by case_art_board_unload(). */
	size_t n_events, dropped_events;
	struct case_art_event *events;
	size_t n_lines, dropped_lines;
	struct case_art_line *lines;
};

struct case_art_case {
	char dir[256];             /* "<case>" or "<case>#<rep>" */
	char kase[128];            /* the case name (result.json's, else dir before '#') */
	char suite[64];            /* the first board's suite, "" when unknown */
	unsigned rep;              /* 0 when the directory names none */
	size_t n_boards;
	struct case_art_board *boards;
};

struct case_art_tree {
	char root[4096];           /* the artifacts directory, made absolute */
	size_t n_cases;
	struct case_art_case *cases;
};

/*
 * Reads DIR's case directories (names starting with '.' skipped), sorted by
 * name, and each board's result.json. A board without result.json or with
 * a broken one is kept with a note. 0, or -errno with a message in err.
 */
int case_art_tree_load(const char *dir, struct case_art_tree **ret_tree, char *err, size_t errcap);
void case_art_tree_free(struct case_art_tree *tree);

/* Reads a board's events.jsonl and console.log (missing ones are empty). 0 or -ENOMEM. */
int case_art_board_load(const struct case_art_tree *tree, const struct case_art_case *c,
			struct case_art_board *b);
void case_art_board_unload(struct case_art_board *b);

/* Field `key` of an event as a string (numbers printed), or NULL. */
const char *case_art_event_get(const struct case_art_event *ev, const char *key);

#endif
