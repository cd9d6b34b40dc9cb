/*
 * yaml_lines.h - where each node of a YAML file is, so config errors can
 * name a line.
 *
 * libcyaml turns a file into structs but only tells us *what* went wrong
 * (through its log callback, with a backtrace of field names). A quick
 * libyaml pass records the line of every node by path
 * ("cases[2].steps[1].expect.within"); the loaders use it both to place
 * libcyaml's failures and their own validation errors. Every message has
 * the shape "FILE:LINE: what was expected (got 'X')".
 */
#ifndef PITEST_YAML_LINES_H
#define PITEST_YAML_LINES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cyaml/cyaml.h>

#define YAML_LINES_PATH_MAX 160
#define YAML_LINES_VALUE_MAX 80
#define YAML_LINES_MAX_NODES 100000
#define YAML_LINES_MAX_DEPTH 64
#define YAML_LINES_MAX_FILE (4 << 20)

enum yaml_lines_kind {
	YAML_LINES_SCALAR,
	YAML_LINES_MAPPING,
	YAML_LINES_SEQUENCE,
	YAML_LINES_ALIAS,
};

struct yaml_lines_node {
	char path[YAML_LINES_PATH_MAX]; /* "" for the document's root */
	int line, column;               /* 1-based; a mapping value has its key's */
	enum yaml_lines_kind kind;
	char value[YAML_LINES_VALUE_MAX]; /* scalars: the text, cut short with "..." */
};

struct yaml_lines {
	char file[512];
	size_t n_nodes;                 /* in document order */
	struct yaml_lines_node *nodes;
};

/*
 * Records the nodes of the first document in buf. `file` is only used in
 * messages. On a YAML syntax error returns -EINVAL with a message in err.
 */
int yaml_lines_parse(const char *file, const uint8_t *buf, size_t len,
		     struct yaml_lines **ret_lines, char *err, size_t errcap);
void yaml_lines_free(struct yaml_lines *lines);

/* The node at exactly this path (the first one if a key is repeated), or NULL. */
const struct yaml_lines_node *yaml_lines_get(const struct yaml_lines *lines, const char *path);

/* The line of `path`, or of its nearest recorded ancestor; 1 if none. */
int yaml_lines_line(const struct yaml_lines *lines, const char *path);

/*
 * Writes "FILE:LINE: " and the formatted text into err, LINE being the line
 * of `path`. Always returns -EINVAL, so validators can `return` it.
 */
int yaml_lines_fail(const struct yaml_lines *lines, const char *path, char *err, size_t errcap,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* snprintf for paths like "cases[2].steps[1]": cut short if too long, on purpose. */
void yaml_lines_path(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* YAML 1.1 booleans: true/false, yes/no, on/off (any case). 0 or -EINVAL. */
int yaml_lines_bool(const char *text, bool *ret_value);

/*
 * Reads `file` (at most YAML_LINES_MAX_FILE bytes), records its lines and
 * loads it with libcyaml against `schema` (a CYAML_FLAG_POINTER mapping).
 * Any failure, libcyaml's included, becomes one message in err naming the
 * line. On success the caller owns *ret_data (free with
 * yaml_lines_cyaml_free) and *ret_lines (yaml_lines_free).
 */
int yaml_lines_cyaml_load(const char *file, const cyaml_schema_value_t *schema,
			  void **ret_data, struct yaml_lines **ret_lines,
			  char *err, size_t errcap);
void yaml_lines_cyaml_free(const cyaml_schema_value_t *schema, void *data);

#endif
