/*
 * summary.c - pass ratios per case and board, phase percentiles, for
 * `--repeat N` runs. Rows and phases keep the order they were first seen.
 */
#include "harness/summary.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct row {
	char kase[64];
	char board[32];
	unsigned runs, passed;
};

struct phase {
	char name[24];
	double *seconds;
	size_t n, cap;
};

struct summary {
	struct row *rows;
	size_t n_rows, cap_rows;
	struct phase *phases;
	size_t n_phases, cap_phases;
};

struct summary *summary_new(void)
{
	return calloc(1, sizeof(struct summary));
}

void summary_free(struct summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_phases; i++)
		free(s->phases[i].seconds);
	free(s->phases);
	free(s->rows);
	free(s);
}

/* Doubles *cap (from `first`) until it holds n + 1 items of `size`. */
static int grow(void **items, size_t *cap, size_t n, size_t size, size_t first)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : first;
	void *p = realloc(*items, c * size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = c;
	return 0;
}

static struct row *row_for(struct summary *s, const char *kase, const char *board)
{
	for (size_t i = 0; i < s->n_rows; i++)
		if (!strcmp(s->rows[i].kase, kase) && !strcmp(s->rows[i].board, board))
			return &s->rows[i];
	if (grow((void **)&s->rows, &s->cap_rows, s->n_rows, sizeof(*s->rows), 16) < 0)
		return NULL;
	struct row *r = &s->rows[s->n_rows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->kase, sizeof(r->kase), "%s", kase);
	snprintf(r->board, sizeof(r->board), "%s", board);
	return r;
}

static struct phase *phase_for(struct summary *s, const char *name)
{
	for (size_t i = 0; i < s->n_phases; i++)
		if (!strcmp(s->phases[i].name, name))
			return &s->phases[i];
	if (grow((void **)&s->phases, &s->cap_phases, s->n_phases, sizeof(*s->phases), 8) < 0)
		return NULL;
	struct phase *p = &s->phases[s->n_phases++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

int summary_add(struct summary *s, const char *kase, const char *board, bool passed,
		const struct summary_phase *phases, size_t n_phases)
{
	struct row *r = row_for(s, kase, board);
	if (!r)
		return -ENOMEM;
	r->runs++;
	r->passed += passed;
	for (size_t i = 0; i < n_phases; i++) {
		struct phase *p = phase_for(s, phases[i].name);
		if (!p || grow((void **)&p->seconds, &p->cap, p->n, sizeof(*p->seconds), 16) < 0)
			return -ENOMEM;
		p->seconds[p->n++] = phases[i].seconds;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double summary_percentile(double *values, size_t n, double p)
{
	if (n == 0)
		return NAN;
	qsort(values, n, sizeof(*values), cmp_double);
	double rank = ceil(p / 100.0 * (double)n);
	size_t i = rank < 1 ? 0 : (size_t)rank - 1;
	return values[i < n ? i : n - 1];
}

void summary_print(const struct summary *s, FILE *out)
{
	fprintf(out, "pass ratio per case and board:\n");
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct row *r = &s->rows[i];
		fprintf(out, "  %-40s %-10s %u/%u %5.1f%%\n", r->kase, r->board, r->passed, r->runs,
			r->runs ? 100.0 * r->passed / r->runs : 0.0);
	}
	if (!s->n_phases)
		return;
	fprintf(out, "phase durations (s) over the runs that reached them:\n");
	for (size_t i = 0; i < s->n_phases; i++) {
		const struct phase *p = &s->phases[i];
		double *v = malloc(p->n * sizeof(*v));
		if (!v)
			return;
		memcpy(v, p->seconds, p->n * sizeof(*v));
		double p50 = summary_percentile(v, p->n, 50), p95 = summary_percentile(v, p->n, 95);
		fprintf(out, "  %-14s p50 %8.3f  p95 %8.3f  (%zu runs)\n", p->name, p50, p95, p->n);
		free(v);
	}
}
