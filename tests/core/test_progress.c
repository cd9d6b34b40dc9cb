/* test_progress.c - the live status: plain lines only on a change of state;
 * on a terminal a block redrawn in place, cut to the width, with boards past
 * the first lines summed up by state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/progress.h"

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void test_plain_prints_changes(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(out, false, 100);
	struct progress_row rows[] = {
		{ "pi4b-1", "boot-dhcp", 0.5, "dhcp.discover" },
		{ "pi5-1", "waiting", 0, "" },
	};
	progress_draw(p, rows, 2);
	progress_draw(p, rows, 2); /* nothing changed: nothing printed */
	rows[0].state = "firmware";
	rows[0].elapsed_s = 2.25;
	rows[0].last = "tftp.rrq file=start4.elf";
	progress_draw(p, rows, 2);
	progress_clear(p); /* no block to erase in plain mode */
	fflush(out);
	assert_int_equal(count(buf, "\n"), 3);
	assert_non_null(strstr(buf, "progress pi4b-1         firmware         2.2s  tftp.rrq file=start4.elf\n"));
	assert_null(strchr(buf, '\033'));
	progress_reset(p); /* a new case: the same states are news again */
	progress_draw(p, rows, 2);
	fflush(out);
	assert_int_equal(count(buf, "\n"), 5);
	progress_free(p);
	fclose(out);
	free(buf);
}

static void test_tty_redraws_in_place(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(out, true, 50);
	char last[200];
	memset(last, 'x', sizeof(last) - 1);
	last[sizeof(last) - 1] = '\0';
	struct progress_row rows[] = {
		{ "pi4b-1", "firmware", 1, last },
		{ "pi5-1", "PASS", 3, "vpi.exit status=0" },
	};
	progress_draw(p, rows, 2);
	fflush(out);
	assert_null(strchr(buf, '\033')); /* nothing on screen yet to erase */
	assert_int_equal(count(buf, "\n"), 2);
	char *nl = strchr(buf, '\n');
	assert_int_equal(nl - buf, 49); /* cut to the width, never wrapped */
	progress_draw(p, rows, 2);
	progress_clear(p);
	progress_clear(p); /* once erased, nothing more to erase */
	fflush(out);
	assert_int_equal(count(buf, "\033[2A\r\033[J"), 2);
	progress_free(p);
	fclose(out);
	free(buf);
}

static void test_tty_sums_up_many_boards(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(out, true, 120);
	struct progress_row rows[64];
	char names[64][8];
	for (int i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "b%02d", i);
		rows[i] = (struct progress_row){ names[i], i < 40 ? "PASS" : i < 50 ? "firmware" : "waiting", 1, "" };
	}
	progress_draw(p, rows, 64);
	fflush(out);
	assert_int_equal(count(buf, "\n"), 16);
	/* rows 15..63 on one line: 25 PASS, 10 firmware, 14 waiting */
	assert_non_null(strstr(buf, "  + 49 more: 25 PASS, 10 firmware, 14 waiting\n"));
	progress_free(p);
	fclose(out);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_prints_changes),
		cmocka_unit_test(test_tty_redraws_in_place),
		cmocka_unit_test(test_tty_sums_up_many_boards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
