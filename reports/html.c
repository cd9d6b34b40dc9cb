/*
 * html.c - the summary page and the per-case pages of the HTML report
 * (html.h); the timeline itself is html_timeline.c, trends html_trends.c.
 */
#include "reports/html.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/case_artifacts.h"
#include "reports/html_escape.h"
#include "reports/html_page.h"
#include "reports/html_timeline.h"

#define MAX_COLUMNS 256

static const char case_script[] =
	"(function(){\n"
	"var box=document.getElementById('filter'),count=document.getElementById('count');\n"
	"var lines=document.querySelectorAll('#console .line');\n"
	"function apply(){var q=box.value.toLowerCase(),shown=0;\n"
	" for(var i=0;i<lines.length;i++){var hit=!q||lines[i].textContent.toLowerCase().indexOf(q)>=0;\n"
	"  lines[i].classList.toggle('hidden',!hit);if(hit)shown++;}\n"
	" count.textContent=shown+' of '+lines.length+' lines';}\n"
	"box.addEventListener('input',apply);apply();\n"
	"document.querySelectorAll('svg.timeline [data-line]').forEach(function(m){\n"
	" m.addEventListener('click',function(){\n"
	"  var l=document.getElementById('L'+m.getAttribute('data-line'));if(!l)return;\n"
	"  box.value='';apply();l.scrollIntoView({block:'center'});l.classList.add('flash');\n"
	"  setTimeout(function(){l.classList.remove('flash');},1500);});});\n"
	"document.body.setAttribute('data-ready','bars='+\n"
	" document.querySelectorAll('svg.timeline:not(.zoom) rect.bar.tftp').length+' lines='+lines.length);\n"
	"})();\n";

static double board_duration(const struct case_art_board *b)
{
	if (b->has_times)
		return b->t_end - b->t_start;
	double sum = 0;
	for (size_t i = 0; i < b->n_phases; i++)
		sum += b->phases[i].seconds;
	return b->n_phases ? sum : -1;
}

static const char *verdict_class(const struct case_art_board *b)
{
	if (strcmp(b->verdict, "passed") == 0 || strcmp(b->verdict, "failed") == 0 ||
	    strcmp(b->verdict, "skipped") == 0)
		return b->verdict;
	return "unknown";
}

static void phases_html(FILE *out, const struct case_art_board *b)
{
	if (!b->n_phases)
		return;
	fputs("<div class=\"phases\">", out);
	for (size_t i = 0; i < b->n_phases; i++) {
		fputs(i ? " &middot; " : "", out);
		fputs("<span class=\"phase\" data-phase=\"", out);
		html_escape(out, b->phases[i].name);
		fprintf(out, "\" data-seconds=\"%.3f\">", b->phases[i].seconds);
		html_escape(out, b->phases[i].name);
		fprintf(out, " %.2f s</span>", b->phases[i].seconds);
	}
	fputs("</div>", out);
}

/* ---- index ------------------------------------------------------------------ */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The boards (directory names) of a suite's cases, sorted, each once. */
static size_t suite_columns(const struct case_art_tree *t, const char *suite, const char **cols)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n_cases; i++) {
		if (strcmp(t->cases[i].suite, suite) != 0)
			continue;
		for (size_t j = 0; j < t->cases[i].n_boards; j++) {
			const char *name = t->cases[i].boards[j].dir;
			size_t k = 0;
			while (k < n && strcmp(cols[k], name) != 0)
				k++;
			if (k == n && n < MAX_COLUMNS)
				cols[n++] = name;
		}
	}
	qsort(cols, n, sizeof(*cols), str_cmp);
	return n;
}

static void index_cell(FILE *out, const struct case_art_case *c, const char *board)
{
	const struct case_art_board *b = NULL;
	for (size_t j = 0; j < c->n_boards && !b; j++)
		if (strcmp(c->boards[j].dir, board) == 0)
			b = &c->boards[j];
	if (!b) {
		fputs("<td class=\"cell none\">&ndash;</td>", out);
		return;
	}
	fprintf(out, "<td class=\"cell %s\" data-case=\"", verdict_class(b));
	html_escape(out, c->dir);
	fputs("\" data-board=\"", out);
	html_escape(out, b->dir);
	fprintf(out, "\" data-verdict=\"%s\"><a href=\"", verdict_class(b));
	html_url_segment(out, c->dir);
	fputc('/', out);
	html_url_segment(out, b->dir);
	fprintf(out, ".html\"><span class=\"verdict\">%s</span></a>",
		b->verdict[0] ? verdict_class(b) : "no result");
	double d = board_duration(b);
	if (d >= 0)
		fprintf(out, " <span class=\"dur\">%.2f s</span>", d);
	if (b->type[0]) {
		fputs(" <span class=\"type\">(", out);
		html_escape(out, b->type);
		fputs(")</span>", out);
	}
	phases_html(out, b);
	fputs("</td>", out);
}

static void index_suite(FILE *out, const struct case_art_tree *t, const char *suite)
{
	const char *cols[MAX_COLUMNS];
	size_t n_cols = suite_columns(t, suite, cols);
	fputs("<h2 class=\"suite\">suite ", out);
	html_escape(out, suite[0] ? suite : "(unknown)");
	fputs("</h2>\n<table class=\"summary\" data-suite=\"", out);
	html_escape(out, suite);
	fputs("\"><tr><th>case</th>", out);
	for (size_t k = 0; k < n_cols; k++) {
		fputs("<th class=\"board\">", out);
		html_escape(out, cols[k]);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t i = 0; i < t->n_cases; i++) {
		const struct case_art_case *c = &t->cases[i];
		if (strcmp(c->suite, suite) != 0)
			continue;
		fputs("<tr class=\"case\" data-case=\"", out);
		html_escape(out, c->dir);
		fputs("\"><th>", out);
		html_escape(out, c->kase);
		if (c->rep)
			fprintf(out, " <span class=\"rep\">#%u</span>", c->rep);
		fputs("</th>", out);
		for (size_t k = 0; k < n_cols; k++)
			index_cell(out, c, cols[k]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static int write_index(const struct case_art_tree *t, const char *out_dir, char *err, size_t errcap)
{
	char path[PATH_MAX + 32], trends[PATH_MAX + 32];
	struct html_page p;
	snprintf(path, sizeof(path), "%s/index.html", out_dir);
	int rc = html_page_open(&p, path, "pitest report", err, errcap);
	if (rc)
		return rc;
	FILE *out = p.out;
	size_t counts[4] = { 0 };
	for (size_t i = 0; i < t->n_cases; i++)
		for (size_t j = 0; j < t->cases[i].n_boards; j++) {
			const char *v = verdict_class(&t->cases[i].boards[j]);
			counts[strcmp(v, "passed") == 0 ? 0 : strcmp(v, "failed") == 0 ? 1
				: strcmp(v, "skipped") == 0 ? 2 : 3]++;
		}
	fputs("<h1>pitest report</h1>\n<p class=\"totals\">", out);
	fprintf(out,
		"<span class=\"passed\" data-count=\"%zu\">%zu passed</span>"
		"<span class=\"failed\" data-count=\"%zu\">%zu failed</span>"
		"<span class=\"skipped\" data-count=\"%zu\">%zu skipped</span>",
		counts[0], counts[0], counts[1], counts[1], counts[2], counts[2]);
	if (counts[3])
		fprintf(out, "<span class=\"unknown\">%zu without a result</span>", counts[3]);
	snprintf(trends, sizeof(trends), "%s/trends.html", out_dir);
	struct stat st;
	if (stat(trends, &st) == 0)
		fputs("<a href=\"trends.html\">trends</a>", out);
	fputs("</p>\n", out);
	if (!t->n_cases)
		fputs("<p class=\"note\">no cases in the artifacts directory</p>\n", out);
	/* One table per suite, in the order suites first appear. */
	for (size_t i = 0; i < t->n_cases; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(t->cases[j].suite, t->cases[i].suite) == 0;
		if (!seen)
			index_suite(out, t, t->cases[i].suite);
	}
	return html_page_close(&p, NULL, err, errcap);
}

/* ---- case pages -------------------------------------------------------------- */

static void artifact_link(FILE *out, const struct case_art_tree *t, const struct case_art_case *c,
			  const struct case_art_board *b, const char *page_dir, const char *file,
			  const char *label)
{
	char target[PATH_MAX * 2], rel[PATH_MAX * 2];
	snprintf(target, sizeof(target), "%s/%s/%s/%s", t->root, c->dir, b->dir, file);
	if (html_relative_path(page_dir, target, rel, sizeof(rel)) != 0)
		return;
	fprintf(out, "<a class=\"artifact\" data-artifact=\"%s\" href=\"", file);
	html_url_path(out, rel);
	fputs("\">", out);
	html_escape(out, label);
	fputs("</a>", out);
}

static void console_html(FILE *out, const struct case_art_board *b)
{
	fputs("<div class=\"console-box\"><h2>console</h2>"
	      "<input id=\"filter\" type=\"search\" placeholder=\"filter lines\" size=\"40\"> "
	      "<span id=\"count\"></span>\n<div id=\"console\">\n",
	      out);
	size_t n = 0;
	double origin = html_timeline_origin(b);
	for (size_t i = 0; i < (b->n_lines ? b->n_lines : b->n_events); i++) {
		double t;
		const char *text;
		if (b->n_lines) {
			t = b->lines[i].t;
			text = b->lines[i].text;
		} else {
			if (strcmp(b->events[i].name, "console.line") != 0)
				continue;
			t = b->events[i].t - origin;
			text = case_art_event_get(&b->events[i], "text");
			text = text ? text : "";
		}
		bool milestone = n == 0 || html_timeline_milestone(text);
		fprintf(out, "<div class=\"line%s\" id=\"L%zu\" data-t=\"%.3f\"><span class=\"ts\">[%9.3f]</span> ",
			milestone ? " milestone" : "", n, t, t);
		html_escape(out, text);
		fputs("</div>\n", out);
		n++;
	}
	if (b->dropped_lines)
		fprintf(out, "<div class=\"note\">... %zu more lines not shown</div>\n", b->dropped_lines);
	fputs("</div></div>\n", out);
}

static int write_case_page(const struct case_art_tree *t, const struct case_art_case *c,
			   struct case_art_board *b, const char *out_dir, char *err, size_t errcap)
{
	char page_dir[PATH_MAX + 300], path[PATH_MAX + 600], title[512];
	snprintf(page_dir, sizeof(page_dir), "%s/%s", out_dir, c->dir);
	snprintf(path, sizeof(path), "%s/%s.html", page_dir, b->dir);
	snprintf(title, sizeof(title), "%s on %s: %s", c->dir, b->dir, b->verdict[0] ? b->verdict : "no result");
	int rc = case_art_board_load(t, c, b);
	if (rc) {
		snprintf(err, errcap, "%s/%s/%s: out of memory reading the events", t->root, c->dir, b->dir);
		return rc;
	}
	struct html_page p;
	rc = html_page_open(&p, path, title, err, errcap);
	if (rc) {
		case_art_board_unload(b);
		return rc;
	}
	FILE *out = p.out;
	fputs("<p><a href=\"../index.html\">&larr; summary</a></p>\n<h1>", out);
	html_escape(out, c->kase);
	if (c->rep)
		fprintf(out, " #%u", c->rep);
	fputs(" on ", out);
	html_escape(out, b->dir);
	fprintf(out, ": <span class=\"verdict %s\">%s</span></h1>\n<p class=\"meta\">", verdict_class(b),
		b->verdict[0] ? verdict_class(b) : "no result");
	if (b->suite[0]) {
		fputs("suite ", out);
		html_escape(out, b->suite);
	}
	if (b->model[0]) {
		fputs(" &middot; model ", out);
		html_escape(out, b->model);
	}
	double d = board_duration(b);
	if (d >= 0)
		fprintf(out, " &middot; <span class=\"dur\">%.2f s</span>", d);
	fputs("</p>\n", out);
	phases_html(out, b);
	if (strcmp(b->verdict, "failed") == 0) {
		fputs("<div class=\"failure\" data-type=\"", out);
		html_escape(out, b->type);
		fputs("\">", out);
		if (b->type[0]) {
			fputs("<b>", out);
			html_escape(out, b->type);
			fputs("</b>: ", out);
		}
		html_escape(out, b->message[0] ? b->message : "failed");
		fputs("</div>\n", out);
	}
	if (b->note[0] || b->dropped_events) {
		fputs("<p class=\"note\">", out);
		html_escape(out, b->note);
		if (b->dropped_events)
			fprintf(out, " (%zu events past the first %d not drawn)", b->dropped_events,
				CASE_ART_MAX_ITEMS);
		fputs("</p>\n", out);
	}
	fputs("<p class=\"links\">", out);
	if (b->has_capture)
		artifact_link(out, t, c, b, page_dir, "capture.pcapng", "capture.pcapng");
	if (b->has_events)
		artifact_link(out, t, c, b, page_dir, "events.jsonl", "events.jsonl");
	if (b->has_console)
		artifact_link(out, t, c, b, page_dir, "console.log", "console.log");
	if (b->has_result)
		artifact_link(out, t, c, b, page_dir, "result.json", "result.json");
	fputs("</p>\n<div class=\"layout\"><div class=\"timeline-box\"><h2>timeline</h2>\n", out);
	html_timeline_svg(out, b);
	fputs("</div>\n", out);
	console_html(out, b);
	fputs("</div>\n", out);
	case_art_board_unload(b);
	return html_page_close(&p, case_script, err, errcap);
}

int html_report_write(const char *artifacts_dir, const char *out_dir, char *err, size_t errcap)
{
	struct case_art_tree *t = NULL;
	char out_abs[PATH_MAX];
	int rc = html_mkdirs(out_dir);
	if (rc) {
		snprintf(err, errcap, "%s: cannot create: %s", out_dir, strerror(-rc));
		return rc;
	}
	/* Absolute, so the links to the artifacts can be made relative. */
	if (!realpath(out_dir, out_abs)) {
		rc = -errno;
		snprintf(err, errcap, "%s: %s", out_dir, strerror(-rc));
		return rc;
	}
	rc = case_art_tree_load(artifacts_dir, &t, err, errcap);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->n_cases && !rc; i++)
		for (size_t j = 0; j < t->cases[i].n_boards && !rc; j++)
			rc = write_case_page(t, &t->cases[i], &t->cases[i].boards[j], out_abs, err, errcap);
	if (!rc)
		rc = write_index(t, out_abs, err, errcap);
	case_art_tree_free(t);
	return rc;
}
