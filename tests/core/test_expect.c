/* Unit tests: placeholder expansion and event matching. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "harness/expect.h"
#include "harness/lab.h"
#include "harness/suite.h"
#include "harness/timeline.h"

static struct lab lab;
static struct lab_board board;

static int setup(void **state)
{
	(void)state;
	memset(&lab, 0, sizeof(lab));
	memset(&board, 0, sizeof(board));
	inet_pton(AF_INET, "192.168.1.1", &lab.address);
	inet_pton(AF_INET, "192.168.1.150", &lab.dhcp.range_start);
	inet_pton(AF_INET, "192.168.1.199", &lab.dhcp.range_end);
	snprintf(lab.dhcp.pxe_menu, sizeof(lab.dhcp.pxe_menu), "Raspberry Pi Boot");
	snprintf(board.name, sizeof(board.name), "pi4b-1");
	snprintf(board.ip_text, sizeof(board.ip_text), "192.168.1.104");
	snprintf(board.mac_text, sizeof(board.mac_text), "dc:a6:32:01:02:03");
	board.serial = 0x1a2b3c4d;
	return 0;
}

static void test_expand(void **state)
{
	(void)state;
	char out[128];
	assert_int_equal(expect_expand("NET {board.ip} * tftp {lab.server}", &lab, &board, out,
				       sizeof(out)), 0);
	assert_string_equal(out, "NET 192.168.1.104 * tftp 192.168.1.1");
	assert_int_equal(expect_expand("{board.serial}/{dhcp.range}{nope}{", &lab, &board, out,
				       sizeof(out)), 0);
	assert_string_equal(out, "1a2b3c4d/192.168.1.150-192.168.1.199{nope}{");
	assert_int_equal(expect_expand("{dhcp.pxe}   ", &lab, &board, out, sizeof(out)), 0);
	assert_string_equal(out, "Raspberry Pi Boot   ");
	char tiny[8];
	assert_int_equal(expect_expand("{board.ip}", &lab, &board, tiny, sizeof(tiny)), -28);
}

static void test_value_matching(void **state)
{
	(void)state;
	assert_true(expect_value_matches("192.168.1.150-192.168.1.199", "192.168.1.160"));
	assert_false(expect_value_matches("192.168.1.150-192.168.1.199", "192.168.1.100"));
	assert_false(expect_value_matches("192.168.1.150-192.168.1.199", "not-an-ip"));
	assert_true(expect_value_matches("Raspberry Pi Boot", "Raspberry Pi Boot"));
	assert_false(expect_value_matches("Raspberry Pi Boot", "Raspberry Pi Boot   "));
	assert_true(expect_value_matches("*NETBOOT init failed*", "  45.1 NETBOOT init failed"));
}

/* "re:" values are regular expressions, searched in the value. */
static void test_regex_values(void **state)
{
	(void)state;
	assert_true(expect_value_matches("re:NETBOOT (init|boot) failed", "  45.1 NETBOOT init failed"));
	assert_false(expect_value_matches("re:^NETBOOT", "  45.1 NETBOOT init failed"));
	assert_true(expect_value_matches("re:^\\[ *[0-9]+\\.[0-9]{6}\\] Run /sbin/init", "[   63.184000] Run /sbin/init as init process"));
	assert_false(expect_value_matches("re:login: $", "pi4b-1 login: x"));
	for (int i = 0; i < 40; i++) { /* more patterns than the cache holds */
		char re[32];
		snprintf(re, sizeof(re), "re:^x%d$", i);
		assert_true(expect_value_matches(re, re + 3 + 1) == false);
		char value[16];
		snprintf(value, sizeof(value), "x%d", i);
		assert_true(expect_value_matches(re, value));
	}
	assert_false(expect_value_matches("re:(", "("));  /* invalid: never matches */
	char err[128];
	assert_int_equal(expect_regex_check("re:a(b", err, sizeof(err)), -EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(expect_regex_check("a(b", err, sizeof(err)), 0); /* a glob */
	assert_int_equal(expect_regex_check("re:a|b", err, sizeof(err)), 0);
	expect_forget_regexes();
}

static void test_event_matching(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	timeline_emit(tl, "pi4b-1", "dhcp.offer", "ip", "192.168.1.104", "pxe",
		      "Raspberry Pi Boot", NULL);
	const struct event *ev = timeline_get(tl, 0);
	struct suite_step step = { .kind = STEP_EXPECT, .n_match = 1 };
	snprintf(step.event, sizeof(step.event), "dhcp.offer");
	snprintf(step.match[0].key, sizeof(step.match[0].key), "ip");
	snprintf(step.match[0].value, sizeof(step.match[0].value), "{board.ip}");
	assert_true(expect_event_matches(&step, ev, &lab, &board));
	snprintf(step.event, sizeof(step.event), "dhcp.*");
	assert_true(expect_event_matches(&step, ev, &lab, &board));
	snprintf(step.event, sizeof(step.event), "dhcp.ack");
	assert_false(expect_event_matches(&step, ev, &lab, &board));
	snprintf(step.event, sizeof(step.event), "dhcp.offer");
	snprintf(step.match[0].key, sizeof(step.match[0].key), "missing");
	assert_false(expect_event_matches(&step, ev, &lab, &board));
	char text[256];
	snprintf(step.match[0].key, sizeof(step.match[0].key), "ip");
	expect_describe(&step, &lab, &board, text, sizeof(text));
	assert_string_equal(text, "dhcp.offer ip=\"192.168.1.104\"");
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_values),
		cmocka_unit_test_setup(test_expand, setup),
		cmocka_unit_test_setup(test_value_matching, setup),
		cmocka_unit_test_setup(test_event_matching, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
