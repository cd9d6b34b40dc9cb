/*
 * artifacts.c - per-run files under the artifacts directory (artifacts.h).
 */
#include "harness/artifacts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness/timeline.h"

void artifacts_default_dir(const char *junit_path, char *out, size_t cap)
{
	const char *slash = strrchr(junit_path, '/');
	const char *base = slash ? slash + 1 : junit_path;
	size_t base_len = strlen(base);
	if (base_len > 4 && strcmp(base + base_len - 4, ".xml") == 0)
		base_len -= 4;
	/* "report.xml" -> "report-artifacts", "out/r.xml" -> "out/r-artifacts" */
	int dir_len = slash ? (int)(slash - junit_path) + 1 : 0;
	snprintf(out, cap, "%.*s%.*s-artifacts", dir_len, junit_path, (int)base_len, base);
}

void artifacts_safe_name(const char *name, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = name; *p && n + 1 < cap; p++) {
		unsigned char ch = (unsigned char)*p;
		bool ok = isalnum(ch) || strchr("_-+#", ch) || (ch == '.' && n > 0);
		out[n++] = ok && ch ? (char)ch : '_';
	}
	if (n == 0 && cap > 1)
		out[n++] = '_';
	if (cap)
		out[n] = '\0';
}

int artifacts_mkdirs(const char *dir, char *err, size_t errcap)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s", dir) >= sizeof(path)) {
		snprintf(err, errcap, "%.80s...: path too long", dir);
		return -ENAMETOOLONG;
	}
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char was = *p;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			int e = errno;
			snprintf(err, errcap, "cannot make directory %s: %s", path, strerror(e));
			return -e;
		}
		if (!was)
			break;
		*p = was;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errcap, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

int artifacts_run_dir(const char *root, const char *label, const char *board, char *out,
		      size_t cap)
{
	char safe_label[128], safe_board[128];
	artifacts_safe_name(label, safe_label, sizeof(safe_label));
	artifacts_safe_name(board, safe_board, sizeof(safe_board));
	int n = snprintf(out, cap, "%s/%s/%s", root, safe_label, safe_board);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int artifacts_link_prefix(const char *root, char *out, size_t cap)
{
	char real_root[PATH_MAX], real_base[PATH_MAX];
	if (!realpath(root, real_root))
		return -errno;
	const char *base = getenv("CI_PROJECT_DIR");
	if (!base || !*base)
		base = ".";
	size_t n = 0;
	if (realpath(base, real_base)) {
		n = strlen(real_base);
		if (n == 1) /* "/": everything is under it; keep the path absolute */
			n = 0;
		else if (strncmp(real_root, real_base, n) != 0 || (real_root[n] != '/' && real_root[n]))
			n = 0;
	}
	const char *rel = n ? real_root + n + (real_root[n] == '/') : real_root;
	int w = snprintf(out, cap, "%s%s", rel, *rel ? "/" : "");
	return w < 0 || (size_t)w >= cap ? -ENAMETOOLONG : 0;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t cap, char *err,
		     size_t errcap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	if (!f)
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
	return f;
}

static int close_checked(FILE *f, const char *path, char *err, size_t errcap)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		int e = errno ? errno : EIO;
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

/* "[0012.345] text": seconds since the run began, to the millisecond. */
static void write_console_line(FILE *f, double since, const char *text)
{
	if (since < 0)
		since = 0;
	unsigned long long ms = (unsigned long long)(since * 1000.0 + 0.5);
	fprintf(f, "[%04llu.%03llu] %s\n", ms / 1000, ms % 1000, text ? text : "");
}

static int write_logs(const char *dir, const struct timeline *tl, size_t from, size_t to,
		      const struct artifacts_run *run, char *err, size_t errcap)
{
	char console_path[PATH_MAX + 32], events_path[PATH_MAX + 32];
	FILE *console = open_in(dir, ARTIFACT_CONSOLE, console_path, sizeof(console_path), err, errcap);
	if (!console)
		return -errno;
	FILE *events = open_in(dir, ARTIFACT_EVENTS, events_path, sizeof(events_path), err, errcap);
	if (!events) {
		int e = errno;
		fclose(console);
		return -e;
	}
	for (size_t i = from; i < to; i++) {
		const struct event *ev = timeline_get(tl, i);
		if (!ev || strcmp(ev->board, run->board) != 0)
			continue;
		event_write_jsonl(ev, events);
		if (strcmp(ev->name, "console.line") == 0)
			write_console_line(console, ev->t - run->t_start, event_get(ev, "text"));
	}
	int rc = close_checked(console, console_path, err, errcap);
	int rc2 = close_checked(events, events_path, rc ? NULL : err, rc ? 0 : errcap);
	return rc ? rc : rc2;
}

/* Seconds as JSON numbers with a fixed number of decimals. */
static json_object *seconds(double s)
{
	char text[48];
	snprintf(text, sizeof(text), "%.6f", s);
	return json_object_new_double_s(s, text);
}

static int write_result(const char *dir, const struct artifacts_run *run, char *err,
			size_t errcap)
{
	json_object *o = json_object_new_object(), *phases = json_object_new_object();
	if (!o || !phases) {
		json_object_put(o);
		json_object_put(phases);
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	json_object_object_add(o, "suite", json_object_new_string(run->suite));
	json_object_object_add(o, "case", json_object_new_string(run->case_name));
	json_object_object_add(o, "repetition", json_object_new_int((int)run->repetition));
	json_object_object_add(o, "board", json_object_new_string(run->board));
	json_object_object_add(o, "model", json_object_new_string(run->model));
	json_object_object_add(o, "verdict", json_object_new_string(run->verdict));
	json_object_object_add(o, "message", json_object_new_string(run->message ? run->message : ""));
	json_object_object_add(o, "type", json_object_new_string(run->type ? run->type : ""));
	json_object_object_add(o, "t_start", seconds(run->t_start));
	json_object_object_add(o, "t_end", seconds(run->t_end));
	for (size_t i = 0; i < run->n_phases; i++)
		json_object_object_add(phases, run->phases[i].name, seconds(run->phases[i].seconds));
	json_object_object_add(o, "phases", phases);
	char path[PATH_MAX + 32];
	FILE *f = open_in(dir, ARTIFACT_RESULT, path, sizeof(path), err, errcap);
	int rc = f ? 0 : -errno;
	if (f) {
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE), f);
		fputc('\n', f);
		rc = close_checked(f, path, err, errcap);
	}
	json_object_put(o);
	return rc;
}

int artifacts_write_run(const char *dir, const struct timeline *tl, size_t from, size_t to,
			const struct artifacts_run *run, char *err, size_t errcap)
{
	int rc = artifacts_mkdirs(dir, err, errcap);
	if (rc == 0)
		rc = write_logs(dir, tl, from, to, run, err, errcap);
	if (rc == 0)
		rc = write_result(dir, run, err, errcap);
	return rc;
}
