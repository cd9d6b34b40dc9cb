/*
 * case_artifacts.c - the artifacts tree of a run, read for the HTML report.
 */
#include "reports/case_artifacts.h"
#include "reports/dir_names.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Subdirectories only: the cases, then their boards. */
static bool is_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	if (strlen(name) >= 256)
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The subdirectories of `dir` not starting with '.', sorted. -errno on failure. */
static int list_dirs(const char *dir, char ***ret_names, size_t *ret_n)
{
	return dir_names(dir, is_dir, ret_names, ret_n);
}

static void free_names(char **names, size_t n)
{
	dir_names_free(names, n);
}

static void get_str(json_object *o, const char *key, char *out, size_t cap)
{
	json_object *v;
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, cap, "%s", json_object_get_string(v));
}

static bool get_num(json_object *o, const char *key, double *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

/* result.json into b; a broken or missing one leaves a note. */
static void read_result(const char *path, struct case_art_board *b)
{
	if (!is_file(path)) {
		snprintf(b->note, sizeof(b->note), "no result.json");
		return;
	}
	json_object *root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(b->note, sizeof(b->note), "result.json: not a JSON object");
		json_object_put(root);
		return;
	}
	b->has_result = true;
	get_str(root, "suite", b->suite, sizeof(b->suite));
	get_str(root, "case", b->kase, sizeof(b->kase));
	get_str(root, "board", b->board, sizeof(b->board));
	get_str(root, "model", b->model, sizeof(b->model));
	get_str(root, "verdict", b->verdict, sizeof(b->verdict));
	get_str(root, "type", b->type, sizeof(b->type));
	json_object *v;
	if (json_object_object_get_ex(root, "message", &v) && json_object_is_type(v, json_type_string)) {
		char *m = strdup(json_object_get_string(v));
		if (m) {
			free(b->message);
			b->message = m;
		}
	}
	b->has_times = get_num(root, "t_start", &b->t_start) && get_num(root, "t_end", &b->t_end);
	json_object *phases;
	if (json_object_object_get_ex(root, "phases", &phases) &&
	    json_object_is_type(phases, json_type_object)) {
		json_object_object_foreach(phases, key, val)
		{
			if (b->n_phases == CASE_ART_MAX_PHASES)
				break;
			if (!json_object_is_type(val, json_type_double) &&
			    !json_object_is_type(val, json_type_int))
				continue;
			struct case_art_phase *p = &b->phases[b->n_phases++];
			snprintf(p->name, sizeof(p->name), "%s", key);
			p->seconds = json_object_get_double(val);
		}
	}
	json_object_put(root);
}

static int load_case(const char *root, const char *name, struct case_art_case *c)
{
	char dir[PATH_MAX];
	snprintf(c->dir, sizeof(c->dir), "%s", name);
	snprintf(c->kase, sizeof(c->kase), "%s", name);
	char *hash = strrchr(c->kase, '#');
	if (hash) {
		char *end;
		unsigned long rep = strtoul(hash + 1, &end, 10);
		if (hash[1] && !*end && rep > 0 && rep < 1000000) {
			c->rep = (unsigned)rep;
			*hash = '\0';
		}
	}
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	char **boards;
	size_t n;
	int rc = list_dirs(dir, &boards, &n);
	if (rc)
		return rc;
	c->boards = calloc(n ? n : 1, sizeof(*c->boards));
	if (!c->boards) {
		free_names(boards, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct case_art_board *b = &c->boards[c->n_boards++];
		char path[PATH_MAX + 300];
		snprintf(b->dir, sizeof(b->dir), "%s", boards[i]);
		snprintf(b->board, sizeof(b->board), "%s", boards[i]);
		b->message = strdup("");
		if (!b->message) {
			free_names(boards, n);
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), "%s/%s/result.json", dir, boards[i]);
		read_result(path, b);
		snprintf(path, sizeof(path), "%s/%s/events.jsonl", dir, boards[i]);
		b->has_events = is_file(path);
		snprintf(path, sizeof(path), "%s/%s/console.log", dir, boards[i]);
		b->has_console = is_file(path);
		snprintf(path, sizeof(path), "%s/%s/capture.pcapng", dir, boards[i]);
		b->has_capture = is_file(path);
		if (b->kase[0] && !hash)
			snprintf(c->kase, sizeof(c->kase), "%s", b->kase);
		if (!c->suite[0])
			snprintf(c->suite, sizeof(c->suite), "%s", b->suite);
	}
	free_names(boards, n);
	return 0;
}

int case_art_tree_load(const char *dir, struct case_art_tree **ret_tree, char *err, size_t errcap)
{
	struct case_art_tree *tree = calloc(1, sizeof(*tree));
	if (!tree) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	if (!realpath(dir, tree->root)) {
		int e = errno;
		snprintf(err, errcap, "%s: %s", dir, strerror(e));
		free(tree);
		return -e;
	}
	char **names;
	size_t n;
	int rc = list_dirs(tree->root, &names, &n);
	if (rc) {
		snprintf(err, errcap, "%s: cannot read: %s", dir, strerror(-rc));
		free(tree);
		return rc;
	}
	tree->cases = calloc(n ? n : 1, sizeof(*tree->cases));
	if (!tree->cases)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = load_case(tree->root, names[i], &tree->cases[i]);
		tree->n_cases = i + 1;
		if (rc)
			snprintf(err, errcap, "%s/%s: cannot read: %s", dir, names[i], strerror(-rc));
	}
	free_names(names, n);
	if (rc) {
		case_art_tree_free(tree);
		return rc;
	}
	*ret_tree = tree;
	return 0;
}

void case_art_tree_free(struct case_art_tree *tree)
{
	if (!tree)
		return;
	for (size_t i = 0; i < tree->n_cases; i++) {
		struct case_art_case *c = &tree->cases[i];
		for (size_t j = 0; j < c->n_boards; j++) {
			case_art_board_unload(&c->boards[j]);
			free(c->boards[j].message);
		}
		free(c->boards);
	}
	free(tree->cases);
	free(tree);
}

/* One line of a file, cut at CASE_ART_MAX_TEXT; the rest of a long line skipped. */
static bool read_line(FILE *f, char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, f))
		return false;
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\n') {
		buf[--len] = '\0';
	} else {
		int ch;
		while ((ch = fgetc(f)) != EOF && ch != '\n')
			;
	}
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return true;
}

static int load_events(const char *path, struct case_art_board *b)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	static char line[CASE_ART_MAX_TEXT * 4];
	size_t cap = 0;
	int rc = 0;
	while (read_line(f, line, sizeof(line))) {
		json_object *o = json_tokener_parse(line);
		json_object *name = NULL, *t = NULL;
		if (!o || !json_object_is_type(o, json_type_object) ||
		    !(json_object_object_get_ex(o, "event", &name) ||
		      json_object_object_get_ex(o, "name", &name)) ||
		    !json_object_is_type(name, json_type_string) ||
		    !json_object_object_get_ex(o, "t", &t)) {
			json_object_put(o); /* not an event line: skipped */
			continue;
		}
		if (b->n_events == CASE_ART_MAX_ITEMS) {
			b->dropped_events++;
			json_object_put(o);
			continue;
		}
		if (b->n_events == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct case_art_event *g = realloc(b->events, ncap * sizeof(*g));
			if (!g) {
				json_object_put(o);
				rc = -ENOMEM;
				break;
			}
			b->events = g;
			cap = ncap;
		}
		struct case_art_event *ev = &b->events[b->n_events++];
		ev->t = json_object_get_double(t);
		ev->name = json_object_get_string(name);
		ev->obj = o;
	}
	fclose(f);
	return rc;
}

/* "[SSSS.mmm] text"; a line without the stamp (a wrapped one) takes the last time. */
static int load_console(const char *path, struct case_art_board *b)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	static char line[CASE_ART_MAX_TEXT];
	size_t cap = 0;
	double last_t = 0;
	int rc = 0;
	while (read_line(f, line, sizeof(line))) {
		const char *text = line;
		double t = last_t;
		if (line[0] == '[') {
			char *end;
			double v = strtod(line + 1, &end);
			if (end != line + 1 && *end == ']' && v >= 0) {
				t = v;
				text = end + 1;
				if (*text == ' ')
					text++;
			}
		}
		last_t = t;
		if (b->n_lines == CASE_ART_MAX_ITEMS) {
			b->dropped_lines++;
			continue;
		}
		if (b->n_lines == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct case_art_line *g = realloc(b->lines, ncap * sizeof(*g));
			if (!g) {
				rc = -ENOMEM;
				break;
			}
			b->lines = g;
			cap = ncap;
		}
		struct case_art_line *l = &b->lines[b->n_lines];
		l->t = t;
		if (!(l->text = strdup(text))) {
			rc = -ENOMEM;
			break;
		}
		b->n_lines++;
	}
	fclose(f);
	return rc;
}

int case_art_board_load(const struct case_art_tree *tree, const struct case_art_case *c,
			struct case_art_board *b)
{
	char path[PATH_MAX + 600];
	case_art_board_unload(b);
	snprintf(path, sizeof(path), "%s/%s/%s/events.jsonl", tree->root, c->dir, b->dir);
	int rc = load_events(path, b);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s/%s/console.log", tree->root, c->dir, b->dir);
		rc = load_console(path, b);
	}
	if (rc)
		case_art_board_unload(b);
	return rc;
}

void case_art_board_unload(struct case_art_board *b)
{
	for (size_t i = 0; i < b->n_events; i++)
		json_object_put(b->events[i].obj);
	free(b->events);
	b->events = NULL;
	b->n_events = b->dropped_events = 0;
	for (size_t i = 0; i < b->n_lines; i++)
		free(b->lines[i].text);
	free(b->lines);
	b->lines = NULL;
	b->n_lines = b->dropped_lines = 0;
}

const char *case_art_event_get(const struct case_art_event *ev, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(ev->obj, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}
