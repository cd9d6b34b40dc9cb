/* test_console_tcp.c - console "tcp" against a stand-in ser2net on
 * 127.0.0.1 (tests/core/console_server.py) that sends a recorded Pi 4
 * boot (CRLF, ANSI colours), drops the connection mid-boot and comes back:
 * every line arrives as one console.line, in order and as expected; the
 * drop is a console.error; the lines go on after the reconnect. In telnet
 * mode the server's option offers are refused and kept out of the lines. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "harness/console_tcp.h"
#include "harness/timeline.h"

#define DATA PITEST_SOURCE_DIR "/tests/core/data"
#define SERVER PITEST_SOURCE_DIR "/tests/core/console_server.py"
#define SPLIT 49 /* lines before the drop: the bootloader and start4.elf */
#define MAX_EVENTS 256

struct rec {
	char name[MAX_EVENTS][24];
	char text[MAX_EVENTS][1100];
	double t[MAX_EVENTS];
	size_t n, lines;
};

static void listener(const struct event *ev, void *user)
{
	struct rec *r = user;
	if (strcmp(ev->board, "pi4-01") != 0 || r->n >= MAX_EVENTS)
		return;
	const char *text = event_get(ev, "text"), *error = event_get(ev, "error");
	snprintf(r->name[r->n], sizeof(r->name[0]), "%s", ev->name);
	snprintf(r->text[r->n], sizeof(r->text[0]), "%s", text ? text : error ? error : "");
	r->t[r->n] = ev->t;
	r->lines += strcmp(ev->name, "console.line") == 0;
	r->n++;
}

/* Expected lines, as the console shows them without colours. */
static size_t read_lines(char lines[][1100], size_t max)
{
	FILE *f = fopen(DATA "/pi4-boot.lines", "r");
	assert_non_null(f);
	size_t n = 0;
	while (n < max && fgets(lines[n], 1100, f)) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

/* The server's stdout stays open until it is gone: a write to a closed
 * pipe would kill it. */
static pid_t start_server(const char *mode, const char *record, int *port, int *out_fd)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	char split[16];
	snprintf(split, sizeof(split), "%d", SPLIT);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", SERVER, DATA "/pi4-boot.log", split, mode, record, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	struct pollfd pfd = { p[0], POLLIN, 0 };
	char buf[32] = "";
	size_t got = 0;
	while (!strchr(buf, '\n') && got < sizeof(buf) - 1 && poll(&pfd, 1, 10000) == 1) {
		ssize_t n = read(p[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	*out_fd = p[0];
	*port = atoi(buf);
	if (*port <= 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("the console server did not start");
	}
	return pid;
}

static void run(const char *mode)
{
	char record[] = "/tmp/pitest-console-XXXXXX", address[32];
	int fd = mkstemp(record), port;
	assert_true(fd >= 0);
	close(fd);
	int server_out;
	pid_t server = start_server(mode, record, &port, &server_out);
	snprintf(address, sizeof(address), "127.0.0.1:%d", port);

	struct event_base *base = event_base_new();
	struct timeline *tl = timeline_new();
	struct rec *r = calloc(1, sizeof(*r));
	static char want[128][1100];
	size_t n_want = read_lines(want, 128);
	assert_int_equal(n_want, 73);
	timeline_add_listener(tl, listener, r);
	struct console_tcp *ct = NULL;
	assert_int_equal(console_tcp_new(base, tl, "pi4-01", address, strcmp(mode, "telnet") == 0, &ct), 0);

	/* until every line came and the end was seen, at most 15 s */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!(r->lines == n_want && strcmp(r->name[r->n - 1], "console.error") == 0)) {
		struct timeval tick = { 0, 20000 };
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 15 || r->n == MAX_EVENTS)
			break;
	}
	console_tcp_free(ct);
	int status;
	assert_int_equal(waitpid(server, &status, 0), server);
	close(server_out);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* connected, SPLIT lines, closed, refused retries, connected, the
	 * rest (the prompt without a line end comes at the close), closed */
	size_t i = 0, line = 0;
	assert_string_equal(r->name[i++], "console.connected");
	for (; line < SPLIT; line++, i++) {
		assert_string_equal(r->name[i], "console.line");
		assert_string_equal(r->text[i], want[line]);
	}
	double t_last = r->t[i - 1];
	assert_string_equal(r->name[i], "console.error");
	assert_string_equal(r->text[i++], "connection closed by the other end");
	size_t refused = 0;
	for (; strcmp(r->name[i], "console.error") == 0; i++, refused++)
		assert_non_null(strstr(r->text[i], "refused"));
	assert_true(refused >= 1);
	assert_string_equal(r->name[i++], "console.connected");
	/* stamped on arrival: the server was away 0.8 s */
	if (r->t[i] - t_last < 0.7)
		fail_msg("lines after the reconnect came %.3f s after the last one", r->t[i] - t_last);
	for (; line < n_want; line++, i++) {
		assert_string_equal(r->name[i], "console.line");
		if (strcmp(r->text[i], want[line]) != 0)
			fail_msg("line %zu: got '%s', want '%s'", line + 1, r->text[i], want[line]);
		assert_true(r->t[i] >= r->t[i - 1]);
	}
	assert_string_equal(r->name[i++], "console.error");
	assert_int_equal(i, r->n);

	/* telnet: both connections' offers refused, nothing else sent */
	FILE *f = fopen(record, "r");
	char hex[256] = "";
	assert_non_null(f);
	(void)!fgets(hex, sizeof(hex), f);
	fclose(f);
	if (strcmp(mode, "telnet") == 0)
		assert_string_equal(hex, "fffe01fffe03fffc18fffe01fffe03fffc18");
	else
		assert_string_equal(hex, "");

	unlink(record);
	free(r);
	timeline_free(tl);
	event_base_free(base);
}

static void test_raw(void **state)
{
	(void)state;
	run("raw");
}

static void test_telnet(void **state)
{
	(void)state;
	run("telnet");
}

static void test_address(void **state)
{
	(void)state;
	char host[64];
	uint16_t port;
	assert_int_equal(console_tcp_parse_address("ser2net.lab:3001", host, sizeof(host), &port), 0);
	assert_string_equal(host, "ser2net.lab");
	assert_int_equal(port, 3001);
	assert_int_equal(console_tcp_parse_address("[fd00::5]:2000", host, sizeof(host), &port), 0);
	assert_string_equal(host, "fd00::5");
	assert_int_equal(port, 2000);
	const char *bad[] = { "host", ":1", "h:0", "h:65536", "h:12x", "fd00::5:1", "[fd00::5]1",
			      "a b:1", "h:", NULL };
	for (size_t i = 0; bad[i]; i++)
		if (console_tcp_parse_address(bad[i], host, sizeof(host), &port) != -EINVAL)
			fail_msg("'%s' was taken", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_telnet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
