/*
 * ctest_resources.h - a lab's boards as ctest resources.
 *
 * ctest hands out "resources" (CMake >= 3.16): a resource spec file lists
 * what exists, each test's RESOURCE_GROUPS says how much it needs, and ctest
 * gives every test its share in CTEST_RESOURCE_GROUP_* environment variables
 * so that `ctest -j` never gives one slot to two tests at once. Here every
 * board of a lab is one resource of type "boards" with one slot.
 *
 * ctest allows only [a-z0-9_] in resource ids and board names may hold
 * upper case, '.', '-' and '_', so a board's id is its name with every other
 * character written as '_' and two hex digits: "pi3b-1" -> "pi3b_2d1".
 *
 * Pure: no environment access of its own (the caller passes a getenv-like
 * function), no printing; errors are one message in the caller's buffer.
 */
#ifndef PITEST_CTEST_RESOURCES_H
#define PITEST_CTEST_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/lab.h"

struct timeline;

#define CTEST_RESOURCE_TYPE "boards"
/* A lab has at most 256 boards (lab.c); ctest cannot give more. */
#define CTEST_ALLOC_MAX 256
/* A name of LAB_NAME_MAX - 1 characters, each escaped to 3. */
#define CTEST_ID_MAX (3 * (LAB_NAME_MAX - 1) + 1)

/* The boards ctest gave one test, in the order ctest listed them. */
struct ctest_allocation {
	size_t n;
	char names[CTEST_ALLOC_MAX][LAB_NAME_MAX];
};

/*
 * Encodes a board name as a ctest resource id into out (cap bytes).
 * Returns 0, or -ENOSPC if out is too small.
 */
int ctest_resource_id(const char *name, char *out, size_t cap);

/*
 * Decodes a resource id back into a board name. Returns 0, -EINVAL if id is
 * not an encoded name (characters outside [a-z0-9_], a bad escape), or
 * -ENOSPC if out is too small.
 */
int ctest_resource_name(const char *id, char *out, size_t cap);

/*
 * Writes the resource spec (version 1.0, one "boards" resource of 1 slot
 * per board of lab, in lab order) as JSON into buf (cap bytes, NUL ended).
 * Returns its length, or -ENOSPC.
 */
int ctest_resources_spec(const struct lab *lab, char *buf, size_t cap);

/* Looks up an environment variable; NULL if unset. */
typedef const char *(*ctest_getenv_fn)(const char *name, void *user);

/*
 * Reads ctest's allocation for this test through get:
 * CTEST_RESOURCE_GROUP_COUNT=N, and for each group i < N
 * CTEST_RESOURCE_GROUP_i (its resource types, "boards" among them) and
 * CTEST_RESOURCE_GROUP_i_BOARDS="id:ID,slots:S;...". Groups without
 * boards are left alone (other resources are not pitest's business); a
 * board listed twice is kept once.
 *
 * Returns 1 and fills *ret_alloc when ctest gave boards; 0 when
 * CTEST_RESOURCE_GROUP_COUNT is unset (not run by ctest with a resource
 * spec) or 0 (what ctest sets for tests without RESOURCE_GROUPS), both
 * meaning no allocation, *ret_alloc untouched; or -EINVAL with one message in err naming
 * the variable, what was expected and what it held.
 */
int ctest_allocation_read(ctest_getenv_fn get, void *user, struct ctest_allocation *ret_alloc,
			  char *err, size_t errcap);

/* True if alloc lists the board name. */
bool ctest_allocation_has(const struct ctest_allocation *alloc, const char *name);

/* "a, b, c" into buf (cut at cap). Returns buf. */
const char *ctest_allocation_format(const struct ctest_allocation *alloc, char *buf, size_t cap);

/*
 * Emits "ctest.boards" on tl (no board): boards = the allocation, comma
 * separated, and epoch = the wall-clock time (seconds since 1970, UTC) of
 * the timeline's t=0 at `now_epoch`. Event times are monotonic seconds
 * since t=0; with this anchor, timelines of runs in parallel processes can
 * be laid side by side. now_epoch is the current wall time (CLOCK_REALTIME),
 * passed in so tests can fix it.
 */
void ctest_allocation_emit(const struct ctest_allocation *alloc, struct timeline *tl,
			   double now_epoch);

#endif
