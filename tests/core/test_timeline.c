/* Unit tests: timeline storage, listeners, JSON Lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/timeline.h"

struct seen {
	int calls;
	char last[64];
	struct timeline *tl;
};

static void remember(const struct event *ev, void *user)
{
	struct seen *s = user;
	s->calls++;
	snprintf(s->last, sizeof(s->last), "%s", ev->name);
}

/* A listener that emits in turn: order must stay emission order. */
static void echo_once(const struct event *ev, void *user)
{
	struct seen *s = user;
	if (strcmp(ev->name, "a") == 0)
		timeline_emit(s->tl, "b1", "b", NULL);
}

static void test_emit_store_and_fields(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	assert_non_null(tl);
	struct seen s = { 0 };
	assert_int_equal(timeline_add_listener(tl, remember, &s), 0);
	timeline_emit(tl, "pi4b-1", "dhcp.offer", "ip", "192.168.1.104", "pxe", "Raspberry Pi Boot",
		      NULL);
	timeline_emit(tl, NULL, "power.on", NULL);
	assert_int_equal(timeline_count(tl), 2);
	const struct event *ev = timeline_get(tl, 0);
	assert_string_equal(ev->board, "pi4b-1");
	assert_string_equal(ev->name, "dhcp.offer");
	assert_string_equal(event_get(ev, "ip"), "192.168.1.104");
	assert_string_equal(event_get(ev, "pxe"), "Raspberry Pi Boot");
	assert_null(event_get(ev, "nope"));
	assert_string_equal(timeline_get(tl, 1)->board, "");
	assert_true(timeline_get(tl, 1)->t >= ev->t);
	assert_int_equal(timeline_get(tl, 1)->seq, 1);
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.last, "power.on");
	timeline_remove_listener(tl, remember, &s);
	timeline_emit(tl, "x", "y", NULL);
	assert_int_equal(s.calls, 2);
	assert_null(timeline_get(tl, 99));
	timeline_free(tl);
}

static void test_reentrant_listener_keeps_order(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	struct seen s = { .tl = tl };
	timeline_add_listener(tl, echo_once, &s);
	timeline_emit(tl, "a1", "a", NULL);
	assert_int_equal(timeline_count(tl), 2);
	assert_string_equal(timeline_get(tl, 0)->name, "a");
	assert_string_equal(timeline_get(tl, 1)->name, "b");
	timeline_free(tl);
}

/* A listener that tries to clear the timeline under its own event. */
static int clear_rc;
static void clear_from_listener(const struct event *ev, void *user)
{
	(void)ev;
	clear_rc = timeline_clear(user);
}

/* After a case the runner drops its events: the time base, the seq
 * numbers and the listeners go on; indexes start from 0 again. */
static void test_clear_keeps_clock_seq_and_listeners(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	struct seen s = { 0 };
	assert_int_equal(timeline_add_listener(tl, remember, &s), 0);
	for (int i = 0; i < 3000; i++) /* past the array's first growth */
		timeline_emit(tl, "pi4b-1", "console.line", "text", "a line", NULL);
	double before = timeline_get(tl, 2999)->t;
	assert_int_equal(timeline_clear(tl), 0);
	assert_int_equal(timeline_count(tl), 0);
	assert_null(timeline_get(tl, 0));
	timeline_emit(tl, "pi5-1", "power.on", NULL);
	assert_int_equal(timeline_count(tl), 1);
	const struct event *ev = timeline_get(tl, 0);
	assert_string_equal(ev->name, "power.on");
	assert_int_equal(ev->seq, 3000);
	assert_true(ev->t >= before);
	assert_int_equal(s.calls, 3001);
	assert_string_equal(s.last, "power.on");
	assert_int_equal(timeline_clear(tl), 0);
	assert_int_equal(timeline_clear(tl), 0); /* nothing stored: still fine */
	timeline_free(tl);
}

/* Clearing under a listener would free the event the others still get. */
static void test_clear_refused_inside_listener(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	struct seen s = { 0 };
	timeline_add_listener(tl, clear_from_listener, tl);
	timeline_add_listener(tl, remember, &s);
	clear_rc = 0;
	timeline_emit(tl, "pi4b-1", "dhcp.offer", "ip", "192.168.1.104", NULL);
	assert_int_equal(clear_rc, -EBUSY);
	assert_int_equal(timeline_count(tl), 1);
	assert_string_equal(s.last, "dhcp.offer");
	timeline_remove_listener(tl, clear_from_listener, tl);
	assert_int_equal(timeline_clear(tl), 0);
	assert_int_equal(timeline_count(tl), 0);
	timeline_free(tl);
}

static void test_long_values_are_cut(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	timeline_emit(tl, "b", "console.line", "text", big, NULL);
	assert_int_equal(strlen(event_get(timeline_get(tl, 0), "text")), 1024);
	timeline_free(tl);
}

/* Values from the wire may be any bytes: the JSON line stays valid UTF-8. */
static void test_jsonl_bytes_not_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} vectors[] = {
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },            /* good 2-byte sequence kept */
		{ "\xf0\x9f\x8d\x93", "\"\xf0\x9f\x8d\x93\"" },  /* good 4-byte sequence kept */
		{ "a\xff" "b", "\"a\\ufffdb\"" },                      /* stray byte */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },             /* overlong '/' */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
		{ "x\xe2\x82", "\"x\\ufffd\\ufffd\"" },            /* cut at the end */
		{ "\x7f", "\"\\u007f\"" },
	};
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct timeline *tl = timeline_new();
		timeline_emit(tl, "", "tftp.rrq", "file", vectors[i].in, NULL);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		assert_int_equal(event_write_jsonl(timeline_get(tl, 0), f), 0);
		fclose(f);
		char want[64];
		snprintf(want, sizeof(want), "\"file\":%s}", vectors[i].out);
		if (!strstr(buf, want))
			fail_msg("vector %zu: %s lacks %s", i, buf, want);
		free(buf);
		timeline_free(tl);
	}
}

static void test_jsonl_escapes(void **state)
{
	(void)state;
	struct timeline *tl = timeline_new();
	timeline_emit(tl, "b\"1", "console.line", "text", "a\"b\\c\nd\x01", NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(event_write_jsonl(timeline_get(tl, 0), f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"board\":\"b\\\"1\""));
	assert_non_null(strstr(buf, "\"event\":\"console.line\""));
	assert_non_null(strstr(buf, "\"text\":\"a\\\"b\\\\c\\nd\\u0001\""));
	assert_int_equal(buf[len - 1], '\n');
	free(buf);

	char line[128];
	size_t n = event_format_line(timeline_get(tl, 0), line, sizeof(line));
	assert_true(n > 0 && n < sizeof(line));
	assert_non_null(strstr(line, "console.line"));
	char tiny[8];
	assert_true(event_format_line(timeline_get(tl, 0), tiny, sizeof(tiny)) < sizeof(tiny));
	timeline_free(tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_store_and_fields),
		cmocka_unit_test(test_reentrant_listener_keeps_order),
		cmocka_unit_test(test_clear_keeps_clock_seq_and_listeners),
		cmocka_unit_test(test_clear_refused_inside_listener),
		cmocka_unit_test(test_long_values_are_cut),
		cmocka_unit_test(test_jsonl_escapes),
		cmocka_unit_test(test_jsonl_bytes_not_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
