/*
 * progress.c - live board status (progress.h).
 */
#include "harness/progress.h"

#include <stdlib.h>
#include <string.h>

/* A terminal block longer than this summarises the rest on one line. */
#define PROGRESS_MAX_LINES 16

struct seen_state {
	char board[32];
	char state[32];
};

struct progress {
	FILE *out;
	bool tty;
	unsigned width;
	unsigned lines_drawn;     /* terminal: lines of the block on screen now */
	struct seen_state *seen;  /* plain: the last state printed per board */
	size_t n_seen, cap_seen;
};

struct progress *progress_new(FILE *out, bool tty, unsigned width)
{
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->out = out;
	p->tty = tty;
	p->width = width < 40 ? 40 : width;
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	free(p->seen);
	free(p);
}

void progress_clear(struct progress *p)
{
	if (!p || !p->tty || p->lines_drawn == 0)
		return;
	/* up to the block's first line, then erase to the end of the screen */
	fprintf(p->out, "\033[%uA\r\033[J", p->lines_drawn);
	p->lines_drawn = 0;
	fflush(p->out);
}

void progress_reset(struct progress *p)
{
	if (p)
		p->n_seen = 0;
}

/* One terminal line, cut to the width (no wrapping: it would break the redraw). */
static void put_line(struct progress *p, const char *text)
{
	size_t n = strlen(text);
	if (n > p->width - 1)
		n = p->width - 1;
	fprintf(p->out, "%.*s\n", (int)n, text);
	p->lines_drawn++;
}

static void draw_tty(struct progress *p, const struct progress_row *rows, size_t n)
{
	progress_clear(p);
	char line[512];
	size_t shown = n <= PROGRESS_MAX_LINES ? n : PROGRESS_MAX_LINES - 1;
	for (size_t i = 0; i < shown; i++) {
		snprintf(line, sizeof(line), "  %-14s %-12s %7.1fs  %s", rows[i].board, rows[i].state,
			 rows[i].elapsed_s, rows[i].last);
		put_line(p, line);
	}
	if (shown < n) {
		/* the rest, counted by state: "+ 48 more: 30 PASS, 10 firmware, 8 waiting" */
		size_t used = (size_t)snprintf(line, sizeof(line), "  + %zu more:", n - shown);
		bool *counted = calloc(n, sizeof(*counted));
		for (size_t i = shown; counted && i < n && used < sizeof(line); i++) {
			if (counted[i])
				continue;
			size_t c = 0;
			for (size_t j = i; j < n; j++)
				if (!counted[j] && strcmp(rows[j].state, rows[i].state) == 0) {
					counted[j] = true;
					c++;
				}
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s %zu %s",
						 i == shown ? "" : ",", c, rows[i].state);
		}
		free(counted);
		put_line(p, line);
	}
	fflush(p->out);
}

/* The state printed last for a board; NULL if none (adds a slot). */
static struct seen_state *seen_for(struct progress *p, const char *board)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (strcmp(p->seen[i].board, board) == 0)
			return &p->seen[i];
	if (p->n_seen == p->cap_seen) {
		size_t cap = p->cap_seen ? 2 * p->cap_seen : 16;
		struct seen_state *s = realloc(p->seen, cap * sizeof(*s));
		if (!s)
			return NULL;
		p->seen = s;
		p->cap_seen = cap;
	}
	struct seen_state *s = &p->seen[p->n_seen++];
	snprintf(s->board, sizeof(s->board), "%s", board);
	s->state[0] = '\0';
	return s;
}

static void draw_plain(struct progress *p, const struct progress_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct seen_state *s = seen_for(p, rows[i].board);
		if (!s || strcmp(s->state, rows[i].state) == 0)
			continue;
		snprintf(s->state, sizeof(s->state), "%s", rows[i].state);
		fprintf(p->out, "progress %-14s %-12s %7.1fs  %.100s\n", rows[i].board, rows[i].state,
			rows[i].elapsed_s, rows[i].last);
	}
	fflush(p->out);
}

void progress_draw(struct progress *p, const struct progress_row *rows, size_t n)
{
	if (!p)
		return;
	if (p->tty)
		draw_tty(p, rows, n);
	else
		draw_plain(p, rows, n);
}
