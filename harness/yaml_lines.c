/*
 * yaml_lines.c - node lines by path, and libcyaml failures turned into
 * "FILE:LINE: what was expected (got 'X')".
 *
 * libcyaml (1.3) reports a failure as one log line ("Load: Unexpected key:
 * wiat") followed by a backtrace, innermost first ("  in mapping field
 * 'steps' (line: 5, column: 7)", "  in sequence entry '2' ..."). Its line
 * numbers are those of the last event it read, which for a missing key is
 * the end of the mapping, so we rebuild the path from the backtrace and look
 * the line up in our own libyaml pass instead. If a libcyaml version logs no
 * backtrace, we fall back to our own walk of the file against the schema's
 * keys.
 */
#include "harness/yaml_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#define LOG_TRACE_MAX 32
#define LOG_LINE_MAX 256

/* snprintf whose truncation is intended: paths and messages are cut short. */
static void cut_printf(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cut_printf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

/* ---- the libyaml pass ---------------------------------------------------- */

struct frame {
	size_t node;             /* index of the collection's node */
	enum yaml_lines_kind kind;
	unsigned next_index;     /* sequences */
	bool want_key;           /* mappings: the next node is a key */
	char key[64];            /* mappings: the key whose value comes next */
	int key_line, key_column;
};

static void copy_value(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
	if (len > cap - 1 && cap > 4)
		memcpy(dst + cap - 4, "...", 4);
}

static int add_node(struct yaml_lines *yl, size_t *cap, const char *path, int line, int column,
		    enum yaml_lines_kind kind)
{
	if (yl->n_nodes >= YAML_LINES_MAX_NODES)
		return -E2BIG;
	if (yl->n_nodes == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct yaml_lines_node *n = realloc(yl->nodes, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		yl->nodes = n;
		*cap = ncap;
	}
	struct yaml_lines_node *node = &yl->nodes[yl->n_nodes++];
	memset(node, 0, sizeof(*node));
	snprintf(node->path, sizeof(node->path), "%s", path);
	node->line = line;
	node->column = column;
	node->kind = kind;
	return 0;
}

/* The text of line `index` points into, trimmed, for "(got '...')". */
static void line_at(const uint8_t *buf, size_t len, size_t index, char *out, size_t cap)
{
	if (index > len)
		index = len;
	size_t s = index, e = index;
	while (s > 0 && buf[s - 1] != '\n')
		s--;
	while (e < len && buf[e] != '\n' && buf[e] != '\r')
		e++;
	while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
		s++;
	while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
		e--;
	copy_value(out, cap, (const char *)buf + s, e - s);
}

int yaml_lines_parse(const char *file, const uint8_t *buf, size_t len,
		     struct yaml_lines **ret_lines, char *err, size_t errcap)
{
	struct yaml_lines *yl = calloc(1, sizeof(*yl));
	struct frame *stack = calloc(YAML_LINES_MAX_DEPTH, sizeof(*stack));
	yaml_parser_t parser;
	size_t cap = 0, depth = 0;
	int r = 0;
	bool done = false;

	if (!yl || !stack) {
		free(yl);
		free(stack);
		snprintf(err, errcap, "%s: out of memory", file);
		return -ENOMEM;
	}
	snprintf(yl->file, sizeof(yl->file), "%s", file);
	if (!yaml_parser_initialize(&parser)) {
		free(stack);
		free(yl);
		snprintf(err, errcap, "%s: out of memory", file);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, buf, len);

	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			char got[YAML_LINES_VALUE_MAX + 8];
			if (parser.problem_mark.index >= len)
				snprintf(got, sizeof(got), "the end of the file");
			else {
				got[0] = '\'';
				line_at(buf, len, parser.problem_mark.index, got + 1, sizeof(got) - 2);
				strcat(got, "'");
			}
			if (parser.context)
				snprintf(err, errcap,
					 "%s:%zu: expected valid YAML: %s %s from line %zu (got %s)",
					 file, parser.problem_mark.line + 1,
					 parser.problem ? parser.problem : "syntax error",
					 parser.context, parser.context_mark.line + 1, got);
			else
				snprintf(err, errcap, "%s:%zu: expected valid YAML: %s (got %s)",
					 file, parser.problem_mark.line + 1,
					 parser.problem ? parser.problem : "syntax error", got);
			r = -EINVAL;
			break;
		}

		int line = (int)ev.start_mark.line + 1, column = (int)ev.start_mark.column + 1;
		enum yaml_lines_kind kind;
		bool is_node = true;
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			kind = YAML_LINES_SCALAR;
			break;
		case YAML_SEQUENCE_START_EVENT:
			kind = YAML_LINES_SEQUENCE;
			break;
		case YAML_MAPPING_START_EVENT:
			kind = YAML_LINES_MAPPING;
			break;
		case YAML_ALIAS_EVENT:
			kind = YAML_LINES_ALIAS;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			is_node = false;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = true; /* only the first document, as libcyaml */
			is_node = false;
			break;
		default:
			is_node = false;
			break;
		}

		if (is_node) {
			char path[YAML_LINES_PATH_MAX];
			bool is_key = false;
			path[0] = '\0';
			if (depth > 0) {
				struct frame *f = &stack[depth - 1];
				const char *parent = yl->nodes[f->node].path;
				if (f->kind == YAML_LINES_SEQUENCE) {
					cut_printf(path, sizeof(path), "%s[%u]", parent, f->next_index++);
				} else if (f->want_key) {
					is_key = true;
					f->want_key = false;
					f->key_line = line;
					f->key_column = column;
					if (kind == YAML_LINES_SCALAR)
						copy_value(f->key, sizeof(f->key), (const char *)ev.data.scalar.value,
							   ev.data.scalar.length);
					else
						snprintf(f->key, sizeof(f->key), "?");
					/* a non-scalar key's children get a path nobody looks up */
					cut_printf(path, sizeof(path), "%s%s?key", parent, *parent ? "." : "");
				} else {
					f->want_key = true;
					cut_printf(path, sizeof(path), "%s%s%s", parent, *parent ? "." : "", f->key);
					line = f->key_line;
					column = f->key_column;
				}
			}
			if (!is_key || kind != YAML_LINES_SCALAR) {
				r = add_node(yl, &cap, path, line, column, kind);
				if (r == 0 && kind == YAML_LINES_SCALAR)
					copy_value(yl->nodes[yl->n_nodes - 1].value, YAML_LINES_VALUE_MAX,
						   (const char *)ev.data.scalar.value, ev.data.scalar.length);
				if (r == 0 && (kind == YAML_LINES_SEQUENCE || kind == YAML_LINES_MAPPING)) {
					if (depth >= YAML_LINES_MAX_DEPTH) {
						snprintf(err, errcap,
							 "%s:%d: expected at most %d levels of nesting (got more)",
							 file, line, YAML_LINES_MAX_DEPTH);
						r = -EINVAL;
					} else {
						struct frame *f = &stack[depth++];
						memset(f, 0, sizeof(*f));
						f->node = yl->n_nodes - 1;
						f->kind = kind;
						f->want_key = true;
					}
				}
				if (r == -E2BIG) {
					snprintf(err, errcap, "%s:%d: expected at most %d YAML nodes (got more)",
						 file, line, YAML_LINES_MAX_NODES);
					r = -EINVAL;
				} else if (r == -ENOMEM) {
					snprintf(err, errcap, "%s: out of memory", file);
				}
			}
		}
		yaml_event_delete(&ev);
		if (r < 0)
			break;
	}

	yaml_parser_delete(&parser);
	free(stack);
	if (r < 0) {
		yaml_lines_free(yl);
		return r;
	}
	*ret_lines = yl;
	return 0;
}

void yaml_lines_free(struct yaml_lines *lines)
{
	if (!lines)
		return;
	free(lines->nodes);
	free(lines);
}

const struct yaml_lines_node *yaml_lines_get(const struct yaml_lines *lines, const char *path)
{
	if (!lines)
		return NULL;
	for (size_t i = 0; i < lines->n_nodes; i++)
		if (strcmp(lines->nodes[i].path, path) == 0)
			return &lines->nodes[i];
	return NULL;
}

/* Cuts the last component off: "a.b[2]" -> "a.b" -> "a" -> "". */
static bool path_parent(char *path)
{
	size_t n = strlen(path);
	if (n == 0)
		return false;
	if (path[n - 1] == ']') {
		char *lb = strrchr(path, '[');
		if (lb) {
			*lb = '\0';
			return true;
		}
	}
	char *dot = strrchr(path, '.');
	if (dot)
		*dot = '\0';
	else
		path[0] = '\0';
	return true;
}

int yaml_lines_line(const struct yaml_lines *lines, const char *path)
{
	char p[YAML_LINES_PATH_MAX];
	snprintf(p, sizeof(p), "%s", path ? path : "");
	for (;;) {
		const struct yaml_lines_node *n = yaml_lines_get(lines, p);
		if (n)
			return n->line;
		if (!path_parent(p))
			return 1;
	}
}

int yaml_lines_fail(const struct yaml_lines *lines, const char *path, char *err, size_t errcap,
		    const char *fmt, ...)
{
	int n = snprintf(err, errcap, "%s:%d: ", lines ? lines->file : "?",
			 yaml_lines_line(lines, path));
	if (n >= 0 && (size_t)n < errcap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errcap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void yaml_lines_path(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

int yaml_lines_bool(const char *text, bool *ret_value)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*ret_value = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*ret_value = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- libcyaml's log, captured ------------------------------------------- */

struct cyaml_log {
	char message[LOG_LINE_MAX];          /* the first error, without "Load: " */
	size_t n_trace;
	char trace[LOG_TRACE_MAX][LOG_LINE_MAX]; /* innermost first */
	bool in_trace;
};

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
	__attribute__((format(printf, 3, 0)));
static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cyaml_log *log = ctx;
	char line[LOG_LINE_MAX];

	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "Load: Backtrace:", 16) == 0) {
		log->in_trace = true;
	} else if (log->in_trace && strncmp(line, "  in ", 5) == 0) {
		if (log->n_trace < LOG_TRACE_MAX)
			snprintf(log->trace[log->n_trace++], LOG_LINE_MAX, "%s", line);
	} else if (!log->message[0]) {
		const char *m = strncmp(line, "Load: ", 6) == 0 ? line + 6 : line;
		snprintf(log->message, sizeof(log->message), "%s", m);
	}
}

/* Rebuilds "cases[1].steps[0]" from the backtrace. */
static void trace_path(const struct cyaml_log *log, char *path, size_t cap)
{
	size_t n = 0;
	path[0] = '\0';
	for (size_t i = log->n_trace; i-- > 0;) {
		char name[128];
		unsigned idx;
		if (sscanf(log->trace[i], "  in mapping field '%127[^']'", name) == 1)
			n += (size_t)snprintf(path + n, cap - n, "%s%s", n ? "." : "", name);
		else if (sscanf(log->trace[i], "  in sequence entry '%u'", &idx) == 1 && idx > 0)
			n += (size_t)snprintf(path + n, cap - n, "[%u]", idx - 1); /* cyaml counts from 1 */
		if (n >= cap)
			n = cap - 1;
	}
}

/* The schema of the node at path, or NULL if the schema does not have it. */
static const cyaml_schema_value_t *schema_at(const cyaml_schema_value_t *root, const char *path)
{
	const cyaml_schema_value_t *s = root;
	const char *p = path;
	while (*p && s) {
		if (*p == '[') {
			if (s->type != CYAML_SEQUENCE && s->type != CYAML_SEQUENCE_FIXED)
				return NULL;
			s = s->sequence.entry;
			p = strchr(p, ']');
			if (!p)
				return NULL;
			p++;
			continue;
		}
		if (*p == '.')
			p++;
		size_t len = strcspn(p, ".[");
		if (s->type != CYAML_MAPPING)
			return NULL;
		const cyaml_schema_field_t *f = s->mapping.fields;
		while (f->key && !(strlen(f->key) == len && strncmp(f->key, p, len) == 0))
			f++;
		if (!f->key)
			return NULL;
		s = &f->value;
		p += len;
	}
	return s;
}

static void list_keys(const cyaml_schema_value_t *s, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	if (!s || s->type != CYAML_MAPPING)
		return;
	for (const cyaml_schema_field_t *f = s->mapping.fields; f->key && n < cap; f++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", f->key);
}

/* The keys present under a mapping node, for "(got 'a, b')". */
static void present_keys(const struct yaml_lines *yl, const char *path, char *out, size_t cap)
{
	size_t plen = strlen(path), n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < yl->n_nodes && n < cap; i++) {
		const char *p = yl->nodes[i].path;
		if (strncmp(p, path, plen) != 0)
			continue;
		const char *rest = p + plen;
		if (plen) {
			if (*rest != '.')
				continue;
			rest++;
		}
		if (!*rest || strpbrk(rest, ".["))
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", rest);
	}
}

static const char *where(const char *path)
{
	return *path ? path : "the top level";
}

static const char *kind_text(const struct yaml_lines_node *n, char *buf, size_t cap)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YAML_LINES_MAPPING:
		return "a mapping";
	case YAML_LINES_SEQUENCE:
		return "a list";
	case YAML_LINES_ALIAS:
		return "an alias";
	default:
		snprintf(buf, cap, "'%s'", n->value);
		return buf;
	}
}

/* Our own walk: the first key the schema does not know, in file order. */
static int first_unknown_key(const struct yaml_lines *yl, const cyaml_schema_value_t *schema,
			     char *err, size_t errcap)
{
	for (size_t i = 0; i < yl->n_nodes; i++) {
		char parent[YAML_LINES_PATH_MAX];
		const char *path = yl->nodes[i].path;
		size_t len = strlen(path);
		if (!len || path[len - 1] == ']')
			continue;
		snprintf(parent, sizeof(parent), "%s", path);
		path_parent(parent);
		const cyaml_schema_value_t *ps = schema_at(schema, parent);
		if (!ps || ps->type != CYAML_MAPPING || schema_at(schema, path))
			continue;
		char keys[512];
		list_keys(ps, keys, sizeof(keys));
		const char *key = path + strlen(parent) + (*parent ? 1 : 0);
		return yaml_lines_fail(yl, path, err, errcap, "expected one of the keys %s in %s (got '%s')",
				       keys, where(parent), key);
	}
	return 0;
}

static int cyaml_failure(const struct yaml_lines *yl, const struct cyaml_log *log,
			 const cyaml_schema_value_t *schema, cyaml_err_t e, char *err, size_t errcap)
{
	char path[YAML_LINES_PATH_MAX], arg[128], keys[512], got[YAML_LINES_VALUE_MAX + 8];
	char expecting[32];

	if (e == CYAML_ERR_OOM) {
		snprintf(err, errcap, "%s: out of memory", yl->file);
		return -ENOMEM;
	}
	trace_path(log, path, sizeof(path));

	if (sscanf(log->message, "Unexpected key: %127[^\n]", arg) == 1) {
		char target[YAML_LINES_PATH_MAX];
		cut_printf(target, sizeof(target), "%s%s%s", path, *path ? "." : "", arg);
		list_keys(schema_at(schema, path), keys, sizeof(keys));
		return yaml_lines_fail(yl, target, err, errcap, "expected one of the keys %s in %s (got '%s')",
				       keys, where(path), arg);
	}
	if (sscanf(log->message, "Missing required mapping field: %127[^\n]", arg) == 1) {
		/*
		 * The backtrace may end in the last field read inside the
		 * mapping that lacks the key: climb to the mapping that has it.
		 */
		char at[YAML_LINES_PATH_MAX];
		snprintf(at, sizeof(at), "%s", path);
		for (;;) {
			const cyaml_schema_value_t *s = schema_at(schema, at);
			if (s && s->type == CYAML_MAPPING) {
				const cyaml_schema_field_t *f = s->mapping.fields;
				while (f->key && strcmp(f->key, arg) != 0)
					f++;
				if (f->key) {
					snprintf(path, sizeof(path), "%s", at);
					break;
				}
			}
			if (!path_parent(at))
				break;
		}
		present_keys(yl, path, keys, sizeof(keys));
		if (keys[0])
			return yaml_lines_fail(yl, path, err, errcap, "expected key '%s' in %s (got only '%s')",
					       arg, where(path), keys);
		return yaml_lines_fail(yl, path, err, errcap, "expected key '%s' in %s (got no keys)",
				       arg, where(path));
	}
	if (sscanf(log->message, "Mapping field already seen: %127[^\n]", arg) == 1) {
		/* the backtrace ends in the repeated key; point at its second use */
		int line = yaml_lines_line(yl, path);
		for (size_t i = yl->n_nodes; i-- > 0;)
			if (strcmp(yl->nodes[i].path, path) == 0) {
				line = yl->nodes[i].line;
				break;
			}
		char parent[YAML_LINES_PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", path);
		path_parent(parent);
		snprintf(err, errcap, "%s:%d: expected each key once in %s (got '%s' twice)", yl->file,
			 line, where(parent), arg);
		return -EINVAL;
	}
	if (sscanf(log->message, "Expecting %31[A-Z_]", expecting) == 1) {
		const char *want = "a single value";
		if (strcmp(expecting, "MAPPING") == 0)
			want = "a mapping (key: value)";
		else if (strncmp(expecting, "SEQUENCE", 8) == 0)
			want = "a list";
		return yaml_lines_fail(yl, path, err, errcap, "expected %s for %s (got %s)", want,
				       where(path), kind_text(yaml_lines_get(yl, path), got, sizeof(got)));
	}

	/* an unknown shape of message: our own walk may still find the cause */
	int r = first_unknown_key(yl, schema, err, errcap);
	if (r < 0)
		return r;
	return yaml_lines_fail(yl, path, err, errcap, "expected a valid %s (got: %s)", where(path),
			       log->message[0] ? log->message : cyaml_strerror(e));
}

static int read_file(const char *file, uint8_t **ret_buf, size_t *ret_len, char *err, size_t errcap)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		int r = -errno;
		snprintf(err, errcap, "%s: cannot open: %s", file, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > YAML_LINES_MAX_FILE) {
		snprintf(err, errcap, "%s: expected a regular file of at most %d bytes", file,
			 YAML_LINES_MAX_FILE);
		close(fd);
		return -EINVAL;
	}
	size_t len = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errcap, "%s: out of memory", file);
		return -ENOMEM;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;
			snprintf(err, errcap, "%s: cannot read: %s", file, strerror(-r));
			free(buf);
			close(fd);
			return r;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static const cyaml_config_t base_config = {
	.mem_fn = cyaml_mem,
	.log_level = CYAML_LOG_ERROR,
	.flags = CYAML_CFG_DEFAULT,
};

int yaml_lines_cyaml_load(const char *file, const cyaml_schema_value_t *schema,
			  void **ret_data, struct yaml_lines **ret_lines,
			  char *err, size_t errcap)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct yaml_lines *yl = NULL;
	struct cyaml_log *log = NULL;
	void *data = NULL;
	int r;

	r = read_file(file, &buf, &len, err, errcap);
	if (r < 0)
		return r;
	r = yaml_lines_parse(file, buf, len, &yl, err, errcap);
	if (r < 0)
		goto out;
	if (yl->n_nodes == 0 || yl->nodes[0].kind != YAML_LINES_MAPPING) {
		char got[YAML_LINES_VALUE_MAX + 8];
		r = yaml_lines_fail(yl, "", err, errcap, "expected a mapping of keys at the top level (got %s)",
				    yl->n_nodes ? kind_text(&yl->nodes[0], got, sizeof(got)) : "an empty file");
		goto out;
	}

	log = calloc(1, sizeof(*log));
	if (!log) {
		snprintf(err, errcap, "%s: out of memory", file);
		r = -ENOMEM;
		goto out;
	}
	cyaml_config_t cfg = base_config;
	cfg.log_fn = capture_log;
	cfg.log_ctx = log;
	cyaml_err_t e = cyaml_load_data(buf, len, &cfg, schema, (cyaml_data_t **)&data, NULL);
	if (e != CYAML_OK) {
		r = cyaml_failure(yl, log, schema, e, err, errcap);
		goto out;
	}
	if (!data) {
		r = yaml_lines_fail(yl, "", err, errcap, "expected the top-level keys (got none)");
		goto out;
	}
	*ret_data = data;
	*ret_lines = yl;
	yl = NULL;
	r = 0;
out:
	free(log);
	free(buf);
	yaml_lines_free(yl);
	return r;
}

void yaml_lines_cyaml_free(const cyaml_schema_value_t *schema, void *data)
{
	if (data)
		cyaml_free(&base_config, schema, data, 0);
}
