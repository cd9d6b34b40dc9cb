/* test_console_serial.c - console "serial" with libserialport taken out
 * by the linker (--wrap, see CMakeLists.txt): the fakes below log every
 * call with its values, and the port's fd is one end of a socketpair, so
 * the event loop really runs and the test writes what the UART would send.
 * Checked: the configuration calls (baud, bits, parity, stop, flow, opened
 * for reading) and the by-id link resolved; bytes to lines (CR/LF, ANSI
 * escapes, a line split across reads, stamped on arrival); unplug (end of
 * file, a read error, the node gone) -> one console.lost -> reopen tries
 * with a backoff -> console.connected -> lines again; open errors that say
 * what to check. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <libserialport.h>

#include "harness/console_serial.h"
#include "harness/lab.h"
#include "harness/timeline.h"

#define BOARD "pi4-01"
#define MAX_LOG 64
#define MAX_EVENTS 64
#define MAX_OPENS 16

/* --- the fake libserialport ------------------------------------------------ */

static struct {
	char log[MAX_LOG][PATH_MAX + 32];
	size_t n_log;
	int fail_opens;           /* this many sp_open calls fail with open_errno */
	int open_errno;
	enum sp_return port_by_name; /* what sp_get_port_by_name returns */
	enum sp_return set_baud;     /* what sp_set_baudrate returns */
	int last_errno;
	int ends[2];              /* [0] the port's fd, [1] the test's (the UART) */
	size_t opens;             /* sp_open calls */
	struct timeline *tl;
	double open_t[MAX_OPENS]; /* when each sp_open came */
} fake;

static char fake_port_storage;
#define FAKE_PORT ((struct sp_port *)(void *)&fake_port_storage)

enum sp_return __wrap_sp_get_port_by_name(const char *portname, struct sp_port **port_ptr);
enum sp_return __wrap_sp_open(struct sp_port *port, enum sp_mode flags);
enum sp_return __wrap_sp_close(struct sp_port *port);
void __wrap_sp_free_port(struct sp_port *port);
enum sp_return __wrap_sp_set_baudrate(struct sp_port *port, int baudrate);
enum sp_return __wrap_sp_set_bits(struct sp_port *port, int bits);
enum sp_return __wrap_sp_set_parity(struct sp_port *port, enum sp_parity parity);
enum sp_return __wrap_sp_set_stopbits(struct sp_port *port, int stopbits);
enum sp_return __wrap_sp_set_flowcontrol(struct sp_port *port, enum sp_flowcontrol flowcontrol);
enum sp_return __wrap_sp_get_port_handle(const struct sp_port *port, void *result_ptr);
int __wrap_sp_last_error_code(void);

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	assert_true(fake.n_log < MAX_LOG);
	va_start(ap, fmt);
	vsnprintf(fake.log[fake.n_log++], sizeof(fake.log[0]), fmt, ap);
	va_end(ap);
}

enum sp_return __wrap_sp_get_port_by_name(const char *portname, struct sp_port **port_ptr)
{
	logf_("sp_get_port_by_name %s", portname);
	if (fake.port_by_name != SP_OK)
		return fake.port_by_name;
	*port_ptr = FAKE_PORT;
	return SP_OK;
}

enum sp_return __wrap_sp_open(struct sp_port *port, enum sp_mode flags)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_open %s", flags == SP_MODE_READ ? "SP_MODE_READ" : "other");
	if (fake.opens < MAX_OPENS && fake.tl)
		fake.open_t[fake.opens] = timeline_now(fake.tl);
	fake.opens++;
	if (fake.fail_opens > 0) {
		fake.fail_opens--;
		fake.last_errno = fake.open_errno;
		return SP_ERR_FAIL;
	}
	assert_int_equal(fake.ends[0], -1); /* the old one was closed */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fake.ends), 0);
	return SP_OK;
}

enum sp_return __wrap_sp_close(struct sp_port *port)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_close");
	for (int i = 0; i < 2; i++)
		if (fake.ends[i] >= 0) {
			close(fake.ends[i]);
			fake.ends[i] = -1;
		}
	return SP_OK;
}

void __wrap_sp_free_port(struct sp_port *port)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_free_port");
}

enum sp_return __wrap_sp_set_baudrate(struct sp_port *port, int baudrate)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_set_baudrate %d", baudrate);
	if (fake.set_baud == SP_ERR_FAIL)
		fake.last_errno = EINVAL;
	return fake.set_baud;
}

enum sp_return __wrap_sp_set_bits(struct sp_port *port, int bits)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_set_bits %d", bits);
	return SP_OK;
}

enum sp_return __wrap_sp_set_parity(struct sp_port *port, enum sp_parity parity)
{
	static const char *const names[] = { "NONE", "ODD", "EVEN", "MARK", "SPACE" };
	assert_ptr_equal(port, FAKE_PORT);
	assert_true(parity >= SP_PARITY_NONE && parity <= SP_PARITY_SPACE);
	assert_int_equal(SP_PARITY_SPACE, 4);
	logf_("sp_set_parity SP_PARITY_%s", names[parity]);
	return SP_OK;
}

enum sp_return __wrap_sp_set_stopbits(struct sp_port *port, int stopbits)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_set_stopbits %d", stopbits);
	return SP_OK;
}

enum sp_return __wrap_sp_set_flowcontrol(struct sp_port *port, enum sp_flowcontrol flowcontrol)
{
	static const char *const names[] = { "NONE", "XONXOFF", "RTSCTS", "DTRDSR" };
	assert_ptr_equal(port, FAKE_PORT);
	assert_true(flowcontrol >= SP_FLOWCONTROL_NONE && flowcontrol <= SP_FLOWCONTROL_DTRDSR);
	assert_int_equal(SP_FLOWCONTROL_DTRDSR, 3);
	logf_("sp_set_flowcontrol SP_FLOWCONTROL_%s", names[flowcontrol]);
	return SP_OK;
}

enum sp_return __wrap_sp_get_port_handle(const struct sp_port *port, void *result_ptr)
{
	assert_ptr_equal(port, FAKE_PORT);
	logf_("sp_get_port_handle");
	*(int *)result_ptr = fake.ends[0];
	return SP_OK;
}

int __wrap_sp_last_error_code(void)
{
	return fake.last_errno;
}

/* --- the test's side --------------------------------------------------------- */

struct rec {
	char name[MAX_EVENTS][24];
	char text[MAX_EVENTS][256]; /* text, or error for console.lost */
	char device[MAX_EVENTS][PATH_MAX];
	double t[MAX_EVENTS];
	size_t n;
};

struct env {
	char dir[64];
	char device[PATH_MAX];
	struct event_base *base;
	struct timeline *tl;
	struct rec *r;
	struct console_serial *cs;
};

static void listener(const struct event *ev, void *user)
{
	struct rec *r = user;
	assert_string_equal(ev->board, BOARD);
	assert_true(r->n < MAX_EVENTS);
	const char *text = event_get(ev, "text"), *error = event_get(ev, "error");
	const char *device = event_get(ev, "device");
	snprintf(r->name[r->n], sizeof(r->name[0]), "%s", ev->name);
	snprintf(r->text[r->n], sizeof(r->text[0]), "%s", text ? text : error ? error : "");
	snprintf(r->device[r->n], sizeof(r->device[0]), "%s", device ? device : "");
	r->t[r->n] = ev->t;
	r->n++;
}

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/pitest-serial-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->device, sizeof(e->device), "%s/ttyUSB0", e->dir);
	touch(e->device);
	e->base = event_base_new();
	e->tl = timeline_new();
	e->r = calloc(1, sizeof(*e->r));
	assert_non_null(e->base);
	assert_non_null(e->tl);
	assert_non_null(e->r);
	timeline_add_listener(e->tl, listener, e->r);
	memset(&fake, 0, sizeof(fake));
	fake.ends[0] = fake.ends[1] = -1;
	fake.port_by_name = SP_OK;
	fake.set_baud = SP_OK;
	fake.tl = e->tl;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX + 32];
	console_serial_free(e->cs);
	assert_int_equal(fake.ends[0], -1); /* the port was closed */
	snprintf(path, sizeof(path), "%s/ttyUSB0", e->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/by-id", e->dir);
	unlink(path);
	rmdir(e->dir);
	timeline_free(e->tl);
	event_base_free(e->base);
	free(e->r);
	free(e);
	return 0;
}

static size_t count(const struct rec *r, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += strcmp(r->name[i], name) == 0;
	return n;
}

/* Runs the loop until `name` has come `times` times or `limit_s` passed. */
static void run_until(struct env *e, const char *name, size_t times, double limit_s)
{
	double t0 = timeline_now(e->tl);
	while ((!name || count(e->r, name) < times) && timeline_now(e->tl) - t0 < limit_s) {
		struct timeval tick = { 0, 10000 };
		event_base_loopexit(e->base, &tick);
		event_base_dispatch(e->base);
	}
}

static void uart_send(const char *bytes)
{
	size_t n = strlen(bytes);
	assert_true(fake.ends[1] >= 0);
	assert_int_equal(write(fake.ends[1], bytes, n), (ssize_t)n);
}

static void assert_log(const char *const want[], size_t n)
{
	for (size_t i = 0; i < n && i < fake.n_log; i++)
		if (strcmp(fake.log[i], want[i]) != 0)
			fail_msg("call %zu: got '%s', want '%s'", i + 1, fake.log[i], want[i]);
	if (fake.n_log != n)
		fail_msg("%zu libserialport calls, want %zu", fake.n_log, n);
}

static void open_ok(struct env *e, const struct console_serial_settings *set)
{
	char err[512] = "";
	int rc = console_serial_new(e->base, e->tl, BOARD, e->device, set, err, sizeof(err), &e->cs);
	if (rc != 0)
		fail_msg("console_serial_new: %d %s", rc, err);
}

/* --- configuration ------------------------------------------------------------- */

static void test_configuration(void **state)
{
	struct env *e = *state;
	static const struct {
		struct console_serial_settings set;
		const char *baud, *bits, *parity, *stop, *flow;
	} cases[] = {
		{ { 115200, 8, CONSOLE_SERIAL_PARITY_NONE, 1, CONSOLE_SERIAL_FLOW_NONE },
		  "115200", "8", "NONE", "1", "NONE" },
		{ { 921600, 7, CONSOLE_SERIAL_PARITY_EVEN, 2, CONSOLE_SERIAL_FLOW_RTSCTS },
		  "921600", "7", "EVEN", "2", "RTSCTS" },
		{ { 9600, 5, CONSOLE_SERIAL_PARITY_ODD, 1, CONSOLE_SERIAL_FLOW_XONXOFF },
		  "9600", "5", "ODD", "1", "XONXOFF" },
		{ { 57600, 6, CONSOLE_SERIAL_PARITY_MARK, 2, CONSOLE_SERIAL_FLOW_DTRDSR },
		  "57600", "6", "MARK", "2", "DTRDSR" },
		{ { 1500000, 8, CONSOLE_SERIAL_PARITY_SPACE, 1, CONSOLE_SERIAL_FLOW_NONE },
		  "1500000", "8", "SPACE", "1", "NONE" },
	};
	char want[8][PATH_MAX + 32];
	const char *wantp[8];

	/* the defaults are a Pi's UART: 115200 8N1, no flow control */
	struct console_serial_settings def;
	console_serial_settings_default(&def);
	assert_memory_equal(&def, &cases[0].set, sizeof(def));

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		fake.n_log = 0;
		e->r->n = 0;
		open_ok(e, &cases[c].set);
		snprintf(want[0], sizeof(want[0]), "sp_get_port_by_name %s", e->device);
		snprintf(want[1], sizeof(want[1]), "sp_open SP_MODE_READ");
		snprintf(want[2], sizeof(want[2]), "sp_set_baudrate %s", cases[c].baud);
		snprintf(want[3], sizeof(want[3]), "sp_set_bits %s", cases[c].bits);
		snprintf(want[4], sizeof(want[4]), "sp_set_parity SP_PARITY_%s", cases[c].parity);
		snprintf(want[5], sizeof(want[5]), "sp_set_stopbits %s", cases[c].stop);
		snprintf(want[6], sizeof(want[6]), "sp_set_flowcontrol SP_FLOWCONTROL_%s", cases[c].flow);
		snprintf(want[7], sizeof(want[7]), "sp_get_port_handle");
		for (size_t i = 0; i < 8; i++)
			wantp[i] = want[i];
		assert_log(wantp, 8);
		/* the fd is read without blocking */
		assert_true(fcntl(fake.ends[0], F_GETFL) & O_NONBLOCK);
		assert_int_equal(e->r->n, 1);
		assert_string_equal(e->r->name[0], "console.connected");
		assert_string_equal(e->r->device[0], e->device);

		console_serial_free(e->cs);
		e->cs = NULL;
		assert_string_equal(fake.log[8], "sp_close");
		assert_string_equal(fake.log[9], "sp_free_port");
		assert_int_equal(fake.n_log, 10);
	}
}

/* /dev/serial/by-id/... is a link: libserialport gets the tty it names,
 * events keep the name the lab file gave. */
static void test_by_id_link(void **state)
{
	struct env *e = *state;
	char link[PATH_MAX], want[PATH_MAX + 32];
	struct console_serial_settings set;

	snprintf(link, sizeof(link), "%s/by-id", e->dir);
	assert_int_equal(symlink("ttyUSB0", link), 0);
	snprintf(want, sizeof(want), "sp_get_port_by_name %s", e->device);
	snprintf(e->device, sizeof(e->device), "%s", link);
	console_serial_settings_default(&set);
	open_ok(e, &set);
	assert_string_equal(fake.log[0], want);
	assert_string_equal(e->r->name[0], "console.connected");
	assert_string_equal(e->r->device[0], link);
}

/* --- lines ------------------------------------------------------------------------ */

static void test_lines(void **state)
{
	struct env *e = *state;
	struct console_serial_settings set;
	console_serial_settings_default(&set);
	open_ok(e, &set);

	uart_send("\x1b[1;32mU-Boot 2024.04\x1b[0m (Raspberry Pi 4)\r\n");
	run_until(e, "console.line", 1, 2.0);
	uart_send("Starting kern");
	run_until(e, NULL, 0, 0.15); /* half a line is no line yet */
	assert_int_equal(count(e->r, "console.line"), 1);
	uart_send("el ...\r\nCR only\rLF only\nLFCR\n\r");
	run_until(e, "console.line", 5, 2.0);
	uart_send("\x1b[2K\x1b[Gpi4 login:");
	run_until(e, NULL, 0, 0.05);
	console_serial_free(e->cs); /* the prompt without a line end is a line at the end */
	e->cs = NULL;

	static const char *const want[] = { "U-Boot 2024.04 (Raspberry Pi 4)", "Starting kernel ...",
					    "CR only", "LF only", "LFCR", "pi4 login:" };
	assert_int_equal(e->r->n, 1 + 6);
	assert_string_equal(e->r->name[0], "console.connected");
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(e->r->name[1 + i], "console.line");
		assert_string_equal(e->r->text[1 + i], want[i]);
	}
	/* stamped when the line end came, not when the read began */
	if (e->r->t[2] - e->r->t[1] < 0.14)
		fail_msg("the second line came %.3f s after the first", e->r->t[2] - e->r->t[1]);
}

/* --- unplug and back ----------------------------------------------------------------- */

/* lost once, the port closed, reopen tries at 0.25, 0.5, 1 s, then back */
static void check_unplug(struct env *e, const char *error_part, size_t failing)
{
	size_t lost_at = 0, opens_before = fake.opens;
	double t_lost;

	run_until(e, "console.lost", 1, 3.0);
	assert_int_equal(count(e->r, "console.lost"), 1);
	while (strcmp(e->r->name[lost_at], "console.lost") != 0)
		lost_at++;
	t_lost = e->r->t[lost_at];
	assert_string_equal(e->r->device[lost_at], e->device);
	if (!strstr(e->r->text[lost_at], error_part))
		fail_msg("console.lost error '%s' does not say '%s'", e->r->text[lost_at], error_part);
	assert_int_equal(fake.ends[0], -1); /* closed at once */

	run_until(e, "console.connected", 2, 6.0);
	assert_int_equal(count(e->r, "console.connected"), 2);
	assert_int_equal(count(e->r, "console.lost"), 1); /* failed tries say nothing */
	assert_string_equal(e->r->name[e->r->n - 1], "console.connected");
	assert_string_equal(e->r->device[e->r->n - 1], e->device);
	assert_int_equal(fake.opens - opens_before, failing + 1);
	/* the backoff: 0.25 s, then doubling */
	double prev = t_lost, gap = 0.25;
	for (size_t k = opens_before; k < fake.opens && k < MAX_OPENS; k++) {
		double d = fake.open_t[k] - prev;
		if (d < gap - 0.02 || d > gap + 0.2)
			fail_msg("reopen try %zu came %.3f s after the last, want %.2f s", k - opens_before + 1,
				 d, gap);
		prev = fake.open_t[k];
		gap = gap * 2 > 2.0 ? 2.0 : gap * 2;
	}

	/* lines again, from the new port */
	uart_send("after replug\r\n");
	size_t lines = count(e->r, "console.line");
	run_until(e, "console.line", lines + 1, 2.0);
	assert_string_equal(e->r->name[e->r->n - 1], "console.line");
	assert_string_equal(e->r->text[e->r->n - 1], "after replug");
}

static void test_unplug_end_of_file(void **state)
{
	struct env *e = *state;
	struct console_serial_settings set;
	console_serial_settings_default(&set);
	open_ok(e, &set);

	uart_send("Starting kernel ...\r\nhalf a li");
	run_until(e, "console.line", 1, 2.0);
	/* the adapter is pulled (its tty hangs up); it is back on the third try */
	fake.fail_opens = 2;
	fake.open_errno = ENODEV;
	close(fake.ends[1]);
	fake.ends[1] = -1;
	size_t calls = fake.n_log;
	check_unplug(e, "end of file", 2);

	/* connected, line, the half line, lost */
	assert_string_equal(e->r->name[1], "console.line");
	assert_string_equal(e->r->text[1], "Starting kernel ...");
	assert_string_equal(e->r->name[2], "console.line");
	assert_string_equal(e->r->text[2], "half a li");
	assert_string_equal(e->r->name[3], "console.lost");
	/* the lost port was closed and freed before the first retry */
	assert_string_equal(fake.log[calls], "sp_close");
	assert_string_equal(fake.log[calls + 1], "sp_free_port");
	assert_string_equal(fake.log[calls + 2], fake.log[0]); /* sp_get_port_by_name again */
}

/* A read error: the peer closed with bytes it never read, so the port's
 * read gets ECONNRESET (as a USB-serial read gets EIO). */
static void test_unplug_read_error(void **state)
{
	struct env *e = *state;
	struct console_serial_settings set;
	console_serial_settings_default(&set);
	open_ok(e, &set);

	assert_int_equal(write(fake.ends[0], "x", 1), 1);
	close(fake.ends[1]);
	fake.ends[1] = -1;
	check_unplug(e, strerror(ECONNRESET), 0);
}

/* The node goes away with no word on the fd; it comes back later. */
static void test_node_gone(void **state)
{
	struct env *e = *state;
	struct console_serial_settings set;
	console_serial_settings_default(&set);
	open_ok(e, &set);

	size_t opens = fake.opens;
	assert_int_equal(unlink(e->device), 0);
	run_until(e, "console.lost", 1, 2.0);
	assert_int_equal(count(e->r, "console.lost"), 1);
	assert_non_null(strstr(e->r->text[1], "gone"));
	/* nothing to open: no sp_open tries, no more events */
	run_until(e, NULL, 0, 1.0);
	assert_int_equal(fake.opens, opens);
	assert_int_equal(e->r->n, 2);
	touch(e->device);
	run_until(e, "console.connected", 2, 3.0);
	assert_int_equal(count(e->r, "console.connected"), 2);
	assert_int_equal(fake.opens, opens + 1);
	uart_send("back\n");
	run_until(e, "console.line", 1, 2.0);
	assert_string_equal(e->r->text[e->r->n - 1], "back");
}

/* Freed while it waits for the adapter: the retry timer goes too. */
static void test_free_while_lost(void **state)
{
	struct env *e = *state;
	struct console_serial_settings set;
	console_serial_settings_default(&set);
	open_ok(e, &set);
	fake.fail_opens = 100;
	fake.open_errno = ENOENT;
	close(fake.ends[1]);
	fake.ends[1] = -1;
	run_until(e, "console.lost", 1, 2.0);
	run_until(e, NULL, 0, 0.4);
	console_serial_free(e->cs);
	e->cs = NULL;
	size_t opens = fake.opens;
	run_until(e, NULL, 0, 0.6);
	assert_int_equal(fake.opens, opens);
	assert_int_equal(count(e->r, "console.lost"), 1);
}

/* --- open errors at start ----------------------------------------------------------- */

static void expect_open_error(struct env *e, int rc_want, const char *const parts[])
{
	char err[1024] = "";
	struct console_serial_settings set;
	console_serial_settings_default(&set);
	int rc = console_serial_new(e->base, e->tl, BOARD, e->device, &set, err, sizeof(err), &e->cs);
	assert_int_equal(rc, rc_want);
	assert_null(e->cs);
	assert_non_null(strstr(err, "board " BOARD));
	assert_non_null(strstr(err, e->device));
	for (size_t i = 0; parts[i]; i++)
		if (!strstr(err, parts[i]))
			fail_msg("'%s' does not say '%s'", err, parts[i]);
	assert_int_equal(e->r->n, 0); /* no events */
	assert_int_equal(fake.ends[0], -1);
}

static void test_open_errors(void **state)
{
	struct env *e = *state;

	/* the adapter is not there */
	snprintf(e->device, sizeof(e->device), "%s/ttyUSB9", e->dir);
	expect_open_error(e, -ENOENT, (const char *const[]){ "No such file", "plugged in",
							   "/dev/serial/by-id", NULL });
	assert_int_equal(fake.n_log, 0);

	/* no permission: the dialout group */
	snprintf(e->device, sizeof(e->device), "%s/ttyUSB0", e->dir);
	fake.fail_opens = 1;
	fake.open_errno = EACCES;
	expect_open_error(e, -EACCES, (const char *const[]){ "Permission denied", "dialout", NULL });
	assert_int_equal(fake.n_log, 3); /* freed, never opened so never closed */
	assert_string_equal(fake.log[1], "sp_open SP_MODE_READ");
	assert_string_equal(fake.log[2], "sp_free_port");

	/* someone else has it */
	fake.n_log = 0;
	fake.fail_opens = 1;
	fake.open_errno = EBUSY;
	expect_open_error(e, -EBUSY, (const char *const[]){ "another program", NULL });

	/* not a serial port */
	fake.port_by_name = SP_ERR_ARG;
	expect_open_error(e, -EINVAL, (const char *const[]){ "not a serial port", NULL });
	fake.port_by_name = SP_OK;

	/* a setting the port refuses: closed again */
	fake.n_log = 0;
	fake.set_baud = SP_ERR_FAIL;
	expect_open_error(e, -EINVAL, (const char *const[]){ "cannot set the baud rate", "115200 8N1", NULL });
	assert_string_equal(fake.log[fake.n_log - 2], "sp_close");
	assert_string_equal(fake.log[fake.n_log - 1], "sp_free_port");

	/* settings a lab file cannot give */
	char err[256];
	struct console_serial_settings bad;
	console_serial_settings_default(&bad);
	bad.bits = 9;
	assert_int_equal(console_serial_new(e->base, e->tl, BOARD, e->device, &bad, err, sizeof(err), &e->cs),
			 -EINVAL);
	console_serial_settings_default(&bad);
	assert_int_equal(console_serial_new(e->base, e->tl, BOARD, "ttyUSB0", &bad, err, sizeof(err), &e->cs),
			 -EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(console_serial_baud_ok(115200));
	assert_true(console_serial_baud_ok(3000000));
	assert_false(console_serial_baud_ok(115201));
	assert_false(console_serial_baud_ok(0));
	assert_int_equal(console_serial_lookup(console_serial_parity_names, "space"), CONSOLE_SERIAL_PARITY_SPACE);
	assert_int_equal(console_serial_lookup(console_serial_flow_names, "dtrdsr"), CONSOLE_SERIAL_FLOW_DTRDSR);
	assert_int_equal(console_serial_lookup(console_serial_flow_names, "hardware"), -1);
}

/* The lab file's keys arrive as these settings (the bad values are
 * tests/config/labs/bad-serial-*.yaml). */
static void test_lab_keys(void **state)
{
	struct lab *lab = NULL;
	char err[512] = "";
	(void)state;
	if (lab_load(PITEST_SOURCE_DIR "/tests/config/labs/good-serial.yaml", &lab, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	const struct lab_board *b = &lab->boards[0];
	assert_string_equal(b->console, "serial");
	assert_string_equal(b->console_device,
			    "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K5XYZ-if00-port0");
	assert_int_equal(b->console_serial.baud, 115200);
	assert_int_equal(b->console_serial.bits, 8);
	assert_int_equal(b->console_serial.parity, CONSOLE_SERIAL_PARITY_NONE);
	assert_int_equal(b->console_serial.stop, 1);
	assert_int_equal(b->console_serial.flow, CONSOLE_SERIAL_FLOW_NONE);
	b = &lab->boards[1];
	assert_string_equal(b->console_device, "/dev/ttyUSB1");
	assert_int_equal(b->console_serial.baud, 921600);
	assert_int_equal(b->console_serial.bits, 7);
	assert_int_equal(b->console_serial.parity, CONSOLE_SERIAL_PARITY_EVEN);
	assert_int_equal(b->console_serial.stop, 2);
	assert_int_equal(b->console_serial.flow, CONSOLE_SERIAL_FLOW_RTSCTS);
	assert_string_equal(lab->boards[2].console, "none");
	assert_string_equal(lab->boards[2].console_device, "");
	lab_free(lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_lab_keys),
		cmocka_unit_test_setup_teardown(test_configuration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_id_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_end_of_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_read_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_while_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
