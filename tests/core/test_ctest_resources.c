/* test_ctest_resources.c - boards as ctest resources: ids, spec, allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/ctest_resources.h"
#include "harness/timeline.h"

/* A fake environment: NULL-ended name, value pairs. */
static const char *fake_get(const char *name, void *user)
{
	const char *const *env = user;
	for (size_t i = 0; env[i]; i += 2)
		if (strcmp(env[i], name) == 0)
			return env[i + 1];
	return NULL;
}

static void test_id_round_trip(void **state)
{
	(void)state;
	static const struct { const char *name, *id; } cases[] = {
		{ "pi4b", "pi4b" },
		{ "pi3b-1", "pi3b_2d1" },
		{ "Pi.5_a", "_50i_2e5_5fa" },
		{ "--", "_2d_2d" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char id[CTEST_ID_MAX], name[LAB_NAME_MAX];
		assert_int_equal(ctest_resource_id(cases[i].name, id, sizeof(id)), 0);
		assert_string_equal(id, cases[i].id);
		assert_int_equal(ctest_resource_name(id, name, sizeof(name)), 0);
		assert_string_equal(name, cases[i].name);
	}
	/* The longest board name fits CTEST_ID_MAX. */
	char longest[LAB_NAME_MAX], id[CTEST_ID_MAX];
	memset(longest, '-', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_int_equal(ctest_resource_id(longest, id, sizeof(id)), 0);
	assert_int_equal(strlen(id), CTEST_ID_MAX - 1);
	assert_int_equal(ctest_resource_id("pi3b-1", id, 8), -ENOSPC);
	assert_int_equal(ctest_resource_id("pi3b-1", id, 9), 0);
}

static void test_id_decode_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "Pi4", "pi-4", "pi_2", "pi_zz", "_61" /* 'a' needs no escape */, "_00", "x_2D",
	};
	char name[LAB_NAME_MAX];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ctest_resource_name(bad[i], name, sizeof(name)), -EINVAL);
	assert_int_equal(ctest_resource_name("abcd", name, 4), -ENOSPC);
}

static void test_spec_lists_every_board_once(void **state)
{
	(void)state;
	struct lab_board boards[2] = { { .name = "pi2-1" }, { .name = "pi4b" } };
	struct lab lab = { .name = "two", .n_boards = 2, .boards = boards };
	char buf[1024];
	int n = ctest_resources_spec(&lab, buf, sizeof(buf));
	static const char want[] =
		"{\n"
		"  \"version\": { \"major\": 1, \"minor\": 0 },\n"
		"  \"local\": [\n"
		"    {\n"
		"      \"boards\": [\n"
		"        { \"id\": \"pi2_2d1\", \"slots\": 1 },\n"
		"        { \"id\": \"pi4b\", \"slots\": 1 }\n"
		"      ]\n"
		"    }\n"
		"  ]\n"
		"}\n";
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
	assert_int_equal(ctest_resources_spec(&lab, buf, strlen(want)), -ENOSPC);
	assert_int_equal(ctest_resources_spec(&lab, buf, strlen(want) + 1), n);
	assert_int_equal(ctest_resources_spec(&lab, buf, 20), -ENOSPC);
}

/* Unset: not run by ctest with a spec. 0: ctest's value for a test
 * without RESOURCE_GROUPS. Neither is an allocation. */
static void test_unset_or_zero_is_no_allocation(void **state)
{
	(void)state;
	const char *unset[] = { "PATH", "/bin", NULL };
	const char *zero[] = { "CTEST_RESOURCE_GROUP_COUNT", "0", NULL };
	struct ctest_allocation a = { .n = 7 };
	char err[256] = "";
	assert_int_equal(ctest_allocation_read(fake_get, unset, &a, err, sizeof(err)), 0);
	assert_int_equal(ctest_allocation_read(fake_get, zero, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n, 7); /* untouched */
	assert_string_equal(err, "");
}

static void test_two_groups(void **state)
{
	(void)state;
	const char *env[] = {
		"CTEST_RESOURCE_GROUP_COUNT", "2",
		"CTEST_RESOURCE_GROUP_0", "boards",
		"CTEST_RESOURCE_GROUP_0_BOARDS", "id:pi3b_2d1,slots:1",
		"CTEST_RESOURCE_GROUP_1", "boards",
		"CTEST_RESOURCE_GROUP_1_BOARDS", "id:pi4b,slots:1",
		NULL,
	};
	struct ctest_allocation a;
	char err[256] = "", text[128];
	assert_int_equal(ctest_allocation_read(fake_get, env, &a, err, sizeof(err)), 1);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.names[0], "pi3b-1");
	assert_string_equal(a.names[1], "pi4b");
	assert_true(ctest_allocation_has(&a, "pi4b"));
	assert_false(ctest_allocation_has(&a, "pi3b_2d1"));
	assert_string_equal(ctest_allocation_format(&a, text, sizeof(text)), "pi3b-1, pi4b");
}

/* Groups of other resource types are skipped; one group may hold several
 * boards (RESOURCE_GROUPS "boards:1,boards:1"); a board named twice counts once. */
static void test_other_types_and_duplicates(void **state)
{
	(void)state;
	const char *env[] = {
		"CTEST_RESOURCE_GROUP_COUNT", "3",
		"CTEST_RESOURCE_GROUP_0", "gpus",
		"CTEST_RESOURCE_GROUP_0_GPUS", "id:0,slots:2",
		"CTEST_RESOURCE_GROUP_1", "gpus,boards",
		"CTEST_RESOURCE_GROUP_1_BOARDS", "id:a,slots:1;id:b,slots:1",
		"CTEST_RESOURCE_GROUP_2", "boards",
		"CTEST_RESOURCE_GROUP_2_BOARDS", "id:a,slots:1",
		NULL,
	};
	struct ctest_allocation a;
	char err[256] = "";
	assert_int_equal(ctest_allocation_read(fake_get, env, &a, err, sizeof(err)), 1);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.names[0], "a");
	assert_string_equal(a.names[1], "b");
}

/* Every malformed environment is one error naming the variable. */
static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *count, *types, *boards, *names;
	} cases[] = {
		{ "", NULL, NULL, "CTEST_RESOURCE_GROUP_COUNT" },
		{ "x", NULL, NULL, "CTEST_RESOURCE_GROUP_COUNT" },
		{ "-1", NULL, NULL, "CTEST_RESOURCE_GROUP_COUNT" },
		{ "99999999999999999999", NULL, NULL, "CTEST_RESOURCE_GROUP_COUNT" },
		{ "1", NULL, NULL, "CTEST_RESOURCE_GROUP_0: not set" },
		{ "1", "boards", NULL, "CTEST_RESOURCE_GROUP_0_BOARDS: not set" },
		{ "1", "gpus", NULL, "no boards" },
		{ "1", "boards", "", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:a", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:a,slots:", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:a,slots:0", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:a,slots:1x", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:,slots:1", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:A,slots:1", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:a-b,slots:1", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "id:a,slots:1;", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "slots:1,id:a", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
		{ "1", "boards", "name:a,slots:1", "CTEST_RESOURCE_GROUP_0_BOARDS: expected" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = {
			"CTEST_RESOURCE_GROUP_COUNT", cases[i].count,
			cases[i].types ? "CTEST_RESOURCE_GROUP_0" : "-", cases[i].types,
			cases[i].boards ? "CTEST_RESOURCE_GROUP_0_BOARDS" : "-", cases[i].boards,
			NULL,
		};
		struct ctest_allocation a = { .n = 9 };
		char err[512] = "";
		int rc = ctest_allocation_read(fake_get, env, &a, err, sizeof(err));
		if (rc != -EINVAL || !strstr(err, cases[i].names)) {
			fprintf(stderr, "case %zu: rc %d, err '%s', want '%s'\n", i, rc, err,
				cases[i].names);
			fail();
		}
		assert_int_equal(a.n, 9); /* untouched on error */
		assert_null(strchr(err, '\n'));
	}
}

static void test_many_boards_bounded(void **state)
{
	(void)state;
	/* CTEST_ALLOC_MAX + 1 distinct ids in one group. */
	size_t cap = (CTEST_ALLOC_MAX + 1) * 24;
	char *list = malloc(cap);
	assert_non_null(list);
	size_t used = 0;
	for (int i = 0; i <= CTEST_ALLOC_MAX; i++)
		used += (size_t)snprintf(list + used, cap - used, "%sid:b%d,slots:1", i ? ";" : "", i);
	const char *env[] = {
		"CTEST_RESOURCE_GROUP_COUNT", "1",
		"CTEST_RESOURCE_GROUP_0", "boards",
		"CTEST_RESOURCE_GROUP_0_BOARDS", list,
		NULL,
	};
	struct ctest_allocation *a = malloc(sizeof(*a));
	assert_non_null(a);
	char err[256] = "";
	assert_int_equal(ctest_allocation_read(fake_get, env, a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 256 boards"));
	free(a);
	free(list);
}

struct seen {
	int count;
	char board[64], name[64], boards[256], epoch[64];
};

static void record(const struct event *ev, void *user)
{
	struct seen *s = user;
	s->count++;
	snprintf(s->board, sizeof(s->board), "%s", ev->board);
	snprintf(s->name, sizeof(s->name), "%s", ev->name);
	snprintf(s->boards, sizeof(s->boards), "%s", event_get(ev, "boards") ? event_get(ev, "boards") : "");
	snprintf(s->epoch, sizeof(s->epoch), "%s", event_get(ev, "epoch") ? event_get(ev, "epoch") : "");
}

static void test_emit_anchors_the_timeline(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	assert_non_null(tl);
	struct seen s = { 0 };
	assert_int_equal(timeline_add_listener(tl, record, &s), 0);
	struct ctest_allocation a = { .n = 2 };
	snprintf(a.names[0], LAB_NAME_MAX, "pi2-1");
	snprintf(a.names[1], LAB_NAME_MAX, "pi5-1");
	double now = 1800000000.5;
	ctest_allocation_emit(&a, tl, now);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.board, "");
	assert_string_equal(s.name, "ctest.boards");
	assert_string_equal(s.boards, "pi2-1,pi5-1");
	/* t=0 was a moment ago: the anchor is now less the timeline's age. */
	double epoch = strtod(s.epoch, NULL);
	assert_true(epoch <= now && epoch > now - 5);
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_round_trip),
		cmocka_unit_test(test_id_decode_rejects),
		cmocka_unit_test(test_spec_lists_every_board_once),
		cmocka_unit_test(test_unset_or_zero_is_no_allocation),
		cmocka_unit_test(test_two_groups),
		cmocka_unit_test(test_other_types_and_duplicates),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many_boards_bounded),
		cmocka_unit_test(test_emit_anchors_the_timeline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
