/*
 * html_trends.c - OUT/trends.html from a results history (html.h).
 *
 * Runs are grouped by suite and lab (a history directory may hold several
 * nightly jobs) and put in file-name order, which is time order. What
 * counts as a regression is history.c's rule, applied to each run against
 * the one before it: history_compare(), not a second copy of it.
 */
#include "reports/html.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/history.h"
#include "harness/summary.h"
#include "reports/dir_names.h"
#include "reports/html_escape.h"
#include "reports/html_page.h"

#define CHART_W 300
#define CHART_H 140
#define CHART_L 42
#define CHART_R 10
#define CHART_T 20
#define CHART_B 22
#define MAX_NAMES 256

struct series {
	char suite[64], lab[64];
	size_t n_runs;
	struct history_run **runs;
	struct history_finding **findings; /* per run: against the run before (none for the first) */
	size_t *n_findings;
};

struct trends {
	size_t n_series;
	struct series *series;
	char *notes;                       /* files skipped, one per line */
	size_t notes_len;
};

struct chart {
	const char *scope, *name, *phase; /* data attributes */
	size_t n;                          /* points: one per run */
	const double *a, *b;               /* p50 and p95 (b NULL for a ratio chart) */
	const bool *regression;
	const struct series *s;
	bool ratio;
};

static void add_note(struct trends *tr, const char *text)
{
	size_t len = strlen(text);
	char *g = realloc(tr->notes, tr->notes_len + len + 2);
	if (!g)
		return;
	tr->notes = g;
	memcpy(tr->notes + tr->notes_len, text, len);
	tr->notes_len += len;
	tr->notes[tr->notes_len++] = '\n';
	tr->notes[tr->notes_len] = '\0';
}

static int add_run(struct trends *tr, struct history_run *run)
{
	struct series *s = NULL;
	for (size_t i = 0; i < tr->n_series && !s; i++)
		if (strcmp(tr->series[i].suite, run->suite) == 0 && strcmp(tr->series[i].lab, run->lab) == 0)
			s = &tr->series[i];
	if (!s) {
		struct series *g = realloc(tr->series, (tr->n_series + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		tr->series = g;
		s = &tr->series[tr->n_series++];
		memset(s, 0, sizeof(*s));
		snprintf(s->suite, sizeof(s->suite), "%s", run->suite);
		snprintf(s->lab, sizeof(s->lab), "%s", run->lab);
	}
	struct history_run **g = realloc(s->runs, (s->n_runs + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	s->runs = g;
	s->runs[s->n_runs++] = run;
	return 0;
}

static void trends_free(struct trends *tr)
{
	for (size_t i = 0; i < tr->n_series; i++) {
		struct series *s = &tr->series[i];
		for (size_t j = 0; j < s->n_runs; j++) {
			history_run_free(s->runs[j]);
			if (s->findings)
				free(s->findings[j]);
		}
		free(s->runs);
		free(s->findings);
		free(s->n_findings);
	}
	free(tr->series);
	free(tr->notes);
}

static bool is_json(const char *dir, const char *name)
{
	(void)dir;
	size_t len = strlen(name);
	return len >= 6 && strcmp(name + len - 5, ".json") == 0;
}

static int load_dir(const char *dir, struct trends *tr, char *err, size_t errcap)
{
	char **names = NULL;
	size_t n = 0;
	int rc = dir_names(dir, is_json, &names, &n);
	if (rc) {
		snprintf(err, errcap, "%s: cannot read: %s", dir, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char path[PATH_MAX + 256], why[1024];
		struct history_run *run = NULL;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (history_load(path, NULL, NULL, &run, why, sizeof(why)) != 0) {
			add_note(tr, why);
			continue;
		}
		rc = add_run(tr, run);
		if (rc)
			history_run_free(run);
	}
	dir_names_free(names, n);
	if (rc)
		snprintf(err, errcap, "%s: out of memory", dir);
	return rc;
}

/* Each run against the one before it, history.c's rule. */
static int compare_runs(struct series *s, const struct history_limits *lim)
{
	s->findings = calloc(s->n_runs, sizeof(*s->findings));
	s->n_findings = calloc(s->n_runs, sizeof(*s->n_findings));
	if (!s->findings || !s->n_findings)
		return -ENOMEM;
	for (size_t i = 1; i < s->n_runs; i++) {
		int n = history_compare(s->runs[i - 1], s->runs[i], lim, &s->findings[i], NULL);
		if (n < 0)
			return n;
		s->n_findings[i] = (size_t)n;
	}
	return 0;
}

static bool counts(const struct history_case *hc)
{
	return strcmp(hc->verdict, "interrupted") != 0;
}

/* p50 and p95 of a phase over a run's testcases of one model or board; NaN when none. */
static void run_percentiles(const struct history_run *run, const char *model, const char *board,
			    const char *phase, double *p50, double *p95)
{
	double *v = malloc((run->n_cases ? run->n_cases : 1) * sizeof(*v));
	size_t n = 0;
	*p50 = *p95 = NAN;
	if (!v)
		return;
	for (size_t i = 0; i < run->n_cases; i++) {
		const struct history_case *hc = &run->cases[i];
		if (!counts(hc) || (model && strcmp(hc->model, model)) || (board && strcmp(hc->board, board)))
			continue;
		for (size_t j = 0; j < hc->n_phases; j++)
			if (strcmp(hc->phases[j].name, phase) == 0) {
				v[n++] = hc->phases[j].seconds;
				break;
			}
	}
	*p95 = summary_percentile(v, n, 95);
	*p50 = summary_percentile(v, n, 50);
	free(v);
}

static bool regressed(const struct series *s, size_t run, const char *model, const char *phase)
{
	for (size_t k = 0; k < s->n_findings[run]; k++)
		if (strcmp(s->findings[run][k].model, model) == 0 &&
		    (!phase || strcmp(s->findings[run][k].phase, phase) == 0))
			return true;
	return false;
}

static double chart_x(size_t i, size_t n)
{
	double w = CHART_W - CHART_L - CHART_R;
	return n < 2 ? CHART_L + w / 2 : CHART_L + w * (double)i / (double)(n - 1);
}

static double chart_y(double v, double max)
{
	double h = CHART_H - CHART_T - CHART_B;
	return CHART_T + h - (max > 0 ? v / max : 0) * h;
}

static void chart_line(FILE *out, const double *v, size_t n, double max, const char *cls)
{
	fprintf(out, "<path class=\"line %s\" d=\"", cls);
	bool pen = false;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i])) {
			pen = false; /* a gap where the run had no figure */
			continue;
		}
		fprintf(out, "%s%.1f %.1f ", pen ? "L" : "M", chart_x(i, n), chart_y(v[i], max));
		pen = true;
	}
	fputs("\"/>", out);
}

static void chart_points(FILE *out, const struct chart *c, const double *v, const char *cls, double max,
			 const struct history_limits *lim)
{
	for (size_t i = 0; i < c->n; i++) {
		if (isnan(v[i]))
			continue;
		bool reg = c->regression && c->regression[i];
		fprintf(out,
			"<circle class=\"point %s%s\" data-run=\"%zu\" data-value=\"%.3f\" cx=\"%.1f\" "
			"cy=\"%.1f\" r=\"%d\"><title>",
			cls, reg ? " regression" : "", i, v[i], chart_x(i, c->n), chart_y(v[i], max), reg ? 5 : 3);
		html_escape(out, c->s->runs[i]->started);
		if (c->ratio)
			fprintf(out, ": pass ratio %.0f%%", v[i] * 100);
		else
			fprintf(out, ": %s %.2f s", cls, v[i]);
		for (size_t k = 0; reg && k < c->s->n_findings[i]; k++) {
			const struct history_finding *f = &c->s->findings[i][k];
			if (strcmp(f->phase, c->phase) != 0)
				continue;
			char line[512];
			history_finding_format(f, lim, line, sizeof(line));
			fputs("\nslower: ", out);
			html_escape(out, line);
		}
		fputs("</title></circle>", out);
	}
}

static void chart_svg(FILE *out, const struct chart *c, const struct history_limits *lim)
{
	double max = c->ratio ? 1 : 0;
	for (size_t i = 0; !c->ratio && i < c->n; i++) {
		if (!isnan(c->a[i]) && c->a[i] > max)
			max = c->a[i];
		if (c->b && !isnan(c->b[i]) && c->b[i] > max)
			max = c->b[i];
	}
	if (!c->ratio)
		max = max > 0 ? max * 1.1 : 1;
	size_t n_reg = 0;
	for (size_t i = 0; c->regression && i < c->n; i++)
		n_reg += c->regression[i];
	fprintf(out, "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		     "data-scope=\"%s\" data-name=\"", CHART_W, CHART_H, c->scope);
	html_escape(out, c->name);
	fputs("\" data-phase=\"", out);
	html_escape(out, c->phase);
	fprintf(out, "\" data-regressions=\"%zu\"><text x=\"4\" y=\"13\">", n_reg);
	html_escape(out, c->name);
	fputs(" &middot; ", out);
	html_escape(out, c->phase);
	fputs(c->ratio ? "" : " (s)", out);
	fputs("</text>", out);
	fprintf(out,
		"<line stroke=\"#ccc\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
		"<text x=\"2\" y=\"%.1f\">0</text>",
		CHART_L, chart_y(0, max), CHART_W - CHART_R, chart_y(0, max), chart_y(0, max));
	if (c->ratio)
		fprintf(out, "<text x=\"2\" y=\"%.1f\">100%%</text>", chart_y(max, max) + 8);
	else
		fprintf(out, "<text x=\"2\" y=\"%.1f\">%.2f</text>", chart_y(max, max) + 8, max);
	if (c->n) {
		fprintf(out, "<text x=\"%d\" y=\"%d\">", CHART_L, CHART_H - 6);
		html_escape_n(out, c->s->runs[0]->started, 10);
		fprintf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", CHART_W - CHART_R,
			CHART_H - 6);
		html_escape_n(out, c->s->runs[c->n - 1]->started, 10);
		fputs("</text>", out);
	}
	chart_line(out, c->a, c->n, max, c->ratio ? "ratio" : "p50");
	if (c->b)
		chart_line(out, c->b, c->n, max, "p95");
	chart_points(out, c, c->a, c->ratio ? "ratio" : "p50", max, lim);
	if (c->b)
		chart_points(out, c, c->b, "p95", max, lim);
	fputs("</svg>", out);
}

/* Distinct values (model, board or phase names) over the series' testcases, in first-seen order. */
static size_t distinct(const struct series *s, int what, const char **out, const char *only_model)
{
	size_t n = 0;
	for (size_t r = 0; r < s->n_runs; r++)
		for (size_t i = 0; i < s->runs[r]->n_cases; i++) {
			const struct history_case *hc = &s->runs[r]->cases[i];
			if (only_model && strcmp(hc->model, only_model) != 0)
				continue;
			size_t m = what == 2 ? hc->n_phases : 1;
			for (size_t p = 0; p < m; p++) {
				const char *v = what == 0 ? hc->model : what == 1 ? hc->board : hc->phases[p].name;
				size_t k = 0;
				while (k < n && strcmp(out[k], v) != 0)
					k++;
				if (k == n && n < MAX_NAMES)
					out[n++] = v;
			}
		}
	return n;
}

static void pass_ratio(const struct history_run *run, const char *model, size_t *pass, size_t *total)
{
	*pass = *total = 0;
	for (size_t i = 0; i < run->n_cases; i++) {
		const struct history_case *hc = &run->cases[i];
		if (!counts(hc) || (model && strcmp(hc->model, model) != 0))
			continue;
		(*total)++;
		*pass += strcmp(hc->verdict, "pass") == 0;
	}
}

static int series_html(FILE *out, const struct series *s, const struct history_limits *lim)
{
	const char *models[MAX_NAMES], *boards[MAX_NAMES], *phases[MAX_NAMES];
	size_t n_models = distinct(s, 0, models, NULL), n_phases = distinct(s, 2, phases, NULL);
	size_t n = s->n_runs;
	double *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
	bool *reg = calloc(n, sizeof(*reg));
	if (!a || !b || !reg) {
		free(a);
		free(b);
		free(reg);
		return -ENOMEM;
	}
	fputs("<h2 class=\"series\">suite ", out);
	html_escape(out, s->suite);
	fputs(" on lab ", out);
	html_escape(out, s->lab);
	fprintf(out, " <small>(%zu runs)</small></h2>\n", n);

	/* Pass ratios: a row per run, a column per model. */
	fputs("<table class=\"pass-ratios\"><tr><th>run</th>", out);
	for (size_t m = 0; m < n_models; m++) {
		fputs("<th>", out);
		html_escape(out, models[m]);
		fputs("</th>", out);
	}
	fputs("<th>slower phases</th></tr>\n", out);
	for (size_t r = 0; r < n; r++) {
		fputs("<tr><td>", out);
		html_escape(out, s->runs[r]->started);
		fputs("</td>", out);
		for (size_t m = 0; m < n_models; m++) {
			size_t pass, total;
			pass_ratio(s->runs[r], models[m], &pass, &total);
			fprintf(out, "<td class=\"ratio %s\" data-model=\"", pass == total ? "ratio-ok" : "ratio-bad");
			html_escape(out, models[m]);
			fprintf(out, "\" data-pass=\"%zu\" data-total=\"%zu\">%zu/%zu</td>", pass, total, pass, total);
		}
		fprintf(out, "<td class=\"regressions\" data-count=\"%zu\">", s->n_findings[r]);
		for (size_t k = 0; k < s->n_findings[r]; k++) {
			char line[512];
			history_finding_format(&s->findings[r][k], lim, line, sizeof(line));
			fputs(k ? "<br>" : "", out);
			html_escape(out, line);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n<div class=\"charts\">", out);
	for (size_t m = 0; m < n_models; m++) {
		for (size_t r = 0; r < n; r++) {
			size_t pass, total;
			pass_ratio(s->runs[r], models[m], &pass, &total);
			a[r] = total ? (double)pass / (double)total : NAN;
		}
		struct chart c = { "model", models[m], "pass ratio", n, a, NULL, NULL, s, true };
		chart_svg(out, &c, lim);
	}
	fputs("</div>\n", out);

	/* Phase durations per model, then per board of the model. */
	for (size_t m = 0; m < n_models; m++) {
		size_t n_boards = distinct(s, 1, boards, models[m]);
		fputs("<h3>model ", out);
		html_escape(out, models[m]);
		fputs("</h3>\n<div class=\"charts\">", out);
		for (size_t p = 0; p < n_phases; p++) {
			for (size_t r = 0; r < n; r++) {
				run_percentiles(s->runs[r], models[m], NULL, phases[p], &a[r], &b[r]);
				reg[r] = regressed(s, r, models[m], phases[p]);
			}
			struct chart c = { "model", models[m], phases[p], n, a, b, reg, s, false };
			chart_svg(out, &c, lim);
		}
		fputs("</div>\n", out);
		for (size_t k = 0; k < n_boards; k++) {
			fputs("<h4>board ", out);
			html_escape(out, boards[k]);
			fputs("</h4>\n<div class=\"charts\">", out);
			for (size_t p = 0; p < n_phases; p++) {
				for (size_t r = 0; r < n; r++) {
					run_percentiles(s->runs[r], NULL, boards[k], phases[p], &a[r], &b[r]);
					/* the comparison is per model: the board's model being slower marks it */
					reg[r] = regressed(s, r, models[m], phases[p]);
				}
				struct chart c = { "board", boards[k], phases[p], n, a, b, reg, s, false };
				chart_svg(out, &c, lim);
			}
			fputs("</div>\n", out);
		}
	}
	free(a);
	free(b);
	free(reg);
	return 0;
}

int html_trends_write(const char *history_dir, const char *out_dir,
		      const struct history_limits *lim, char *err, size_t errcap)
{
	struct trends tr = { 0 };
	struct history_limits defaults = { 0 };
	if (!lim)
		lim = &defaults;
	int rc = load_dir(history_dir, &tr, err, errcap);
	for (size_t i = 0; !rc && i < tr.n_series; i++)
		rc = compare_runs(&tr.series[i], lim);
	if (rc) {
		if (!err[0])
			snprintf(err, errcap, "%s: out of memory", history_dir);
		trends_free(&tr);
		return rc;
	}
	char path[PATH_MAX + 32];
	struct html_page p;
	snprintf(path, sizeof(path), "%s/trends.html", out_dir);
	rc = html_page_open(&p, path, "pitest trends", err, errcap);
	if (rc) {
		trends_free(&tr);
		return rc;
	}
	FILE *out = p.out;
	fputs("<p><a href=\"index.html\">&larr; summary</a></p>\n<h1>pitest trends</h1>\n"
	      "<p>Per-phase durations over the nightly runs: <span style=\"color:#1f5fbf\">p50</span> and "
	      "<span style=\"color:#e07000\">p95</span>; red points are regressions (slower than the run "
	      "before, by the baseline rule of <code>pitest compare</code>).</p>\n",
	      out);
	if (!tr.n_series)
		fputs("<p class=\"note\">no history files</p>\n", out);
	for (size_t i = 0; !rc && i < tr.n_series; i++)
		rc = series_html(out, &tr.series[i], lim);
	if (tr.notes) {
		fputs("<h2>skipped files</h2><pre class=\"note\">", out);
		html_escape_n(out, tr.notes, tr.notes_len);
		fputs("</pre>\n", out);
	}
	trends_free(&tr);
	if (rc) {
		html_page_abort(&p);
		snprintf(err, errcap, "%s: out of memory", path);
		return rc;
	}
	return html_page_close(&p, NULL, err, errcap);
}
