/*
 * summary.h - what repeated runs add up to: the pass ratio of every case on
 * every board, and the p50/p95 of every boot phase over the runs that
 * reached it. Pure bookkeeping, no I/O but the printing.
 */
#ifndef PITEST_SUMMARY_H
#define PITEST_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct summary;

struct summary_phase {
	const char *name;
	double seconds;
};

struct summary *summary_new(void);
void summary_free(struct summary *s);

/* One board's run of one case. 0 or -ENOMEM. */
int summary_add(struct summary *s, const char *kase, const char *board, bool passed,
		const struct summary_phase *phases, size_t n_phases);

/*
 * The p-th percentile (0..100) of n values by the nearest-rank method: the
 * smallest value with at least p% of the values at or below it. Sorts
 * `values` in place. NaN for n == 0.
 */
double summary_percentile(double *values, size_t n, double p);

/* Case x board pass ratios, then phase percentiles, as aligned text. */
void summary_print(const struct summary *s, FILE *out);

#endif
