/*
 * console_serial.c - console "serial": a local UART opened with
 * libserialport, read with a libevent event on its fd, reopened on a timer
 * after the adapter went away.
 */
#include "harness/console_serial.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <libserialport.h>

#include "harness/console_lines.h"
#include "harness/timeline.h"

#define CONSOLE_SERIAL_RETRY_FIRST_S 0.25
#define CONSOLE_SERIAL_RETRY_MAX_S 2.0
/* How often an open port's device node is looked for. A USB adapter that
 * is pulled hangs its tty up, which the read sees at once; this catches
 * drivers that only remove the node. */
#define CONSOLE_SERIAL_WATCH_S 0.5
/* Bound on one drain, so a chatty console cannot starve the loop. */
#define CONSOLE_SERIAL_READ_BUDGET (64 * 1024)

const char *const console_serial_parity_names[] = { "none", "odd", "even", "mark", "space", NULL };
const char *const console_serial_flow_names[] = { "none", "xonxoff", "rtscts", "dtrdsr", NULL };

/* The standard rates up to 115200 and the fast ones USB-serial chips
 * (FTDI, CP210x, CH34x, PL2303) and SoC UARTs commonly run. */
static const long bauds[] = { 1200,   2400,   4800,   9600,    19200,   38400,
			      57600,  115200, 230400, 460800,  500000,  576000,
			      921600, 1000000, 1500000, 2000000, 3000000 };
const char console_serial_bauds_text[] =
	"1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, "
	"576000, 921600, 1000000, 1500000, 2000000 or 3000000";

static const enum sp_parity sp_parities[] = {
	[CONSOLE_SERIAL_PARITY_NONE] = SP_PARITY_NONE,   [CONSOLE_SERIAL_PARITY_ODD] = SP_PARITY_ODD,
	[CONSOLE_SERIAL_PARITY_EVEN] = SP_PARITY_EVEN,   [CONSOLE_SERIAL_PARITY_MARK] = SP_PARITY_MARK,
	[CONSOLE_SERIAL_PARITY_SPACE] = SP_PARITY_SPACE,
};

static const enum sp_flowcontrol sp_flows[] = {
	[CONSOLE_SERIAL_FLOW_NONE] = SP_FLOWCONTROL_NONE,
	[CONSOLE_SERIAL_FLOW_XONXOFF] = SP_FLOWCONTROL_XONXOFF,
	[CONSOLE_SERIAL_FLOW_RTSCTS] = SP_FLOWCONTROL_RTSCTS,
	[CONSOLE_SERIAL_FLOW_DTRDSR] = SP_FLOWCONTROL_DTRDSR,
};

struct console_serial {
	struct event_base *base;
	struct timeline *tl;
	char board[64];
	char device[PATH_MAX];         /* as the lab file names it */
	struct console_serial_settings set;
	struct sp_port *port;          /* NULL while closed */
	int fd;                        /* the port's, -1 while closed */
	struct event *read_ev;         /* on fd, while open */
	struct event *watch;           /* device node check, while open */
	struct event *retry;           /* reopen, while closed */
	double retry_s;
	struct console_lines lines;
};

void console_serial_settings_default(struct console_serial_settings *s)
{
	s->baud = CONSOLE_SERIAL_DEFAULT_BAUD;
	s->bits = 8;
	s->parity = CONSOLE_SERIAL_PARITY_NONE;
	s->stop = 1;
	s->flow = CONSOLE_SERIAL_FLOW_NONE;
}

bool console_serial_baud_ok(long baud)
{
	for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
		if (bauds[i] == baud)
			return true;
	return false;
}

int console_serial_lookup(const char *const names[], const char *name)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static bool settings_ok(const struct console_serial_settings *s)
{
	return console_serial_baud_ok(s->baud) && s->bits >= 5 && s->bits <= 8 &&
	       (unsigned)s->parity < sizeof(sp_parities) / sizeof(sp_parities[0]) &&
	       (s->stop == 1 || s->stop == 2) && (unsigned)s->flow < sizeof(sp_flows) / sizeof(sp_flows[0]);
}

/* A libserialport failure as an errno: SP_ERR_FAIL carries the OS's. */
static int sp_errno(enum sp_return r)
{
	switch (r) {
	case SP_ERR_FAIL: {
		int e = sp_last_error_code();
		return e > 0 ? e : EIO;
	}
	case SP_ERR_MEM:
		return ENOMEM;
	case SP_ERR_SUPP:
		return ENOTSUP;
	default:
		return EINVAL;
	}
}

static void on_line(const char *line, size_t len, void *user)
{
	struct console_serial *cs = user;
	(void)len;
	timeline_emit(cs->tl, cs->board, "console.line", "text", line, NULL);
}

static void close_port(struct console_serial *cs)
{
	if (cs->read_ev) {
		event_free(cs->read_ev);
		cs->read_ev = NULL;
	}
	if (cs->watch)
		evtimer_del(cs->watch);
	if (cs->port) {
		sp_close(cs->port);
		sp_free_port(cs->port);
		cs->port = NULL;
	}
	cs->fd = -1;
}

static void arm_retry(struct console_serial *cs)
{
	struct timeval tv = { (time_t)cs->retry_s,
			      (suseconds_t)((cs->retry_s - (double)(time_t)cs->retry_s) * 1e6) };
	evtimer_add(cs->retry, &tv);
}

/* The adapter is gone: say so once, close, and look for it again. */
static void lost(struct console_serial *cs, const char *error)
{
	close_port(cs);
	/* what came before the loss is still a line */
	console_lines_flush(&cs->lines, on_line, cs);
	cs->retry_s = CONSOLE_SERIAL_RETRY_FIRST_S;
	arm_retry(cs);
	/* last: a listener may act on it (the runner fails the board's run) */
	timeline_emit(cs->tl, cs->board, "console.lost", "device", cs->device, "error", error, NULL);
}

/*
 * Reads what is there, up to a budget. libserialport leaves the tty with
 * VMIN 0, where a read returns 0 both when nothing is left and when the
 * tty was hung up (the adapter unplugged): so only a 0 on the first read
 * after the fd was reported readable means the end. Other ends (EIO,
 * ENXIO, ENODEV...) are read errors.
 */
static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_serial *cs = arg;
	uint8_t buf[4096];
	size_t total = 0;
	char error[160];
	(void)fd;
	(void)what;

	while (total < CONSOLE_SERIAL_READ_BUDGET) {
		ssize_t n = read(cs->fd, buf, sizeof(buf));
		if (n > 0) {
			total += (size_t)n;
			console_lines_feed(&cs->lines, buf, (size_t)n, on_line, cs);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0 && total > 0)
			return;
		if (n == 0)
			snprintf(error, sizeof(error), "end of file: the adapter was unplugged or the port hung up");
		else
			snprintf(error, sizeof(error), "read failed: %s", strerror(errno));
		lost(cs, error);
		return;
	}
}

static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_serial *cs = arg;
	struct stat st;
	char error[160];
	(void)fd;
	(void)what;

	if (stat(cs->device, &st) == 0 || (errno != ENOENT && errno != ENOTDIR && errno != ENODEV))
		return;
	snprintf(error, sizeof(error), "the device node is gone: %s", strerror(errno));
	lost(cs, error);
}

/*
 * Opens, configures and starts reading the port. 0, or -errno with the
 * reason in why (for the message at start, unused on retries).
 */
static int open_port(struct console_serial *cs, char *why, size_t whycap)
{
	char real[PATH_MAX];
	struct sp_port *port = NULL;
	const struct console_serial_settings *s = &cs->set;
	enum sp_return r;
	int e, fd = -1;

	/* by-id links: libserialport only knows the tty's own name */
	if (!realpath(cs->device, real)) {
		e = errno;
		snprintf(why, whycap, "%s", strerror(e));
		return -e;
	}
	r = sp_get_port_by_name(real, &port);
	if (r != SP_OK) {
		e = sp_errno(r);
		if (r == SP_ERR_ARG)
			snprintf(why, whycap, "%s is not a serial port (no tty of that name in /sys/class/tty)",
				 real);
		else
			snprintf(why, whycap, "%s", strerror(e));
		return -e;
	}
	r = sp_open(port, SP_MODE_READ);
	if (r != SP_OK) {
		e = sp_errno(r);
		snprintf(why, whycap, "%s", strerror(e));
		sp_free_port(port);
		return -e;
	}
	const char *what = NULL;
	if ((r = sp_set_baudrate(port, s->baud)) != SP_OK)
		what = "the baud rate";
	else if ((r = sp_set_bits(port, s->bits)) != SP_OK)
		what = "the data bits";
	else if ((r = sp_set_parity(port, sp_parities[s->parity])) != SP_OK)
		what = "the parity";
	else if ((r = sp_set_stopbits(port, s->stop)) != SP_OK)
		what = "the stop bits";
	else if ((r = sp_set_flowcontrol(port, sp_flows[s->flow])) != SP_OK)
		what = "the flow control";
	else if ((r = sp_get_port_handle(port, &fd)) != SP_OK || fd < 0)
		what = "the port's file descriptor";
	if (what) {
		e = r != SP_OK ? sp_errno(r) : EBADF;
		snprintf(why, whycap, "cannot set %s (%d %d%c%d, flow %s): %s", what, s->baud, s->bits,
			 toupper((unsigned char)console_serial_parity_names[s->parity][0]), s->stop,
			 console_serial_flow_names[s->flow], strerror(e));
		sp_close(port);
		sp_free_port(port);
		return -e;
	}
	/* libserialport opens non-blocking; a blocking read would stall every board */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* Nobody else may open it while we read: a second reader (minicom left
	 * running) would take bytes away. Not a tty (a test's socket): no matter. */
	(void)ioctl(fd, TIOCEXCL);

	cs->read_ev = event_new(cs->base, fd, EV_READ | EV_PERSIST, read_cb, cs);
	if (!cs->read_ev || event_add(cs->read_ev, NULL) < 0) {
		if (cs->read_ev) {
			event_free(cs->read_ev);
			cs->read_ev = NULL;
		}
		sp_close(port);
		sp_free_port(port);
		snprintf(why, whycap, "out of memory");
		return -ENOMEM;
	}
	struct timeval watch = { 0, (suseconds_t)(CONSOLE_SERIAL_WATCH_S * 1e6) };
	evtimer_add(cs->watch, &watch);
	cs->port = port;
	cs->fd = fd;
	console_lines_init(&cs->lines);
	return 0;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_serial *cs = arg;
	char why[PATH_MAX + 128];
	(void)fd;
	(void)what;

	if (open_port(cs, why, sizeof(why)) < 0) {
		cs->retry_s *= 2;
		if (cs->retry_s > CONSOLE_SERIAL_RETRY_MAX_S)
			cs->retry_s = CONSOLE_SERIAL_RETRY_MAX_S;
		arm_retry(cs);
		return;
	}
	timeline_emit(cs->tl, cs->board, "console.connected", "device", cs->device, NULL);
}

/* What a person should look at when the port does not open. */
static const char *open_hint(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return "check that the USB-serial adapter is plugged in and the path is right "
		       "(ls -l /dev/serial/by-id/)";
	case EACCES:
	case EPERM:
		return "the user running pitest needs read access to it: add that user to the "
		       "dialout group (sudo usermod -aG dialout USER, then log in again)";
	case EBUSY:
		return "another program has it open (minicom, screen, ser2net, ModemManager?)";
	case ENXIO:
	case ENODEV:
	case EIO:
		return "the adapter is there but does not answer: replug it, check dmesg";
	default:
		return "check that it is the board's USB-serial adapter (ls -l /dev/serial/by-id/)";
	}
}

int console_serial_new(struct event_base *base, struct timeline *tl, const char *board,
		       const char *device, const struct console_serial_settings *settings, char *err,
		       size_t errcap, struct console_serial **ret)
{
	char why[PATH_MAX + 128];

	if (!base || !tl || !board || !device || !settings || !ret || !err || errcap == 0)
		return -EINVAL;
	err[0] = '\0';
	if (strlen(board) >= sizeof(((struct console_serial *)0)->board) ||
	    strlen(device) >= sizeof(((struct console_serial *)0)->device) || device[0] != '/' ||
	    !settings_ok(settings)) {
		snprintf(err, errcap, "board %s: expected an absolute device path and valid line settings",
			 board);
		return -EINVAL;
	}
	struct console_serial *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->base = base;
	cs->tl = tl;
	cs->fd = -1;
	snprintf(cs->board, sizeof(cs->board), "%s", board);
	snprintf(cs->device, sizeof(cs->device), "%s", device);
	cs->set = *settings;
	cs->retry_s = CONSOLE_SERIAL_RETRY_FIRST_S;
	console_lines_init(&cs->lines);
	cs->retry = evtimer_new(base, retry_cb, cs);
	cs->watch = event_new(base, -1, EV_PERSIST, watch_cb, cs);
	if (!cs->retry || !cs->watch) {
		console_serial_free(cs);
		return -ENOMEM;
	}
	int rc = open_port(cs, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errcap, "board %s: cannot open its console %s: %s; %s", board, device, why,
			 open_hint(-rc));
		console_serial_free(cs);
		return rc;
	}
	timeline_emit(tl, board, "console.connected", "device", device, NULL);
	*ret = cs;
	return 0;
}

void console_serial_free(struct console_serial *cs)
{
	if (!cs)
		return;
	if (cs->port)
		console_lines_flush(&cs->lines, on_line, cs);
	close_port(cs);
	if (cs->watch)
		event_free(cs->watch);
	if (cs->retry)
		event_free(cs->retry);
	free(cs);
}
