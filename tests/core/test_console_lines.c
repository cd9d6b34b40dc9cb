/* test_console_lines.c - console bytes to lines: every line end variant,
 * escape sequences, control bytes, long lines, any split of the input;
 * telnet commands taken out and options refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/console_lines.h"

struct got {
	char text[4096];
	size_t n;
};

/* Lines joined as "a|b|" so one comparison shows the whole result. */
static void collect(const char *line, size_t len, void *user)
{
	struct got *g = user;
	assert_int_equal(strlen(line), len);
	size_t used = strlen(g->text);
	snprintf(g->text + used, sizeof(g->text) - used, "%s|", line);
	g->n++;
}

/* Fed whole, and byte by byte: the result must not depend on the pieces. */
static void check(const char *in, size_t n, const char *want)
{
	for (int pass = 0; pass < 2; pass++) {
		struct console_lines cl;
		struct got g = { "", 0 };
		console_lines_init(&cl);
		if (pass == 0)
			console_lines_feed(&cl, in, n, collect, &g);
		else
			for (size_t i = 0; i < n; i++)
				console_lines_feed(&cl, in + i, 1, collect, &g);
		console_lines_flush(&cl, collect, &g);
		if (strcmp(g.text, want) != 0)
			fail_msg("pass %d: got '%s', want '%s'", pass, g.text, want);
	}
}

#define CHECK(in, want) check(in, sizeof(in) - 1, want)

static void test_line_ends(void **state)
{
	(void)state;
	CHECK("a\r\nb\r\n", "a|b|");
	CHECK("a\nb\n", "a|b|");
	CHECK("a\rb\r", "a|b|");
	CHECK("a\n\rb\n\r", "a|b|");
	CHECK("a\r\r\nb\r\r\n", "a|b|");
	CHECK("a\r\n\r\nb\r\n", "a||b|");
	CHECK("a\n\nb", "a||b|");
	CHECK("\r\n", "|");
	CHECK("partial", "partial|");
	CHECK("", "");
}

static void test_escapes(void **state)
{
	(void)state;
	/* colours, cursor moves, an OSC title (BEL and ST ends), charset */
	CHECK("\x1b[1;32mOK\x1b[0m done\r\n", "OK done|");
	CHECK("\x1b[2J\x1b[H\x1b[?25lclear\r\n", "clear|");
	CHECK("\x1b]0;title\x07t1\r\n\x1b]2;x\x1b\\t2\n", "t1|t2|");
	CHECK("\x1b(Bcs\x1b" "7x\r\n", "csx|");
	/* a broken sequence ends at the line end, which still counts */
	CHECK("bad\x1b[12\r\nnext\r\n", "bad|next|");
	/* control bytes vanish; a tab stays; NUL inside CR NUL LF is nothing */
	CHECK("a\x07\bb\tc\x7f\r\x00\nd\n", "ab\tc|d|");
	/* bytes above 127 (UTF-8) pass */
	CHECK("\xc2\xb5s\n", "\xc2\xb5s|");
}

static void test_long_line(void **state)
{
	(void)state;
	static char in[CONSOLE_LINE_MAX * 2 + 10];
	memset(in, 'x', CONSOLE_LINE_MAX * 2 + 5);
	memcpy(in + CONSOLE_LINE_MAX * 2 + 5, "\r\nab\n", 5);
	struct console_lines cl;
	struct got g = { "", 0 };
	console_lines_init(&cl);
	console_lines_feed(&cl, in, sizeof(in), collect, &g);
	/* cut into pieces of CONSOLE_LINE_MAX, nothing lost */
	assert_int_equal(g.n, 4);
	assert_int_equal(strlen(g.text), CONSOLE_LINE_MAX * 2 + 5 + 2 + 4);
	assert_string_equal(g.text + strlen(g.text) - 9, "xxxxx|ab|");
}

static void test_telnet(void **state)
{
	(void)state;
	/* ser2net's greeting: WILL ECHO, WILL SGA, DO TTYPE, then data with
	 * an escaped 255, a subnegotiation and a NOP; WONT/DONT unanswered */
	const uint8_t in[] = { 255, 251, 1, 255, 251, 3, 255, 253, 24, 'h', 'i', 255, 255, '!',
			       255, 250, 44, 1, 255, 255, 2, 255, 240, 255, 241, 'o', 'k', 255, 252, 1,
			       255, 254, 3, '\r', '\n' };
	const uint8_t want_data[] = { 'h', 'i', 255, '!', 'o', 'k', '\r', '\n' };
	const uint8_t want_reply[] = { 255, 254, 1, 255, 254, 3, 255, 252, 24 };
	for (size_t piece = 1; piece <= sizeof(in); piece++) {
		struct telnet t;
		uint8_t data[64], reply[64], d[64], r[64];
		size_t nd = 0, nr = 0;
		telnet_init(&t);
		for (size_t off = 0; off < sizeof(in);) {
			size_t n = sizeof(in) - off < piece ? sizeof(in) - off : piece, dl, rl;
			size_t used = telnet_filter(&t, in + off, n, d, &dl, r, sizeof(r), &rl);
			assert_int_equal(used, n);
			memcpy(data + nd, d, dl);
			memcpy(reply + nr, r, rl);
			nd += dl;
			nr += rl;
			off += used;
		}
		assert_int_equal(nd, sizeof(want_data));
		assert_memory_equal(data, want_data, nd);
		assert_int_equal(nr, sizeof(want_reply));
		assert_memory_equal(reply, want_reply, nr);
	}

	/* no room for a reply: stops before the byte that needs one */
	struct telnet t;
	uint8_t d[8], r[8];
	size_t dl, rl;
	telnet_init(&t);
	const uint8_t two[] = { 255, 253, 1, 255, 253, 3 };
	assert_int_equal(telnet_filter(&t, two, sizeof(two), d, &dl, r, 5, &rl), 3);
	assert_int_equal(rl, 3);
	assert_int_equal(telnet_filter(&t, two + 3, 3, d, &dl, r, 2, &rl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_telnet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
