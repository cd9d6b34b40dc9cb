/*
 * test_lab_check.c - `pitest lab check`'s judging: what a board did while
 * it was checked, as a table, and the verdict words and line it must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness/lab_check.h"

struct scenario {
	const char *name;
	struct lab_check_seen seen;
	const char *power, *console, *network, *off;
	int wired;
	const char *line; /* the whole line the board gets */
};

#define PI4_MAC "dc:a6:32:12:34:56"

static const struct scenario scenarios[] = {
	{ "all wired",
	  { .has_console = true, .console_lines = 14, .discover = true, .discover_mac = PI4_MAC,
	    .window_s = 15 },
	  "ok", "ok", "ok", "ok", 1,
	  "pi4b-1  power ok  console ok (14 lines)  network ok (DISCOVER from " PI4_MAC ")  off ok" },
	{ "no console configured counts as wired",
	  { .has_console = false, .discover = true, .discover_mac = PI4_MAC, .window_s = 15 },
	  "ok", "absent", "ok", "ok", 1,
	  "pi4b-1  power ok  console - (none in the lab file)  network ok (DISCOVER from " PI4_MAC ")  off ok" },
	{ "dead relay",
	  { .has_console = true, .window_s = 30 },
	  "unknown", "none", "none", "unknown", 0,
	  "pi4b-1  power ?  console none in 30 s  network none in 30 s  off ?  -> check the relay/power line" },
	{ "manual board nobody switched",
	  { .has_console = false, .manual = true, .window_s = 15 },
	  "unknown", "absent", "none", "unknown", 0,
	  "pi4b-1  power ?  console - (none in the lab file)  network none in 15 s  off ?  -> was it switched "
	  "on? check its power supply" },
	{ "relay switches another board of the lab",
	  { .has_console = true, .other_mac = "b8:27:eb:b2:c3:d4", .other_board = "pi3b-1", .window_s = 15 },
	  "unknown", "none", "wrong", "unknown", 0,
	  "pi4b-1  power ?  console none in 15 s  network none in 15 s, but DISCOVER came from b8:27:eb:b2:c3:d4 "
	  "(lab has it as pi3b-1)  off ?  -> this board's relay seems to switch pi3b-1" },
	{ "another Pi, not in the lab",
	  { .has_console = false, .other_mac = "b8:27:eb:00:00:01", .window_s = 15 },
	  "unknown", "absent", "wrong", "unknown", 0,
	  "pi4b-1  power ?  console - (none in the lab file)  network none in 15 s, but DISCOVER came from "
	  "b8:27:eb:00:00:01 (not in the lab)  off ?  -> is mac: right? another Pi answered this board's power" },
	{ "one relay for two boards",
	  { .has_console = true, .console_lines = 3, .discover = true, .discover_mac = PI4_MAC,
	    .other_mac = "b8:27:eb:b2:c3:d4", .other_board = "pi3b-1", .window_s = 15 },
	  "ok", "ok", "wrong", "ok", 0,
	  "pi4b-1  power ok  console ok (3 lines)  network ok (DISCOVER from " PI4_MAC "), but also DISCOVER came "
	  "from b8:27:eb:b2:c3:d4 (lab has it as pi3b-1)  off ok  -> does its relay switch pi3b-1 too?" },
	{ "loose console",
	  { .has_console = true, .discover = true, .discover_mac = PI4_MAC, .window_s = 15 },
	  "ok", "none", "ok", "ok", 0,
	  "pi4b-1  power ok  console none in 15 s  network ok (DISCOVER from " PI4_MAC ")  off ok  -> check the "
	  "console wiring (TX/RX crossed, GND, baud) and that the boot code prints (BOOT_UART / enable_uart)" },
	{ "no network, one console line",
	  { .has_console = true, .console_lines = 1, .window_s = 20 },
	  "ok", "ok", "none", "ok", 0,
	  "pi4b-1  power ok  console ok (1 line)  network none in 20 s  off ok  -> check the Ethernet cable and "
	  "switch port, mac: in the lab file and that the board netboots (BOOT_ORDER, OTP)" },
	{ "stuck relay",
	  { .has_console = true, .console_lines = 9, .discover = true, .discover_mac = PI4_MAC,
	    .after_off_lines = 4, .after_off_packets = 1, .window_s = 15 },
	  "ok", "ok", "ok", "on", 0,
	  "pi4b-1  power ok  console ok (9 lines)  network ok (DISCOVER from " PI4_MAC ")  off NO (after power "
	  "off: 4 console lines, 1 packet)  -> power off does not cut it: a stuck relay, or one on another line" },
	{ "power command failed",
	  { .has_console = true, .power_failed = true, .power_error = "on: 1", .window_s = 15 },
	  "failed", "none", "none", "unknown", 0,
	  "pi4b-1  power failed (on: 1)  console none in 15 s  network none in 15 s  off ?  -> check the power "
	  "backend (its power.error says why)" },
	{ "off command failed",
	  { .has_console = true, .console_lines = 2, .discover = true, .discover_mac = PI4_MAC,
	    .off_failed = true, .window_s = 15 },
	  "ok", "ok", "ok", "failed", 0,
	  "pi4b-1  power ok  console ok (2 lines)  network ok (DISCOVER from " PI4_MAC ")  off failed  -> power "
	  "off does not cut it: a stuck relay, or one on another line" },
};

static void test_scenarios(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *sc = &scenarios[i];
		struct lab_check_verdict v;
		char line[1024];
		lab_check_judge(&sc->seen, &v);
		if (strcmp(v.power, sc->power) || strcmp(v.console, sc->console) ||
		    strcmp(v.network, sc->network) || strcmp(v.off, sc->off) || (int)v.wired != sc->wired)
			fail_msg("%s: got power %s console %s network %s off %s wired %d", sc->name, v.power,
				 v.console, v.network, v.off, v.wired);
		size_t n = lab_check_format("pi4b-1", 6, &sc->seen, line, sizeof(line));
		assert_int_equal(n, strlen(line));
		if (strcmp(line, sc->line) != 0)
			fail_msg("%s:\n  want: %s\n  got:  %s", sc->name, sc->line, line);
	}
}

/* A short buffer gets a cut, terminated line, never an overrun. */
static void test_cut(void **state)
{
	(void)state;
	char buf[24];
	memset(buf, 'x', sizeof(buf));
	size_t n = lab_check_format("pi4b-1", 10, &scenarios[0].seen, buf, 20);
	assert_int_equal(n, 19);
	assert_int_equal(buf[19], '\0');
	assert_int_equal(buf[20], 'x');
	assert_int_equal(lab_check_format("pi4b-1", 0, &scenarios[0].seen, buf, 0), 0);
}

static void test_windows(void **state)
{
	(void)state;
	for (const char *const *m = lab_models; *m; m++) {
		double w = lab_check_window_s(*m);
		assert_true(w >= 10 && w <= 60);
	}
	/* the Pi 3 ROMs print nothing: their console speaks only from bootcode.bin */
	assert_true(lab_check_window_s("pi3b") > lab_check_window_s("pi4b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
