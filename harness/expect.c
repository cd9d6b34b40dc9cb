/*
 * expect.c - matching events against expectations.
 */
#include "harness/expect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/lab.h"
#include "harness/suite.h"
#include "harness/timeline.h"

static void format_ip(uint32_t net_order, char out[16])
{
	struct in_addr a = { .s_addr = net_order };
	inet_ntop(AF_INET, &a, out, 16);
}

/* Value of one placeholder name, or NULL when unknown. */
static const char *placeholder(const char *name, const struct lab *lab,
			       const struct lab_board *board, char *tmp, size_t cap)
{
	if (board && strcmp(name, "board.name") == 0)
		return board->name;
	if (board && strcmp(name, "board.ip") == 0)
		return board->ip_text;
	if (board && strcmp(name, "board.mac") == 0)
		return board->mac_text;
	if (board && strcmp(name, "board.model") == 0)
		return board->model;
	if (board && strcmp(name, "board.serial") == 0) {
		snprintf(tmp, cap, "%08x", board->serial);
		return tmp;
	}
	if (lab && strcmp(name, "lab.server") == 0) {
		format_ip(lab->address, tmp);
		return tmp;
	}
	if (lab && strcmp(name, "dhcp.range") == 0) {
		char a[16], b[16];
		format_ip(lab->dhcp.range_start, a);
		format_ip(lab->dhcp.range_end, b);
		snprintf(tmp, cap, "%s-%s", a, b);
		return tmp;
	}
	if (lab && strcmp(name, "dhcp.pxe") == 0)
		return lab->dhcp.pxe_menu;
	return NULL;
}

int expect_expand(const char *pattern, const struct lab *lab, const struct lab_board *board,
		  char *out, size_t cap)
{
	size_t used = 0;
	const char *p = pattern;
	while (*p) {
		const char *value = NULL;
		size_t consumed = 1;
		char tmp[64];
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close && (size_t)(close - p - 1) < 32) {
				char name[32];
				memcpy(name, p + 1, (size_t)(close - p - 1));
				name[close - p - 1] = '\0';
				value = placeholder(name, lab, board, tmp, sizeof(tmp));
				if (value)
					consumed = (size_t)(close - p + 1);
			}
		}
		size_t n = value ? strlen(value) : 1;
		if (used + n + 1 > cap)
			return -ENOSPC;
		memcpy(out + used, value ? value : p, n);
		used += n;
		p += consumed;
	}
	out[used] = '\0';
	return 0;
}

static bool parse_ipv4(const char *s, uint32_t *ret_host_order)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*ret_host_order = ntohl(a.s_addr);
	return true;
}

/* "A-B" of two IPv4 addresses: the range, in host order. */
static bool parse_ipv4_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *dash = strchr(s, '-');
	if (!dash || (size_t)(dash - s) >= 16)
		return false;
	char first[16];
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	return parse_ipv4(first, lo) && parse_ipv4(dash + 1, hi);
}

/*
 * Compiled "re:" patterns, most recent first: a step is matched against
 * every new event, so its pattern is compiled once, not per event.
 */
#define RE_CACHE_SIZE 16
static struct re_entry {
	char *pattern;
	regex_t re;
} re_cache[RE_CACHE_SIZE];

static const regex_t *cached_regex(const char *pattern)
{
	for (size_t i = 0; i < RE_CACHE_SIZE && re_cache[i].pattern; i++) {
		if (strcmp(re_cache[i].pattern, pattern) != 0)
			continue;
		struct re_entry hit = re_cache[i];
		memmove(&re_cache[1], &re_cache[0], i * sizeof(re_cache[0]));
		re_cache[0] = hit;
		return &re_cache[0].re;
	}
	struct re_entry fresh;
	fresh.pattern = strdup(pattern);
	if (!fresh.pattern)
		return NULL;
	if (regcomp(&fresh.re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		free(fresh.pattern);
		return NULL;
	}
	struct re_entry *last = &re_cache[RE_CACHE_SIZE - 1];
	if (last->pattern) {
		regfree(&last->re);
		free(last->pattern);
	}
	memmove(&re_cache[1], &re_cache[0], (RE_CACHE_SIZE - 1) * sizeof(re_cache[0]));
	re_cache[0] = fresh;
	return &re_cache[0].re;
}

void expect_forget_regexes(void)
{
	for (size_t i = 0; i < RE_CACHE_SIZE && re_cache[i].pattern; i++) {
		regfree(&re_cache[i].re);
		free(re_cache[i].pattern);
		re_cache[i].pattern = NULL;
	}
}

int expect_regex_check(const char *value, char *err, size_t errcap)
{
	if (strncmp(value, EXPECT_REGEX_PREFIX, strlen(EXPECT_REGEX_PREFIX)) != 0)
		return 0;
	regex_t re;
	int r = regcomp(&re, value + strlen(EXPECT_REGEX_PREFIX), REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		regerror(r, &re, err, errcap);
		return -EINVAL;
	}
	regfree(&re);
	return 0;
}

bool expect_value_matches(const char *pattern, const char *value)
{
	uint32_t lo, hi, v;
	if (strncmp(pattern, EXPECT_REGEX_PREFIX, strlen(EXPECT_REGEX_PREFIX)) == 0) {
		const regex_t *re = cached_regex(pattern + strlen(EXPECT_REGEX_PREFIX));
		return re && regexec(re, value, 0, NULL, 0) == 0;
	}
	if (parse_ipv4_range(pattern, &lo, &hi))
		return parse_ipv4(value, &v) && v >= lo && v <= hi;
	return fnmatch(pattern, value, 0) == 0;
}

bool expect_event_matches(const struct suite_step *step, const struct event *ev,
			  const struct lab *lab, const struct lab_board *board)
{
	if (fnmatch(step->event, ev->name, 0) != 0)
		return false;
	for (size_t i = 0; i < step->n_match; i++) {
		const char *value = event_get(ev, step->match[i].key);
		if (!value)
			return false;
		char pattern[512];
		if (expect_expand(step->match[i].value, lab, board, pattern, sizeof(pattern)) != 0)
			return false;
		if (!expect_value_matches(pattern, value))
			return false;
	}
	return true;
}

size_t expect_describe(const struct suite_step *step, const struct lab *lab,
		       const struct lab_board *board, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	size_t used = 0;
	int n = snprintf(out, cap, "%s", step->event);
	used = n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
	for (size_t i = 0; i < step->n_match && used < cap - 1; i++) {
		char pattern[512];
		if (expect_expand(step->match[i].value, lab, board, pattern, sizeof(pattern)) != 0)
			snprintf(pattern, sizeof(pattern), "%s", step->match[i].value);
		n = snprintf(out + used, cap - used, " %s=\"%s\"", step->match[i].key, pattern);
		if (n < 0)
			break;
		used += (size_t)n < cap - used ? (size_t)n : cap - used - 1;
	}
	return used;
}
