/*
 * progress.h - a live status of the boards while a suite runs.
 *
 * On a terminal, a block with one line per board (phase, elapsed, last
 * event) is redrawn in place at the bottom of the output; other output
 * first erases it (progress_clear) and the next draw puts it back. Not on
 * a terminal, a plain line is printed whenever a board's state changes, so
 * logs stay readable. No I/O besides writing to the FILE given.
 */
#ifndef PITEST_PROGRESS_H
#define PITEST_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct progress_row {
	const char *board;
	const char *state;   /* the phase under way, or "waiting", "PASS", "FAIL"... */
	double elapsed_s;    /* since the board's run began */
	const char *last;    /* the board's last event, one line ("" = none yet) */
};

struct progress;

/* tty: redraw in place, at most `width` columns per line. */
struct progress *progress_new(FILE *out, bool tty, unsigned width);
void progress_free(struct progress *p);

/* Shows the rows: the whole block on a terminal, the changed states otherwise. */
void progress_draw(struct progress *p, const struct progress_row *rows, size_t n);
/* Terminal: erases the block so other output can be written. Plain: nothing. */
void progress_clear(struct progress *p);
/* Forgets the rows' states (a new case begins): plain mode prints them again. */
void progress_reset(struct progress *p);

#endif
