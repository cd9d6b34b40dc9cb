/* test_power_cmd.c - power "command": the lab keys load; command lines
 * split and expand as documented; boards of a real lab switched through
 * board_power_on/off run the program (tests/core/power_record.sh records
 * its arguments) and report power.on/off; a failing program is a
 * power.error with its exit code and output; a hanging one is killed at
 * power_timeout with its children. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "harness/board.h"
#include "harness/lab.h"
#include "harness/power_cmd.h"
#include "harness/timeline.h"

#define LABS PITEST_SOURCE_DIR "/tests/config/labs"
#define RECORD PITEST_SOURCE_DIR "/tests/core/power_record.sh"

static void test_lab_keys(void **state)
{
	(void)state;
	struct lab *lab = NULL;
	char err[512] = "";
	if (lab_load(LABS "/good-backends.yaml", &lab, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	const struct lab_board *b = lab_board_by_name(lab, "pi4-relay");
	assert_non_null(b);
	assert_string_equal(b->power, "command");
	assert_string_equal(b->power_on, "usbrelay 'BITFT_{board.serial}=1'");
	assert_string_equal(b->power_off, "usbrelay BITFT_{board.serial}=0");
	assert_float_equal(b->power_timeout_s, 2.5, 1e-9);
	assert_string_equal(b->console, "tcp");
	assert_string_equal(b->console_address, "ser2net.lab:3001");
	assert_true(b->console_telnet);

	b = lab_board_by_name(lab, "pi5-pdu");
	assert_non_null(b);
	assert_float_equal(b->power_timeout_s, LAB_POWER_TIMEOUT_DEFAULT_S, 1e-9);
	assert_string_equal(b->console_address, "[fd00::5]:3002");
	assert_false(b->console_telnet);
	/* braces that are no placeholder stay text */
	char **argv = NULL;
	assert_int_equal(power_cmd_argv(b->power_on, lab, b, &argv), 0);
	assert_string_equal(argv[6], "on");
	assert_string_equal(argv[7], "{\"ok\":1}");
	assert_null(argv[8]);
	power_cmd_argv_free(argv);

	b = lab_board_by_name(lab, "pi3-manual");
	assert_string_equal(b->power_on, "");
	assert_string_equal(b->console_address, "");
	lab_free(lab);
}

static void test_words(void **state)
{
	(void)state;
	struct lab_board b = { .name = "pi4-01", .model = "pi4b", .mac_text = "dc:a6:32:12:34:56",
			       .serial = 0x1a2b3c4d, .serial_text = "1a2b3c4d", .ip_text = "10.0.0.11" };
	char **argv = NULL;
	/* a value with shell syntax stays one word and is never interpreted */
	snprintf(b.name, sizeof(b.name), "a;b$(x)");
	assert_int_equal(power_cmd_argv("  snmpset -v2c  'x y'\t\"q\\\"{board.name}\" a\\ b "
					"{board.mac}/{board.ip}/{board.serial}/{board.model} {nope",
					NULL, &b, &argv), 0);
	const char *want[] = { "snmpset", "-v2c", "x y", "q\"a;b$(x)", "a b",
			       "dc:a6:32:12:34:56/10.0.0.11/1a2b3c4d/pi4b", "{nope", NULL };
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[6 + 1]);
	power_cmd_argv_free(argv);

	char why[200];
	assert_int_equal(power_cmd_check("relay 'open", &b, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a closing '");
	assert_int_equal(power_cmd_check("relay \"open", &b, why, sizeof(why)), -EINVAL);
	assert_int_equal(power_cmd_check("relay \\", &b, why, sizeof(why)), -EINVAL);
	assert_int_equal(power_cmd_check("a\nb", &b, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected one line");
	assert_int_equal(power_cmd_check(" \t ", &b, why, sizeof(why)), -EINVAL);
	assert_int_equal(power_cmd_check("relay {board.relay}", &b, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "(got {board.relay})"));
	assert_int_equal(power_cmd_check("relay {board.ip} {x-1}", &b, why, sizeof(why)), 0);
	b.ip_text[0] = '\0';
	assert_int_equal(power_cmd_check("relay {board.ip}", &b, why, sizeof(why)), -EINVAL);
}

/* --- the backend through board.c, on a lab written for the test ---------- */

struct rec {
	char names[64][32];
	char fields[64][4][200];
	size_t n;
	double t_error; /* when the last power.error came */
	struct timeline *tl;
};

static void listener(const struct event *ev, void *user)
{
	struct rec *r = user;
	if (strncmp(ev->name, "power.", 6) != 0 || r->n >= 64)
		return;
	snprintf(r->names[r->n], sizeof(r->names[0]), "%s %s", ev->board, ev->name);
	const char *keys[] = { "action", "command", "status", "output" };
	for (int k = 0; k < 4; k++) {
		const char *v = event_get(ev, keys[k]);
		snprintf(r->fields[r->n][k], sizeof(r->fields[0][0]), "%s", v ? v : "");
	}
	if (strcmp(ev->name, "power.error") == 0)
		r->t_error = timeline_now(r->tl);
	r->n++;
}

/* Runs the loop until `want` events came or 5 s passed. */
static void run_until(struct event_base *base, struct rec *r, size_t want)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r->n < want) {
		struct timeval tick = { 0, 20000 };
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 5)
			fail_msg("waited 5 s for %zu power events, got %zu", want, r->n);
	}
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return strcpy(buf, "");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_board_commands(void **state)
{
	(void)state;
	char dir[] = "/tmp/pitest-powercmd-XXXXXX", lab_path[128], log[128], err[512] = "";
	assert_non_null(mkdtemp(dir));
	snprintf(lab_path, sizeof(lab_path), "%s/lab.yaml", dir);
	snprintf(log, sizeof(log), "%s/record.log", dir);
	setenv("POWER_RECORD_LOG", log, 1);
	FILE *f = fopen(lab_path, "w");
	assert_non_null(f);
	fprintf(f,
		"lab: bench\n"
		"network: { interface: eth1, address: 10.0.0.1/24 }\n"
		"boards:\n"
		"  - { name: relay, model: pi4b, mac: \"dc:a6:32:00:00:01\", serial: \"1a2b3c4d\", ip: 10.0.0.11,\n"
		"      console: none, power: command,\n"
		"      power_on: \"%s on {board.name} '{board.mac} x' {board.serial}\",\n"
		"      power_off: \"%s off {board.name} {board.ip}\" }\n"
		"  - { name: failing, model: pi5, mac: \"2c:cf:67:00:00:02\", console: none, power: command,\n"
		"      power_on: \"%s fail {board.name}\", power_off: \"%s off {board.name}\" }\n"
		"  - { name: hanging, model: pi5, mac: \"2c:cf:67:00:00:03\", console: none, power: command,\n"
		"      power_on: \"%s hang\", power_off: \"%s off hanging\", power_timeout: 300ms }\n"
		"  - { name: missing, model: pi5, mac: \"2c:cf:67:00:00:04\", console: none, power: command,\n"
		"      power_on: /nonexistent/relay, power_off: /nonexistent/relay }\n",
		RECORD, RECORD, RECORD, RECORD, RECORD, RECORD);
	fclose(f);
	struct lab *lab = NULL;
	if (lab_load(lab_path, &lab, err, sizeof(err)) < 0)
		fail_msg("%s", err);

	struct event_base *base = event_base_new();
	struct timeline *tl = timeline_new();
	struct rec *r = calloc(1, sizeof(*r));
	r->tl = tl;
	timeline_add_listener(tl, listener, r);
	struct board *b[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(board_new(base, tl, lab, &lab->boards[i], NULL, NULL, &b[i]), 0);

	/* on, off, then on and off at once: the off waits for the on */
	assert_int_equal(board_power_on(b[0]), 0);
	assert_true(board_is_on(b[0]));
	run_until(base, r, 1);
	assert_int_equal(board_power_off(b[0]), 0);
	run_until(base, r, 2);
	assert_int_equal(board_power_on(b[0]), 0);
	assert_int_equal(board_power_off(b[0]), 0);
	run_until(base, r, 4);
	assert_string_equal(r->names[0], "relay power.on");
	assert_string_equal(r->names[1], "relay power.off");
	assert_string_equal(r->names[2], "relay power.on");
	assert_string_equal(r->names[3], "relay power.off");
	assert_string_equal(slurp(log), "on|relay|dc:a6:32:00:00:01 x|1a2b3c4d|\n"
					"off|relay|10.0.0.11|\n"
					"on|relay|dc:a6:32:00:00:01 x|1a2b3c4d|\n"
					"off|relay|10.0.0.11|\n");

	/* a non-zero exit */
	assert_int_equal(board_power_on(b[1]), 0);
	run_until(base, r, 5);
	assert_string_equal(r->names[4], "failing power.error");
	assert_string_equal(r->fields[4][0], "on");
	assert_string_equal(r->fields[4][1], RECORD " fail failing");
	assert_string_equal(r->fields[4][2], "3");
	assert_string_equal(r->fields[4][3], "usbrelay: relay BITFT_2 not found");

	/* a hanging one: killed at 300 ms, its child too */
	unlink(log);
	char pidfile[160];
	snprintf(pidfile, sizeof(pidfile), "%s.pid", log);
	double t0 = timeline_now(tl);
	assert_int_equal(board_power_on(b[2]), 0);
	run_until(base, r, 6);
	assert_string_equal(r->names[5], "hanging power.error");
	assert_string_equal(r->fields[5][2], "timeout");
	double took = r->t_error - t0;
	if (took < 0.29 || took > 2.0)
		fail_msg("the hanging command was stopped after %.3f s, not 0.3 s", took);
	int child = atoi(slurp(pidfile));
	assert_true(child > 0);
	char stat_path[64];
	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", child);
	for (int i = 0; i < 100; i++) { /* gone, or a zombie waiting for init */
		const char *st = slurp(stat_path), *paren = strrchr(st, ')');
		if (!*st || (paren && paren[2] == 'Z'))
			break;
		if (i == 99)
			fail_msg("the hanging command's child %d still runs", child);
		usleep(10000);
	}

	/* a program that is not there */
	assert_int_equal(board_power_on(b[3]), -ENOENT);
	assert_false(board_is_on(b[3]));
	assert_string_equal(r->names[6], "missing power.error");
	assert_string_equal(r->fields[6][2], "not started: No such file or directory");

	/* freeing a board that is on switches it off before it returns */
	unlink(log);
	assert_int_equal(board_power_on(b[0]), 0);
	run_until(base, r, 8); /* the on of failing's pending... and relay's on */
	board_free(b[0]);
	assert_string_equal(r->names[r->n - 1], "relay power.off");
	assert_string_equal(slurp(log), "on|relay|dc:a6:32:00:00:01 x|1a2b3c4d|\n"
					"off|relay|10.0.0.11|\n");
	for (int i = 1; i < 4; i++)
		board_free(b[i]);

	timeline_free(tl);
	free(r);
	event_base_free(base);
	lab_free(lab);
	unlink(log);
	unlink(pidfile);
	unlink(lab_path);
	rmdir(dir);
}

/* power_status reads the relay back: a switch is reported once the
 * status agrees, and a relay that did not follow is a power.error. */
static void test_status_readback(void **state)
{
	(void)state;
	char dir[] = "/tmp/pitest-powerstatus-XXXXXX", lab_path[128], log[128], state_path[160];
	char err[512] = "";
	assert_non_null(mkdtemp(dir));
	snprintf(lab_path, sizeof(lab_path), "%s/lab.yaml", dir);
	snprintf(log, sizeof(log), "%s/record.log", dir);
	snprintf(state_path, sizeof(state_path), "%s.state", log);
	setenv("POWER_RECORD_LOG", log, 1);
	FILE *f = fopen(lab_path, "w");
	assert_non_null(f);
	fprintf(f,
		"lab: bench\n"
		"network: { interface: eth1, address: 10.0.0.1/24 }\n"
		"boards:\n"
		"  - { name: relay, model: pi4b, mac: \"dc:a6:32:00:00:01\", console: none, power: command,\n"
		"      power_on: \"%s set-on\", power_off: \"%s set-off\", power_status: \"%s status {board.name}\" }\n"
		"  - { name: stuck, model: pi5, mac: \"2c:cf:67:00:00:02\", console: none, power: command,\n"
		"      power_on: \"%s set-on\", power_off: \"%s off\", power_status: \"%s status\" }\n",
		RECORD, RECORD, RECORD, RECORD, RECORD, RECORD);
	fclose(f);
	struct lab *lab = NULL;
	if (lab_load(lab_path, &lab, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(lab->boards[0].power_status, RECORD " status {board.name}");

	struct event_base *base = event_base_new();
	struct timeline *tl = timeline_new();
	struct rec *r = calloc(1, sizeof(*r));
	r->tl = tl;
	timeline_add_listener(tl, listener, r);
	struct board *b[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(board_new(base, tl, lab, &lab->boards[i], NULL, NULL, &b[i]), 0);

	assert_int_equal(board_power_on(b[0]), 0);
	run_until(base, r, 1);
	assert_string_equal(r->names[0], "relay power.on");
	assert_string_equal(r->fields[0][2], "confirmed");
	assert_int_equal(board_power_off(b[0]), 0);
	run_until(base, r, 2);
	assert_string_equal(r->names[1], "relay power.off");
	assert_string_equal(r->fields[1][2], "confirmed");
	/* each switch, then its read-back */
	assert_string_equal(slurp(log), "set-on|\nstatus|relay|\nset-off|\nstatus|relay|\n");

	/* the off command exits 0 but the relay stays on */
	assert_int_equal(board_power_on(b[1]), 0);
	run_until(base, r, 3);
	assert_string_equal(r->names[2], "stuck power.on");
	assert_int_equal(board_power_off(b[1]), 0);
	run_until(base, r, 4);
	assert_string_equal(r->names[3], "stuck power.error");
	assert_string_equal(r->fields[3][0], "off");
	assert_string_equal(r->fields[3][1], RECORD " status");
	assert_string_equal(r->fields[3][2], "reads on after off");

	for (int i = 0; i < 2; i++)
		board_free(b[i]);
	timeline_free(tl);
	free(r);
	event_base_free(base);
	lab_free(lab);
	unlink(log);
	unlink(state_path);
	unlink(lab_path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_keys),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_board_commands),
		cmocka_unit_test(test_status_readback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
