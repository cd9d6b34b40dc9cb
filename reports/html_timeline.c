/*
 * html_timeline.c - the SVG boot timeline of one board (see html_timeline.h).
 */
#include "reports/html_timeline.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html_escape.h"

#define SVG_W 1200
#define LEFT 90               /* lane labels */
#define RIGHT 24
#define PLOT_W (SVG_W - LEFT - RIGHT)
#define AXIS_H 26
#define TFTP_ROW_H 20
#define TFTP_MAX_ROWS 32
#define GROUP_PX 4.0          /* RPC calls closer than this many pixels share a tick */
#define MAX_OPEN 64           /* TFTP transfers waiting for their end at once */

struct axis {
	double t0;            /* the event time that is 0 s on the axis */
	double from, span;    /* the seconds shown: from .. from + span */
	double end;           /* from + span */
};

struct lanes {
	double power, dhcp, tftp, nfs, console, faults, bottom; /* top y of each */
	size_t tftp_rows;
};

struct bar {
	const struct case_art_event *rrq, *end;
	double t0, t1;
	size_t row;
	bool hidden;  /* outside the view */
	bool label_left; /* near the right edge: the label ends where the bar starts */
	bool probe;   /* the firmware's existence check: read a block, then abort */
};

static double x_at(const struct axis *a, double t)
{
	if (!(t > a->from))
		t = a->from;
	if (t > a->end)
		t = a->end;
	return LEFT + (t - a->from) / a->span * PLOT_W;
}

/* Whether [t0, t1] shows at all (a zoomed view leaves most of the run out). */
static bool in_view(const struct axis *a, double t0, double t1)
{
	return t1 >= a->from - 1e-9 && t0 <= a->end + 1e-9;
}

static bool named(const struct case_art_event *ev, const char *name)
{
	return strcmp(ev->name, name) == 0;
}

static const char *field(const struct case_art_event *ev, const char *key)
{
	const char *v = case_art_event_get(ev, key);
	return v ? v : "";
}

double html_timeline_origin(const struct case_art_board *b)
{
	if (!b->has_times)
		return 0;
	/* Events on another clock (already relative) would all fall before t_start. */
	for (size_t i = 0; i < b->n_events; i++)
		if (b->events[i].t < b->t_start - 0.5)
			return 0;
	return b->t_start;
}

const char *html_timeline_milestone(const char *text)
{
	if (strstr(text, "Booting Linux"))
		return "kernel";
	if (strstr(text, "VFS: Mounted root"))
		return "root";
	if (strstr(text, "Run /sbin/init") || (strstr(text, "Run ") && strstr(text, " as init process")))
		return "init";
	if (strstr(text, "login:"))
		return "login";
	return NULL;
}

/* "2.2 MB" */
static void fmt_bytes(double v, char *buf, size_t cap)
{
	if (v >= 1e6)
		snprintf(buf, cap, "%.1f MB", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, cap, "%.1f kB", v / 1e3);
	else
		snprintf(buf, cap, "%.0f B", v);
}

static double tick_step(double span)
{
	static const double steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600 };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 12)
			return steps[i];
	return ceil(span / 12 / 3600) * 3600;
}

static void axis_svg(FILE *out, const struct axis *a, double bottom)
{
	double step = tick_step(a->span), first = ceil(a->from / step - 1e-9);
	fputs("<g class=\"axis\">", out);
	for (int i = 0; (first + i) * step <= a->end + 1e-9 && i < 1000; i++) {
		double x = x_at(a, (first + i) * step);
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
			AXIS_H - 6, x, bottom);
		fprintf(out, "<text class=\"tick-label\" x=\"%.1f\" y=\"%d\">%g s</text>", x, AXIS_H - 10,
			(first + i) * step);
	}
	fputs("</g>\n", out);
}

static void lane_svg(FILE *out, const char *name, double y, double h)
{
	fprintf(out,
		"<rect class=\"lane-bg %s\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>"
		"<text class=\"lane-label\" x=\"6\" y=\"%.1f\">%s</text>\n",
		name, LEFT, y, PLOT_W, h - 2, y + h / 2 + 4, name);
}

static void power_svg(FILE *out, const struct case_art_board *b, const struct axis *a, double y)
{
	fprintf(out, "<g class=\"lane power\" data-lane=\"power\">");
	for (size_t i = 0; i < b->n_events; i++) {
		const struct case_art_event *ev = &b->events[i];
		double t = ev->t - a->t0;
		if (named(ev, "power.on")) {
			double until = a->end;
			for (size_t j = i + 1; j < b->n_events; j++)
				if (named(&b->events[j], "power.off")) {
					until = b->events[j].t - a->t0;
					break;
				}
			double x0 = x_at(a, t), x1 = x_at(a, until);
			if (in_view(a, t, until))
				fprintf(out,
				"<rect class=\"bar power\" data-t=\"%.3f\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"10\"><title>powered %.3f-%.3f s</title></rect>",
				t, x0, y + 9, x1 - x0 > 1 ? x1 - x0 : 1, t, until);
		}
		const char *kind = named(ev, "power.on") ? "on" : named(ev, "power.off") ? "off"
				 : named(ev, "power.error") ? "error" : NULL;
		if (!kind || !in_view(a, t, t))
			continue;
		double x = x_at(a, t);
		fprintf(out,
			"<line class=\"mark power %s\" data-t=\"%.3f\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\"><title>power.%s at %.3f s",
			kind, t, x, y + 4, x, y + 24, kind, t);
		if (*field(ev, "message")) {
			fputs(": ", out);
			html_escape(out, field(ev, "message"));
		}
		fputs("</title></line>", out);
	}
	fputs("</g>\n", out);
}

struct exchange {
	const char *xid;
	double t0, t1;
	char messages[96];
};

static void dhcp_svg(FILE *out, const struct case_art_board *b, const struct axis *a, double y)
{
	enum { MAX_EX = 256 };
	static struct exchange ex[MAX_EX];
	size_t n_ex = 0;
	for (size_t i = 0; i < b->n_events; i++) {
		const struct case_art_event *ev = &b->events[i];
		const char *xid = case_art_event_get(ev, "xid");
		if (strncmp(ev->name, "dhcp.", 5) != 0 || !xid)
			continue;
		size_t k = 0;
		while (k < n_ex && strcmp(ex[k].xid, xid) != 0)
			k++;
		if (k == n_ex) {
			if (n_ex == MAX_EX)
				continue;
			ex[n_ex++] = (struct exchange){ .xid = xid, .t0 = ev->t - a->t0 };
		}
		ex[k].t1 = ev->t - a->t0;
		size_t used = strlen(ex[k].messages);
		snprintf(ex[k].messages + used, sizeof(ex[k].messages) - used, "%s%s", used ? " " : "",
			 ev->name + 5);
	}
	fputs("<g class=\"lane dhcp\" data-lane=\"dhcp\">", out);
	for (size_t k = 0; k < n_ex; k++) {
		if (!in_view(a, ex[k].t0, ex[k].t1))
			continue;
		double x0 = x_at(a, ex[k].t0), x1 = x_at(a, ex[k].t1);
		fputs("<g class=\"exchange dhcp\" data-xid=\"", out);
		html_escape(out, ex[k].xid);
		fputs("\" data-messages=\"", out);
		html_escape(out, ex[k].messages);
		fprintf(out, "\" data-t=\"%.3f\">", ex[k].t0);
		fprintf(out,
			"<rect class=\"span dhcp\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\"/>"
			"<title>DHCP xid ",
			x0 - 1, y + 14, x1 - x0 + 2);
		html_escape(out, ex[k].xid);
		fprintf(out, ": %s (%.3f-%.3f s)</title>", ex[k].messages, ex[k].t0, ex[k].t1);
		for (size_t i = 0; i < b->n_events; i++) {
			const struct case_art_event *ev = &b->events[i];
			const char *xid = case_art_event_get(ev, "xid");
			if (strncmp(ev->name, "dhcp.", 5) != 0 || !xid || strcmp(xid, ex[k].xid) != 0)
				continue;
			double t = ev->t - a->t0, x = x_at(a, t);
			if (!in_view(a, t, t))
				continue;
			fputs("<line class=\"mark dhcp ", out);
			html_escape(out, ev->name + 5);
			fprintf(out, "\" data-t=\"%.3f\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>",
				t, x, y + 6, x, y + 28);
			html_escape(out, ev->name);
			fprintf(out, " at %.3f s", t);
			if (*field(ev, "ip")) {
				fputs(" ip ", out);
				html_escape(out, field(ev, "ip"));
			}
			fputs("</title></line>", out);
		}
		fprintf(out, "<text class=\"mark-label\" x=\"%.1f\" y=\"%.1f\">", x1 + 4, y + 22);
		/* DORA: the first letter of each message */
		for (const char *m = ex[k].messages; *m; m++)
			if ((m == ex[k].messages || m[-1] == ' ') && *m >= 'a' && *m <= 'z')
				fputc(*m - 'a' + 'A', out);
		fputs("</text></g>", out);
	}
	fputs("</g>\n", out);
}

/* The TFTP bars, each rrq matched with the first later done/error of its file. */
static size_t tftp_bars(const struct case_art_board *b, const struct axis *a, struct bar **ret)
{
	struct bar *bars = NULL;
	size_t n = 0, cap = 0;
	size_t open[MAX_OPEN], n_open = 0;
	for (size_t i = 0; i < b->n_events; i++) {
		const struct case_art_event *ev = &b->events[i];
		if (named(ev, "tftp.rrq")) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct bar *g = realloc(bars, ncap * sizeof(*g));
				if (!g)
					break;
				bars = g;
				cap = ncap;
			}
			bars[n] = (struct bar){ .rrq = ev, .t0 = ev->t - a->t0, .t1 = a->end };
			if (n_open == MAX_OPEN) /* the oldest stays open for good */
				memmove(open, open + 1, --n_open * sizeof(open[0]));
			open[n_open++] = n++;
		} else if (named(ev, "tftp.done") || named(ev, "tftp.error") || named(ev, "tftp.refused") ||
			   named(ev, "tftp.timeout") || named(ev, "tftp.probe")) {
			for (size_t k = 0; k < n_open; k++) {
				struct bar *bar = &bars[open[k]];
				if (strcmp(field(bar->rrq, "file"), field(ev, "file")) != 0)
					continue;
				bar->end = ev;
				bar->t1 = ev->t - a->t0;
				bar->probe = named(ev, "tftp.probe");
				memmove(open + k, open + k + 1, (n_open - k - 1) * sizeof(open[0]));
				n_open--;
				break;
			}
		}
	}
	*ret = bars;
	return n;
}

static void bar_label(const struct bar *bar, char *buf, size_t cap, double *ret_bytes, double *ret_rate)
{
	const struct case_art_event *end = bar->end;
	const char *file = field(bar->rrq, "file");
	const char *base = strrchr(file, '/');
	base = base && base[1] ? base + 1 : file;
	*ret_bytes = -1;
	*ret_rate = -1;
	if (!end) {
		snprintf(buf, cap, "%s (no end)", base);
		return;
	}
	const char *bytes = named(end, "tftp.done") ? field(end, "bytes") : field(end, "sent");
	char size[32] = "", rate[40] = "";
	if (*bytes) {
		double v = strtod(bytes, NULL), d = bar->t1 - bar->t0;
		if (!(d > 0))
			d = strtod(field(end, "duration"), NULL);
		*ret_bytes = v;
		fmt_bytes(v, size, sizeof(size));
		if (d > 0) {
			*ret_rate = v / d;
			fmt_bytes(v / d, rate, sizeof(rate));
			strncat(rate, "/s", sizeof(rate) - strlen(rate) - 1);
		}
	}
	if (named(end, "tftp.error"))
		snprintf(buf, cap, "%s error %s %s", base, field(end, "code"), field(end, "message"));
	else if (!named(end, "tftp.done"))
		snprintf(buf, cap, "%s %s %s", base, end->name + 5, field(end, "reason"));
	else
		snprintf(buf, cap, "%s %s%s%s", base, size, *rate ? " " : "", rate);
}

/* Rows so that neither bars nor their labels overlap (labels ~6 px a character). */
static size_t place_rows(struct bar *bars, size_t n, const struct axis *a)
{
	double row_end[TFTP_MAX_ROWS];
	size_t rows = 0;
	for (size_t i = 0; i < n; i++) {
		char label[600];
		double bytes, rate;
		bars[i].hidden = !in_view(a, bars[i].t0, bars[i].t1);
		if (bars[i].probe || bars[i].hidden)
			continue; /* a probe is a mark on the first row, no label */
		bar_label(&bars[i], label, sizeof(label), &bytes, &rate);
		double x0 = x_at(a, bars[i].t0), x1 = x_at(a, bars[i].t1);
		double label_w = 6.0 * (double)strlen(label) + 8;
		bars[i].label_left = x0 + label_w > SVG_W && x0 - label_w > LEFT;
		double start = bars[i].label_left ? x0 - label_w : x0;
		double end = bars[i].label_left || x1 > x0 + label_w ? x1 : x0 + label_w;
		size_t r = 0;
		while (r < rows && row_end[r] > start)
			r++;
		if (r == TFTP_MAX_ROWS)
			r = TFTP_MAX_ROWS - 1; /* crowded: they overlap on the last row */
		if (r == rows)
			rows++;
		row_end[r] = end;
		bars[i].row = r;
	}
	return rows;
}

static void tftp_svg(FILE *out, const struct bar *bars, size_t n, const struct axis *a, double y)
{
	fputs("<g class=\"lane tftp\" data-lane=\"tftp\">", out);
	for (size_t i = 0; i < n; i++) {
		const struct bar *bar = &bars[i];
		char label[600];
		double bytes, rate;
		if (bar->hidden)
			continue;
		if (bar->probe) {
			double x = x_at(a, bar->t0);
			fprintf(out, "<line class=\"mark tftp probe\" data-t=\"%.3f\" data-file=\"", bar->t0);
			html_escape(out, field(bar->rrq, "file"));
			fprintf(out, "\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>size probe of ", x,
				y, x, y + 4);
			html_escape(out, field(bar->rrq, "file"));
			fprintf(out, " at %.3f s</title></line>", bar->t0);
			continue;
		}
		bar_label(bar, label, sizeof(label), &bytes, &rate);
		const char *status = !bar->end ? "open" : named(bar->end, "tftp.done") ? "done" : "error";
		double x0 = x_at(a, bar->t0), x1 = x_at(a, bar->t1);
		double by = y + 4 + (double)bar->row * TFTP_ROW_H;
		/* File not found (1) is how the firmware learns a file is optional: paler */
		bool missing = bar->end && named(bar->end, "tftp.error") && strcmp(field(bar->end, "code"), "1") == 0;
		fprintf(out, "<g class=\"transfer tftp %s\">", status);
		fprintf(out, "<rect class=\"bar tftp%s%s%s\" data-file=\"", strcmp(status, "done") ? " " : "",
			strcmp(status, "done") ? status : "", missing ? " missing" : "");
		html_escape(out, field(bar->rrq, "file"));
		fprintf(out, "\" data-status=\"%s\" data-t=\"%.3f\" data-duration=\"%.3f\"", status, bar->t0,
			bar->t1 - bar->t0);
		if (bytes >= 0)
			fprintf(out, " data-bytes=\"%.0f\"", bytes);
		if (rate >= 0)
			fprintf(out, " data-rate=\"%.0f\"", rate);
		fprintf(out, " x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"><title>", x0, by,
			x1 - x0 > 2 ? x1 - x0 : 2, TFTP_ROW_H - 6);
		html_escape(out, field(bar->rrq, "file"));
		fprintf(out, ": %.3f-%.3f s, ", bar->t0, bar->t1);
		html_escape(out, label);
		if (*field(bar->rrq, "options")) {
			fputs(", options ", out);
			html_escape(out, field(bar->rrq, "options"));
		}
		fprintf(out, "</title></rect><text class=\"bar-label\" x=\"%.1f\" y=\"%.1f\"%s>",
			bar->label_left ? x0 - 3 : x0 + 3, by + TFTP_ROW_H - 9,
			bar->label_left ? " text-anchor=\"end\"" : "");
		html_escape(out, label);
		fputs("</text></g>", out);
	}
	fputs("</g>\n", out);
}

static bool is_nfs(const struct case_art_event *ev)
{
	return named(ev, "rpc.call") || named(ev, "nfs.mount") || named(ev, "nfs.umount");
}

static void rpc_group_svg(FILE *out, const struct case_art_board *b, const struct axis *a, double y,
			  size_t first, size_t last, size_t count, bool bad)
{
	const struct case_art_event *ev = &b->events[first];
	double t0 = ev->t - a->t0, t1 = b->events[last].t - a->t0;
	double x0 = x_at(a, t0), x1 = x_at(a, t1);
	if (count == 1) {
		fprintf(out, "<line class=\"tick nfs rpc%s\" data-t=\"%.3f\" data-proc=\"", bad ? " bad" : "",
			t0);
		html_escape(out, field(ev, "proc"));
		fprintf(out, "\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>", x0, y + 8, x0,
			y + 24);
		html_escape(out, field(ev, "prog"));
		fputc(' ', out);
		html_escape(out, field(ev, "proc"));
		fputc(' ', out);
		html_escape(out, field(ev, "path"));
		fputc(' ', out);
		html_escape(out, field(ev, "status"));
		if (*field(ev, "fault")) {
			fputs(" fault ", out);
			html_escape(out, field(ev, "fault"));
		}
		fprintf(out, " at %.3f s</title></line>", t0);
		return;
	}
	fprintf(out,
		"<rect class=\"tick nfs rpc-group%s\" data-t=\"%.3f\" data-count=\"%zu\" x=\"%.1f\" "
		"y=\"%.1f\" width=\"%.1f\" height=\"16\"><title>%zu RPC calls, %.3f-%.3f s%s</title></rect>",
		bad ? " bad" : "", t0, count, x0 - 1, y + 8, x1 - x0 + 2, count, t0, t1,
		bad ? ", some with a fault" : "");
}

static void nfs_svg(FILE *out, const struct case_art_board *b, const struct axis *a, double y)
{
	fputs("<g class=\"lane nfs\" data-lane=\"nfs\">", out);
	size_t first = 0, last = 0, count = 0;
	bool bad = false;
	double gx = 0;
	for (size_t i = 0; i < b->n_events; i++) {
		const struct case_art_event *ev = &b->events[i];
		if (!is_nfs(ev))
			continue;
		double t = ev->t - a->t0, x = x_at(a, t);
		if (!in_view(a, t, t))
			continue;
		if (!named(ev, "rpc.call")) {
			const char *kind = ev->name + 4;
			fprintf(out, "<line class=\"tick nfs %s\" data-t=\"%.3f\" data-path=\"", kind, t);
			html_escape(out, field(ev, "path"));
			fputs("\" data-status=\"", out);
			html_escape(out, field(ev, "status"));
			fprintf(out, "\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>%s ", x, y + 2, x,
				y + 28, ev->name);
			html_escape(out, field(ev, "path"));
			fputc(' ', out);
			html_escape(out, field(ev, "status"));
			fprintf(out, " at %.3f s</title></line>", t);
			continue;
		}
		if (count && x - gx >= GROUP_PX) {
			rpc_group_svg(out, b, a, y, first, last, count, bad);
			count = 0;
		}
		if (!count) {
			first = i;
			gx = x;
			bad = false;
		}
		last = i;
		count++;
		bad = bad || *field(ev, "fault");
	}
	if (count)
		rpc_group_svg(out, b, a, y, first, last, count, bad);
	fputs("</g>\n", out);
}

static void milestone_svg(FILE *out, const struct axis *a, double y, const char *kind, size_t line,
			  double t, const char *text, unsigned nth)
{
	double x = x_at(a, t);
	fprintf(out,
		"<g class=\"milestone console\" data-milestone=\"%s\" data-line=\"%zu\" data-t=\"%.3f\">"
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		"<text class=\"mark-label\" x=\"%.1f\" y=\"%.1f\">%s</text><title>%.3f s: ",
		kind, line, t, x, y + 2, x, y + 34, x + 2, y + (nth % 2 ? 30 : 14), kind, t);
	html_escape(out, text);
	fputs("</title></g>", out);
}

static void console_svg(FILE *out, const struct case_art_board *b, const struct axis *a, double y)
{
	fputs("<g class=\"lane console\" data-lane=\"console\">", out);
	bool seen[5] = { false };
	static const char *const kinds[5] = { "first-line", "kernel", "root", "init", "login" };
	unsigned nth = 0;
	double last_px = -1;
	size_t n = b->n_lines ? b->n_lines : b->n_events;
	for (size_t i = 0, line = 0; i < n; i++) {
		double t;
		const char *text;
		if (b->n_lines) {
			t = b->lines[i].t;
			text = b->lines[i].text;
		} else {
			if (!named(&b->events[i], "console.line"))
				continue;
			t = b->events[i].t - a->t0;
			text = field(&b->events[i], "text");
		}
		double x = x_at(a, t);
		bool shown = in_view(a, t, t);
		/* one faint tick per pixel column that has output */
		if (shown && (int)x != (int)last_px)
			fprintf(out, "<line class=\"tick console\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
				(int)x, y + 30, (int)x, y + 36);
		last_px = x;
		const char *kind = line == 0 ? "first-line" : html_timeline_milestone(text);
		for (size_t k = 0; kind && k < 5; k++)
			if (strcmp(kind, kinds[k]) == 0 && !seen[k]) {
				seen[k] = true;
				if (shown)
					milestone_svg(out, a, y, kind, b->n_lines ? i : line, t, text, nth++);
			}
		line++;
	}
	fputs("</g>\n", out);
}

static void faults_svg(FILE *out, const struct case_art_board *b, const struct axis *a,
		       const struct lanes *l)
{
	fputs("<g class=\"lane faults\" data-lane=\"faults\">", out);
	unsigned n_shown = 0;
	for (size_t i = 0; i < b->n_events; i++) {
		const struct case_art_event *ev = &b->events[i];
		if (!named(ev, "fault.applied"))
			continue;
		double t = ev->t - a->t0, x = x_at(a, t);
		if (!in_view(a, t, t))
			continue;
		static const char *const keys[] = { "action", "server", "on", "file", "rule", "nth" };
		fputs("<g class=\"fault\"", out);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (!*field(ev, keys[k]))
				continue;
			fprintf(out, " data-%s=\"", keys[k]);
			html_escape(out, field(ev, keys[k]));
			fputc('"', out);
		}
		fprintf(out,
			" data-t=\"%.3f\"><line class=\"fault-line\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\"/><path class=\"fault-marker\" d=\"M%.1f %.1f l-6 -10 h12 z\"/><title>fault at "
			"%.3f s: ",
			t, x, l->power, x, l->faults + 22, x, l->faults + 20, t);
		html_escape(out, field(ev, "action"));
		fputs(" on ", out);
		html_escape(out, field(ev, "server"));
		fputc(' ', out);
		html_escape(out, field(ev, "on"));
		if (*field(ev, "file")) {
			fputc(' ', out);
			html_escape(out, field(ev, "file"));
		}
		if (*field(ev, "detail")) {
			fputs(" (", out);
			html_escape(out, field(ev, "detail"));
			fputc(')', out);
		}
		/* neighbours' labels alternate in height; near the right edge they go left */
		bool left = x + 7 + 6.0 * (double)(strlen(field(ev, "action")) + strlen(field(ev, "on")) + 1) >
			    SVG_W;
		fprintf(out, "</title><text class=\"mark-label\" x=\"%.1f\" y=\"%.1f\"%s>", left ? x - 7 : x + 7,
			l->faults + (n_shown++ % 2 ? 22 : 12), left ? " text-anchor=\"end\"" : "");
		html_escape(out, field(ev, "action"));
		fputc(' ', out);
		html_escape(out, field(ev, "on"));
		fputs("</text></g>", out);
	}
	fputs("</g>\n", out);
}

/* " at 2.31 s" in a classification's evidence: when the failing step happened. */
static bool failing_step_time(const char *message, double *ret_t)
{
	const char *p = message, *hit = NULL;
	while ((p = strstr(p, " at ")))
		hit = p++;
	if (!hit)
		return false;
	char *end;
	double t = strtod(hit + 4, &end);
	if (end == hit + 4 || strncmp(end, " s", 2) != 0 || !(t >= 0))
		return false;
	*ret_t = t;
	return true;
}

static void failure_svg(FILE *out, const struct case_art_board *b, const struct axis *a,
			const struct lanes *l)
{
	if (strcmp(b->verdict, "failed") != 0)
		return;
	double end = b->has_times ? b->t_end - b->t_start : a->end, step = end;
	bool at_step = failing_step_time(b->message, &step);
	if (b->has_times && at_step && in_view(a, end, end)) {
		double x = x_at(a, end);
		fprintf(out,
			"<line class=\"run-end\" data-t=\"%.3f\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\">"
			"<title>run ended at %.3f s</title></line>",
			end, x, AXIS_H, x, l->bottom, end);
	}
	if (!in_view(a, step, step))
		return;
	double x = x_at(a, step);
	bool right = x > LEFT + PLOT_W * 0.6; /* keep the label inside the picture */
	char msg[100];
	snprintf(msg, sizeof(msg), "%s", b->message[0] ? b->message : "failed");
	if (strlen(b->message) >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	fprintf(out,
		"<g class=\"failure-mark\" data-t=\"%.3f\" data-step=\"%s\"><line x1=\"%.1f\" y1=\"%d\" "
		"x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">&#x2717; ",
		step, at_step ? "evidence" : "end", x, AXIS_H, x, l->bottom, right ? x - 4 : x + 4,
		l->bottom - 4, right ? "end" : "start");
	html_escape(out, msg);
	fputs("</text><title>", out);
	html_escape(out, b->message);
	fputs("</title></g>\n", out);
}

/* One <svg> of the seconds from .. to; `zoom` for the firmware's TFTP close up. */
static void timeline_svg(FILE *out, const struct case_art_board *b, double t0, double from, double to,
			 bool zoom)
{
	struct axis a = { .t0 = t0, .from = from, .span = to - from, .end = to };
	struct bar *bars = NULL;
	size_t n_bars = tftp_bars(b, &a, &bars), n_transfers = 0;
	struct lanes l;
	l.tftp_rows = place_rows(bars, n_bars, &a);
	for (size_t i = 0; i < n_bars; i++)
		n_transfers += !bars[i].probe && !bars[i].hidden;
	l.power = AXIS_H;
	l.dhcp = l.power + 30;
	l.tftp = l.dhcp + 34;
	l.nfs = l.tftp + 8 + (double)(l.tftp_rows ? l.tftp_rows : 1) * TFTP_ROW_H;
	l.console = l.nfs + 32;
	l.faults = l.console + 40;
	l.bottom = l.faults + 26;

	fprintf(out,
		"<svg class=\"timeline%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		"viewBox=\"0 0 %d %.0f\" data-from=\"%.3f\" data-to=\"%.3f\" data-origin=\"%.3f\" "
		"data-tftp-bars=\"%zu\">\n",
		zoom ? " zoom" : "", SVG_W, l.bottom + 4, SVG_W, l.bottom + 4, a.from, a.end, a.t0,
		n_transfers);
	if (zoom)
		fputs("<text class=\"zoom-label\" x=\"6\" y=\"14\">TFTP, zoomed</text>\n", out);
	lane_svg(out, "power", l.power, l.dhcp - l.power);
	lane_svg(out, "dhcp", l.dhcp, l.tftp - l.dhcp);
	lane_svg(out, "tftp", l.tftp, l.nfs - l.tftp);
	lane_svg(out, "nfs", l.nfs, l.console - l.nfs);
	lane_svg(out, "console", l.console, l.faults - l.console);
	lane_svg(out, "faults", l.faults, l.bottom - l.faults);
	axis_svg(out, &a, l.bottom);
	power_svg(out, b, &a, l.power);
	dhcp_svg(out, b, &a, l.dhcp);
	tftp_svg(out, bars, n_bars, &a, l.tftp);
	nfs_svg(out, b, &a, l.nfs);
	console_svg(out, b, &a, l.console);
	faults_svg(out, b, &a, &l);
	failure_svg(out, b, &a, &l);
	fputs("</svg>\n", out);
	free(bars);
}

void html_timeline_svg(FILE *out, const struct case_art_board *b)
{
	double t0 = html_timeline_origin(b), span = 1;
	double tftp_from = INFINITY, tftp_to = -INFINITY;
	for (size_t i = 0; i < b->n_events; i++) {
		const struct case_art_event *ev = &b->events[i];
		double t = ev->t - t0;
		if (t > span)
			span = t;
		if (strncmp(ev->name, "tftp.", 5) == 0 && t >= 0) {
			tftp_from = t < tftp_from ? t : tftp_from;
			tftp_to = t > tftp_to ? t : tftp_to;
		}
	}
	for (size_t i = 0; i < b->n_lines; i++)
		if (b->lines[i].t > span)
			span = b->lines[i].t;
	if (b->has_times && b->t_end - b->t_start > span)
		span = b->t_end - b->t_start;
	if (!(span < 1e6))
		span = 1e6; /* a broken time stamp must not squash the real ones to nothing */
	span *= 1.02;   /* room for the last mark */
	timeline_svg(out, b, t0, 0, span, false);
	/*
	 * The firmware loads its files in a fraction of a second of a boot that
	 * lasts many: then the TFTP part again, close up, so its bars can be read.
	 */
	double width = tftp_to - tftp_from;
	if (width >= 0 && width < span / 4 && tftp_to < span) {
		double margin = width * 0.05 > 0.01 ? width * 0.05 : 0.01;
		double from = tftp_from - margin > 0 ? tftp_from - margin : 0;
		timeline_svg(out, b, t0, from, tftp_to + margin, true);
	}
}
