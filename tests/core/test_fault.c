/* Unit tests: fault rules' after/count/probability/board filters and events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness/fault.h"
#include "harness/timeline.h"

static struct fault_rule rule(const char *on, enum fault_action action)
{
	struct fault_rule r = { .action = action, .probability = 1.0 };
	snprintf(r.server, sizeof(r.server), "dhcp");
	snprintf(r.on, sizeof(r.on), "%s", on);
	return r;
}

static void test_action_names(void **state)
{
	(void)state;
	enum fault_action a;
	assert_int_equal(fault_action_from_name("omit-option", &a), 0);
	assert_int_equal(a, FAULT_OMIT_OPTION);
	assert_string_equal(fault_action_name(FAULT_CORRUPT), "corrupt");
	assert_int_equal(fault_action_from_name("explode", &a), -22);
}

static void test_after_and_count_per_board(void **state)
{
	(void)state;
	struct fault_rule r = rule("offer", FAULT_DROP);
	r.after = 1;
	r.count = 2;
	struct timeline *tl = timeline_new();
	struct fault_engine *e = fault_engine_new(&r, 1, tl);
	/* Board a: 1st skipped (after), 2nd and 3rd fire, 4th exhausted. */
	assert_null(fault_engine_match(e, "dhcp", "offer", "a", "pi4b", NULL));
	assert_non_null(fault_engine_match(e, "dhcp", "offer", "a", "pi4b", NULL));
	/* Board b keeps its own counters. */
	assert_null(fault_engine_match(e, "dhcp", "offer", "b", "pi5", NULL));
	assert_non_null(fault_engine_match(e, "dhcp", "offer", "a", "pi4b", "x"));
	assert_null(fault_engine_match(e, "dhcp", "offer", "a", "pi4b", NULL));
	assert_non_null(fault_engine_match(e, "dhcp", "offer", "b", "pi5", NULL));
	/* Other message, other server: no match. */
	assert_null(fault_engine_match(e, "dhcp", "ack", "c", "pi5", NULL));
	assert_null(fault_engine_match(e, "tftp", "offer", "c", "pi5", NULL));
	assert_int_equal(timeline_count(tl), 3);
	const struct event *ev = timeline_get(tl, 1);
	assert_string_equal(ev->name, "fault.applied");
	assert_string_equal(ev->board, "a");
	assert_string_equal(event_get(ev, "action"), "drop");
	assert_string_equal(event_get(ev, "on"), "offer");
	assert_string_equal(event_get(ev, "rule"), "1");
	assert_string_equal(event_get(ev, "nth"), "2");
	assert_string_equal(event_get(ev, "detail"), "x");
	fault_engine_free(e);
	timeline_free(tl);
}

static void test_board_and_model_filters_and_globs(void **state)
{
	(void)state;
	struct fault_rule rules[2] = { rule("o*", FAULT_DELAY), rule("*", FAULT_NAK) };
	rules[0].n_boards = 1;
	snprintf(rules[0].boards[0], sizeof(rules[0].boards[0]), "pi4b-1");
	rules[1].n_models = 1;
	snprintf(rules[1].models[0], sizeof(rules[1].models[0]), "pi3b");
	struct fault_engine *e = fault_engine_new(rules, 2, NULL);
	const struct fault_rule *hit = fault_engine_match(e, "dhcp", "offer", "pi4b-1", "pi4b", NULL);
	assert_non_null(hit);
	assert_int_equal(hit->action, FAULT_DELAY);
	assert_null(fault_engine_match(e, "dhcp", "offer", "pi5-1", "pi5", NULL));
	hit = fault_engine_match(e, "dhcp", "ack", "pi3b-1", "pi3b", NULL);
	assert_non_null(hit);
	assert_int_equal(hit->action, FAULT_NAK);
	fault_engine_free(e);
	fault_engine_free(NULL);
}

static unsigned fired_of(uint64_t seed, double p, const char *board)
{
	struct fault_rule r = rule("offer", FAULT_DROP);
	r.probability = p;
	r.seed = seed;
	struct fault_engine *e = fault_engine_new(&r, 1, NULL);
	unsigned fired = 0;
	for (int i = 0; i < 1000; i++)
		fired += fault_engine_match(e, "dhcp", "offer", board, "pi4b", NULL) != NULL;
	fault_engine_free(e);
	return fired;
}

static void test_probability_is_seeded(void **state)
{
	(void)state;
	unsigned a = fired_of(42, 0.3, "b1");
	assert_int_equal(a, fired_of(42, 0.3, "b1")); /* same seed, same faults */
	assert_in_range(a, 230, 370);
	assert_int_not_equal(a, fired_of(43, 0.3, "b1") + 1000); /* sanity: computed */
	assert_int_equal(fired_of(1, 0.0, "b1"), 0);
	assert_int_equal(fired_of(1, 1.0, "b1"), 1000);
}

/* Which of 256 matches fire, for a 30% rule with seed 42 on run `run`
 * (negative: the engine is never told a run, as outside --repeat). */
static void fire_pattern(int run, uint8_t pattern[256])
{
	struct fault_rule r = rule("offer", FAULT_DROP);
	r.probability = 0.3;
	r.seed = 42;
	struct fault_engine *e = fault_engine_new(&r, 1, NULL);
	if (run >= 0)
		fault_engine_set_run(e, (unsigned)run);
	for (int i = 0; i < 256; i++)
		pattern[i] = fault_engine_match(e, "dhcp", "offer", "b1", "pi4b", NULL) != NULL;
	fault_engine_free(e);
}

/* --repeat: each run draws anew, reproducibly; run 0 is a single run's draw. */
static void test_probability_per_run(void **state)
{
	(void)state;
	uint8_t single[256], run0[256], run1[256], run1_again[256], run2[256];
	fire_pattern(-1, single);
	fire_pattern(0, run0);
	fire_pattern(1, run1);
	fire_pattern(1, run1_again);
	fire_pattern(2, run2);
	assert_memory_equal(single, run0, sizeof(run0));
	assert_memory_equal(run1, run1_again, sizeof(run1));
	assert_memory_not_equal(run0, run1, sizeof(run0));
	assert_memory_not_equal(run1, run2, sizeof(run1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_after_and_count_per_board),
		cmocka_unit_test(test_board_and_model_filters_and_globs),
		cmocka_unit_test(test_probability_is_seeded),
		cmocka_unit_test(test_probability_per_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
