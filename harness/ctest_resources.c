/*
 * ctest_resources.c - a lab's boards as ctest resources: the spec file
 * ctest reads and the allocation it hands each test (see the header).
 */
#include "harness/ctest_resources.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/timeline.h"

/* More groups than a lab has boards cannot all get one; bound the loop. */
#define CTEST_GROUPS_MAX 4096

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int ctest_resource_id(const char *name, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;
	for (const char *p = name; *p; p++) {
		size_t need = id_char(*p) ? 1 : 3;
		if (used + need >= cap)
			return -ENOSPC;
		if (need == 1) {
			out[used++] = *p;
		} else {
			out[used++] = '_';
			out[used++] = hex[(unsigned char)*p >> 4];
			out[used++] = hex[(unsigned char)*p & 0xf];
		}
	}
	if (cap == 0)
		return -ENOSPC;
	out[used] = '\0';
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ctest_resource_name(const char *id, char *out, size_t cap)
{
	size_t used = 0;
	if (!*id)
		return -EINVAL;
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (c == '_') {
			int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			/* Only escapes the encoder writes: one id per name. */
			if (c == '\0' || id_char(c))
				return -EINVAL;
			p += 2;
		} else if (!id_char(c)) {
			return -EINVAL;
		}
		if (used + 1 >= cap)
			return -ENOSPC;
		out[used++] = c;
	}
	out[used] = '\0';
	return 0;
}

/* Appends to buf like snprintf; *used stays at most cap - 1. */
__attribute__((format(printf, 4, 5)))
static int append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *used)
		return -ENOSPC;
	*used += (size_t)n;
	return 0;
}

int ctest_resources_spec(const struct lab *lab, char *buf, size_t cap)
{
	size_t used = 0;
	char id[CTEST_ID_MAX];
	if (cap == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (append(buf, cap, &used,
		   "{\n  \"version\": { \"major\": 1, \"minor\": 0 },\n"
		   "  \"local\": [\n    {\n      \"" CTEST_RESOURCE_TYPE "\": [\n") < 0)
		return -ENOSPC;
	for (size_t i = 0; i < lab->n_boards; i++) {
		if (ctest_resource_id(lab->boards[i].name, id, sizeof(id)) < 0 ||
		    append(buf, cap, &used, "        { \"id\": \"%s\", \"slots\": 1 }%s\n", id,
			   i + 1 < lab->n_boards ? "," : "") < 0)
			return -ENOSPC;
	}
	if (append(buf, cap, &used, "      ]\n    }\n  ]\n}\n") < 0)
		return -ENOSPC;
	return (int)used;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errcap)
		vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Parses a decimal number of at most `max` made only of digits. */
static bool parse_count(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
	}
	*ret = v;
	return true;
}

/* True if the comma separated list has the element `want`. */
static bool list_has(const char *list, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = list; p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, want, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

bool ctest_allocation_has(const struct ctest_allocation *alloc, const char *name)
{
	for (size_t i = 0; i < alloc->n; i++)
		if (strcmp(alloc->names[i], name) == 0)
			return true;
	return false;
}

/* One "id:ID,slots:S" entry of [p, end) into a board name. */
static int parse_entry(const char *p, const char *end, char *name, size_t cap)
{
	char id[CTEST_ID_MAX];
	unsigned long slots;
	char num[16];
	if ((size_t)(end - p) < 3 || strncmp(p, "id:", 3) != 0)
		return -EINVAL;
	p += 3;
	const char *comma = memchr(p, ',', (size_t)(end - p));
	if (!comma || comma == p || (size_t)(comma - p) >= sizeof(id))
		return -EINVAL;
	memcpy(id, p, (size_t)(comma - p));
	id[comma - p] = '\0';
	p = comma + 1;
	if ((size_t)(end - p) < 6 || strncmp(p, "slots:", 6) != 0)
		return -EINVAL;
	p += 6;
	if (end == p || (size_t)(end - p) >= sizeof(num))
		return -EINVAL;
	memcpy(num, p, (size_t)(end - p));
	num[end - p] = '\0';
	if (!parse_count(num, 1000000, &slots) || slots == 0)
		return -EINVAL;
	return ctest_resource_name(id, name, cap);
}

int ctest_allocation_read(ctest_getenv_fn get, void *user, struct ctest_allocation *ret_alloc,
			  char *err, size_t errcap)
{
	const char *count_text = get("CTEST_RESOURCE_GROUP_COUNT", user);
	unsigned long count;
	if (!count_text)
		return 0;
	if (!parse_count(count_text, CTEST_GROUPS_MAX, &count))
		return fail(err, errcap,
			    "CTEST_RESOURCE_GROUP_COUNT: expected a number of groups from 0 to %d, "
			    "got '%s'", CTEST_GROUPS_MAX, count_text);
	/* ctest with a resource spec sets 0 for tests without RESOURCE_GROUPS. */
	if (count == 0)
		return 0;

	struct ctest_allocation *a = calloc(1, sizeof(*a));
	if (!a)
		return fail(err, errcap, "out of memory reading ctest's resource groups");
	int rc = 0;
	for (unsigned long g = 0; g < count && rc == 0; g++) {
		char var[64];
		snprintf(var, sizeof(var), "CTEST_RESOURCE_GROUP_%lu", g);
		const char *types = get(var, user);
		if (!types) {
			rc = fail(err, errcap, "%s: not set, but CTEST_RESOURCE_GROUP_COUNT is %lu", var,
				  count);
			break;
		}
		if (!list_has(types, CTEST_RESOURCE_TYPE))
			continue;
		snprintf(var, sizeof(var), "CTEST_RESOURCE_GROUP_%lu_BOARDS", g);
		const char *list = get(var, user);
		if (!list) {
			rc = fail(err, errcap, "%s: not set, but CTEST_RESOURCE_GROUP_%lu lists '%s'",
				  var, g, CTEST_RESOURCE_TYPE);
			break;
		}
		for (const char *p = list;;) {
			const char *semi = strchr(p, ';');
			const char *end = semi ? semi : p + strlen(p);
			char name[LAB_NAME_MAX];
			if (parse_entry(p, end, name, sizeof(name)) != 0) {
				rc = fail(err, errcap,
					  "%s: expected 'id:ID,slots:N' entries separated by ';' "
					  "(IDs from `pitest resources`), got '%s'", var, list);
				break;
			}
			if (!ctest_allocation_has(a, name)) {
				if (a->n == CTEST_ALLOC_MAX) {
					rc = fail(err, errcap, "%s: more than %d boards in all", var,
						  CTEST_ALLOC_MAX);
					break;
				}
				snprintf(a->names[a->n++], LAB_NAME_MAX, "%s", name);
			}
			if (!semi)
				break;
			p = semi + 1;
		}
	}
	if (rc == 0 && a->n == 0)
		rc = fail(err, errcap,
			  "ctest gave this test resources but no %s (CTEST_RESOURCE_GROUP_COUNT is "
			  "%lu): give it RESOURCE_GROUPS \"1,%s:1\" or use pitest_add_suite()",
			  CTEST_RESOURCE_TYPE, count, CTEST_RESOURCE_TYPE);
	if (rc == 0) {
		*ret_alloc = *a;
		rc = 1;
	}
	free(a);
	return rc;
}

const char *ctest_allocation_format(const struct ctest_allocation *alloc, char *buf, size_t cap)
{
	size_t used = 0;
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < alloc->n; i++)
		if (append(buf, cap, &used, "%s%s", i ? ", " : "", alloc->names[i]) < 0)
			break;
	return buf;
}

void ctest_allocation_emit(const struct ctest_allocation *alloc, struct timeline *tl,
			   double now_epoch)
{
	char boards[CTEST_ALLOC_MAX * LAB_NAME_MAX], epoch[32];
	size_t used = 0;
	boards[0] = '\0';
	for (size_t i = 0; i < alloc->n; i++)
		if (append(boards, sizeof(boards), &used, "%s%s", i ? "," : "", alloc->names[i]) < 0)
			break;
	snprintf(epoch, sizeof(epoch), "%.6f", now_epoch - timeline_now(tl));
	timeline_emit(tl, "", "ctest.boards", "boards", boards, "epoch", epoch, NULL);
}
