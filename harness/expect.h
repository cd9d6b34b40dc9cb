/*
 * expect.h - does an event satisfy a step's expectation?
 *
 * Pure functions: placeholders such as {board.ip} are expanded from the
 * board and lab, then each `match` field is compared with the event's
 * field: an "A-B" pair of IPv4 addresses matches an address in that range,
 * anything else is a shell glob (fnmatch), so "Raspberry Pi Boot*" and an
 * exact "192.168.1.100" both work.
 */
#ifndef PITEST_EXPECT_H
#define PITEST_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

struct event;
struct lab;
struct lab_board;
struct suite_step;

/* Expands {board.name} {board.ip} {board.mac} {board.serial} {board.model}
 * {lab.server} {dhcp.range} {dhcp.pxe}. Unknown placeholders are kept as
 * written. Returns 0 or -ENOSPC. */
int expect_expand(const char *pattern, const struct lab *lab, const struct lab_board *board,
		  char *out, size_t cap);

/* True if `value` matches the (already expanded) pattern. */
bool expect_value_matches(const char *pattern, const char *value);

/* A match value "re:EXPR" is a POSIX extended regular expression, found
 * anywhere in the value (anchor it with ^ and $); others are globs. */
#define EXPECT_REGEX_PREFIX "re:"
/* 0 when value is no regex or a valid one; else -EINVAL and regerror's text. */
int expect_regex_check(const char *value, char *err, size_t errcap);
/* Frees the compiled patterns (at exit, for leak checkers). */
void expect_forget_regexes(void);

/* True if ev is the step's event (name glob) and every match field fits. */
bool expect_event_matches(const struct suite_step *step, const struct event *ev,
			  const struct lab *lab, const struct lab_board *board);

/* "dhcp.offer ip=192.168.1.100 pxe=Raspberry*" — a step as people read it. */
size_t expect_describe(const struct suite_step *step, const struct lab *lab,
		       const struct lab_board *board, char *out, size_t cap);

#endif
