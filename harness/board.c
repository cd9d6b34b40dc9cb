/*
 * board.c - a lab board at run time: power and console behind ops tables.
 *
 * Backends (chosen once, in board_new(), by name from the lab file):
 *
 *   power "virtual"   starts `pitest vpi ...` in the board's namespace;
 *                     off is SIGKILL to its process group, as a relay cuts
 *                     power. A process that ends by itself is reaped from
 *                     a SIGCHLD event and reported as "vpi.exit".
 *   power "manual"    a person is the relay: pitest asks on stderr.
 *   power "command"   a program is the relay (power_cmd.h); it reports
 *                     power.on/power.off itself when the program is done.
 *   power "gpio"      a relay on a GPIO line (power_gpiod.h), held from
 *                     board_new to board_free; it reports itself too.
 *   console "virtual" the virtual board's stdout, one event per line.
 *   console "none"    no console.
 *   console "tcp"     a TCP port (console_tcp.h), connected from board_new
 *                     to board_free, whatever the power does.
 *   console "serial"  a local UART (console_serial.h), open from board_new
 *                     to board_free likewise, so no byte is lost.
 *
 * The virtual console is opened right after power on and closed right
 * after power off, after what the board wrote before it died has been read.
 */
#include "harness/board.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "harness/console_serial.h"
#include "harness/console_tcp.h"
#include "harness/lab.h"
#include "harness/power_cmd.h"
#include "harness/power_gpiod.h"
#include "harness/timeline.h"
#include "harness/vlab.h"

/* Longer console lines are cut into pieces of this length. */
#define BOARD_LINE_MAX 1024
/* Bound on one drain of a pipe, so a chatty board cannot starve the loop. */
#define BOARD_READ_BUDGET (64 * 1024)
/* A SIGKILLed process is gone in microseconds; this is only a backstop. */
#define BOARD_REAP_WAIT_MS 2000

/* One pipe from the board process, split into lines, each line an event. */
struct line_reader {
	struct board *b;
	const char *event_name; /* "console.line" or "vpi.stderr" */
	int fd;
	struct event *ev;
	size_t len;
	char buf[BOARD_LINE_MAX + 1];
};

struct board {
	struct event_base *base;
	struct timeline *tl;
	const struct lab *lab;
	const struct lab_board *spec;
	struct vlab *vlab;
	char *self_exe;
	const struct board_power_ops *power;
	const struct board_console_ops *console;
	bool on;

	/* virtual power: the board's process and its output pipes */
	pid_t pid;             /* -1 when no process */
	pid_t killed;          /* killed at power off but not reaped in time; -1 if none */
	int out_fd;            /* stdout, handed to the virtual console */
	struct line_reader err; /* stderr, read by the power backend as diagnostics */
	struct event *sigchld;

	/* virtual console */
	struct line_reader out;

	struct power_cmd *pcmd;    /* power "command" */
	struct power_gpiod *pgpio; /* power "gpio" */
	struct console_tcp *ctcp;  /* console "tcp" */
	struct console_serial *cserial; /* console "serial" */
};

static void emit_line(struct line_reader *r, const char *text, size_t len)
{
	char line[BOARD_LINE_MAX + 1];

	/* miswired: console (virtual labs): a loose wire, the board talks to
	 * nobody; switches NAME: what talks is NAME, whose console is not here */
	const char *mis = r->b->spec->miswired;
	if ((strcmp(mis, "console") == 0 || strncmp(mis, "switches ", 9) == 0) &&
	    strcmp(r->event_name, "console.line") == 0)
		return;
	memcpy(line, text, len);
	line[len] = '\0';
	timeline_emit(r->b->tl, r->b->spec->name, r->event_name, "text", line, NULL);
}

/* Emits every complete line in the buffer; keeps the rest for later. */
static void split_lines(struct line_reader *r, bool flush)
{
	size_t start = 0;

	for (size_t i = 0; i < r->len; i++) {
		if (r->buf[i] != '\n')
			continue;
		size_t end = i;
		if (end > start && r->buf[end - 1] == '\r')
			end--;
		emit_line(r, r->buf + start, end - start);
		start = i + 1;
	}
	if (start == 0 && r->len == BOARD_LINE_MAX) {
		/* A full buffer with no newline: cut here rather than grow. */
		emit_line(r, r->buf, r->len);
		start = r->len;
	}
	/* A listener of the emitted lines may have powered the board off,
	 * which empties this reader: nothing is left to keep then. */
	if (start > r->len)
		return;
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	if (flush && r->len > 0) {
		size_t end = r->len;
		if (r->buf[end - 1] == '\r')
			end--;
		emit_line(r, r->buf, end);
		r->len = 0;
	}
}

static void reader_stop(struct line_reader *r)
{
	if (r->ev) {
		event_free(r->ev);
		r->ev = NULL;
	}
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

/*
 * Reads what is there, up to a budget. At end of file the partial last
 * line is emitted and the reader stops, so an EOF pipe does not spin the loop.
 */
static void reader_drain(struct line_reader *r)
{
	size_t total = 0;

	while (r->fd >= 0 && total < BOARD_READ_BUDGET) {
		ssize_t n = read(r->fd, r->buf + r->len, BOARD_LINE_MAX - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			split_lines(r, true);
			reader_stop(r);
			return;
		}
		r->len += (size_t)n;
		total += (size_t)n;
		split_lines(r, false);
	}
}

static void reader_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	reader_drain(arg);
}

static void reader_init(struct line_reader *r, struct board *b, const char *event_name)
{
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->event_name = event_name;
	r->fd = -1;
}

/* Takes ownership of fd. */
static int reader_start(struct line_reader *r, int fd)
{
	r->fd = fd;
	r->len = 0;
	r->ev = event_new(r->b->base, fd, EV_READ | EV_PERSIST, reader_cb, r);
	if (!r->ev || event_add(r->ev, NULL) < 0) {
		reader_stop(r);
		return -ENOMEM;
	}
	return 0;
}

/* Reads what a dead process left in the pipe, then stops. */
static void reader_finish(struct line_reader *r)
{
	if (r->fd < 0)
		return;
	reader_drain(r);
	split_lines(r, true);
	reader_stop(r);
}

/* --- power "virtual" ---------------------------------------------------- */

static void vpower_report_exit(struct board *b, int status)
{
	char code[16], sig[16];

	/* The console first: its last lines came before the exit. */
	reader_finish(&b->out);
	reader_finish(&b->err);
	if (WIFSIGNALED(status)) {
		snprintf(code, sizeof(code), "%d", 128 + WTERMSIG(status));
		snprintf(sig, sizeof(sig), "%d", WTERMSIG(status));
		timeline_emit(b->tl, b->spec->name, "vpi.exit", "status", code, "signal", sig,
			      NULL);
	} else {
		snprintf(code, sizeof(code), "%d", WEXITSTATUS(status));
		timeline_emit(b->tl, b->spec->name, "vpi.exit", "status", code, NULL);
	}
}

/* Several boards share SIGCHLD; each reaps only its own pid. */
static void vpower_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct board *b = arg;
	int status;

	(void)sig;
	(void)what;
	if (b->killed > 0 && waitpid(b->killed, &status, WNOHANG) == b->killed)
		b->killed = -1;
	if (b->pid <= 0)
		return;
	pid_t r = waitpid(b->pid, &status, WNOHANG);
	if (r != b->pid)
		return;
	b->pid = -1;
	vpower_report_exit(b, status);
}

static int vpower_on(struct board *b)
{
	char model[LAB_MODEL_MAX + 1], serial[24], scale[32];
	const char *ifname;
	int out_fd, err_fd, rc;
	pid_t pid;

	if (!b->vlab)
		return -EINVAL;
	/* miswired: power (virtual labs): the relay clicks, the board stays dark */
	if (strcmp(b->spec->miswired, "power") == 0)
		return 0;
	/* miswired: switches NAME: the relay powers that board instead (lab.c
	 * checked the name); this board's console, wired right, stays dark */
	const struct lab_board *wired = b->spec;
	if (strncmp(b->spec->miswired, "switches ", 9) == 0)
		wired = lab_board_by_name(b->lab, b->spec->miswired + 9);
	if (!wired)
		return -ENOENT;
	ifname = vlab_board_ifname(b->vlab, wired->name);
	if (!ifname)
		return -ENOENT;
	snprintf(model, sizeof(model), "%s", wired->model);
	if (wired->serial_text[0])
		snprintf(serial, sizeof(serial), "%s", wired->serial_text);
	else
		snprintf(serial, sizeof(serial), "%08x", (unsigned)wired->serial);
	snprintf(scale, sizeof(scale), "%g", b->lab && b->lab->time_scale > 0 ?
		 b->lab->time_scale : 1.0);

	char *argv[] = { b->self_exe, "vpi", "--model", model, "--mac",
			 (char *)wired->mac_text, "--serial", serial, "--iface",
			 (char *)ifname, "--time-scale", scale,
			 /* virtual labs always serve an NFS root, so the board goes
			  * on past the kernel hand-off as a real one does */
			 "--kernel", NULL };
	rc = vlab_board_spawn(b->vlab, wired->name, argv, &pid, &out_fd, &err_fd);
	if (rc < 0)
		return rc;
	b->pid = pid;
	b->out_fd = out_fd;
	rc = reader_start(&b->err, err_fd);
	if (rc < 0) {
		/* Nothing would read its diagnostics: take the power away again. */
		b->power->off(b);
		return rc;
	}
	return 0;
}

static int vpower_off(struct board *b)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	int status;

	if (b->pid > 0) {
		/* The whole group, as a relay leaves nothing running. */
		if (kill(-b->pid, SIGKILL) < 0)
			kill(b->pid, SIGKILL);
		b->killed = b->pid;
		for (int waited = 0; waited < BOARD_REAP_WAIT_MS; waited++) {
			pid_t r = waitpid(b->pid, &status, WNOHANG);
			if (r == b->pid || (r < 0 && errno == ECHILD)) {
				b->killed = -1;
				break;
			}
			nanosleep(&tick, NULL);
		}
		/* Not reaped in time: the SIGCHLD handler reaps it when it dies. */
		b->pid = -1;
	}
	/* Last output of the killed process is still in the pipes. */
	reader_finish(&b->err);
	if (b->out_fd >= 0) {
		close(b->out_fd);
		b->out_fd = -1;
	}
	return 0;
}

/* --- power "manual" ------------------------------------------------------ */

/*
 * The person at the bench is the relay. Asking them is this backend's
 * whole job, so it writes to stderr itself.
 */
static int manual_on(struct board *b)
{
	fprintf(stderr, "pitest: power %s on now\n", b->spec->name);
	return 0;
}

static int manual_off(struct board *b)
{
	fprintf(stderr, "pitest: power %s off now\n", b->spec->name);
	return 0;
}

/* --- power "command" ---------------------------------------------------- */

static int cmd_on(struct board *b)
{
	return power_cmd_on(b->pcmd);
}

static int cmd_off(struct board *b)
{
	return power_cmd_off(b->pcmd);
}

/* --- power "gpio" ------------------------------------------------------- */

static int gpio_on(struct board *b)
{
	return power_gpiod_on(b->pgpio);
}

static int gpio_off(struct board *b)
{
	return power_gpiod_off(b->pgpio);
}

/* --- console "virtual" and "none" ---------------------------------------- */

static int vconsole_open(struct board *b)
{
	if (b->out_fd < 0) /* nothing to read from a board a dead relay left dark */
		return strcmp(b->spec->miswired, "power") == 0 ? 0 : -ENOTCONN;
	int fd = b->out_fd;
	b->out_fd = -1; /* the reader owns it now */
	return reader_start(&b->out, fd);
}

static void vconsole_close(struct board *b)
{
	reader_finish(&b->out);
}

static int none_open(struct board *b)
{
	(void)b;
	return 0;
}

static void none_close(struct board *b)
{
	(void)b;
}

static const struct board_power_ops power_backends[] = {
	{ "virtual", vpower_on, vpower_off, false },
	{ "manual", manual_on, manual_off, false },
	{ "command", cmd_on, cmd_off, true },
	{ "gpio", gpio_on, gpio_off, true },
};

/* "tcp" and "serial" are open for the board's whole life (board_new), not per power on. */
static const struct board_console_ops console_backends[] = {
	{ "virtual", vconsole_open, vconsole_close },
	{ "none", none_open, none_close },
	{ "tcp", none_open, none_close },
	{ "serial", none_open, none_close },
};

static const struct board_power_ops *find_power(const char *name)
{
	for (size_t i = 0; i < sizeof(power_backends) / sizeof(power_backends[0]); i++)
		if (strcmp(power_backends[i].name, name) == 0)
			return &power_backends[i];
	return NULL;
}

static const struct board_console_ops *find_console(const char *name)
{
	for (size_t i = 0; i < sizeof(console_backends) / sizeof(console_backends[0]); i++)
		if (strcmp(console_backends[i].name, name) == 0)
			return &console_backends[i];
	return NULL;
}

/* --- the board ------------------------------------------------------------ */

int board_new(struct event_base *base, struct timeline *tl, const struct lab *lab,
	      const struct lab_board *spec, struct vlab *vlab, const char *self_exe,
	      struct board **ret_board)
{
	const struct board_power_ops *power;
	const struct board_console_ops *console;
	struct board *b;

	if (!base || !tl || !spec || !ret_board)
		return -EINVAL;
	/* Unset backends follow the lab: a virtual lab's boards are virtual. */
	const char *pname = spec->power[0] ? spec->power : vlab ? "virtual" : "manual";
	power = find_power(pname);
	const char *cname = spec->console[0] ? spec->console :
			    strcmp(pname, "virtual") == 0 ? "virtual" : "none";
	console = find_console(cname);
	if (!power || !console)
		return -EINVAL;
	/*
	 * The virtual console is the virtual board's stdout and nothing else
	 * drains it: one without the other would leave a board blocked on a
	 * full pipe, or a console with nothing to read.
	 */
	bool vpower = power->on == vpower_on, vconsole = console->open == vconsole_open;
	if (vpower != vconsole)
		return -EINVAL;
	if (vpower && (!vlab || !self_exe || self_exe[0] != '/'))
		return -EINVAL;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->base = base;
	b->tl = tl;
	b->lab = lab;
	b->spec = spec;
	b->vlab = vlab;
	b->power = power;
	b->console = console;
	b->pid = -1;
	b->killed = -1;
	b->out_fd = -1;
	reader_init(&b->out, b, "console.line");
	reader_init(&b->err, b, "vpi.stderr");
	if (vpower) {
		b->self_exe = strdup(self_exe);
		/* Added before any spawn, so no exit can slip by unseen. */
		b->sigchld = evsignal_new(base, SIGCHLD, vpower_sigchld_cb, b);
		if (!b->self_exe || !b->sigchld || event_add(b->sigchld, NULL) < 0) {
			board_free(b);
			return -ENOMEM;
		}
	}
	if (power->on == cmd_on) {
		int rc = power_cmd_new(base, tl, lab, spec, &b->pcmd);
		if (rc < 0) {
			board_free(b);
			return rc;
		}
	}
	if (power->on == gpio_on) {
		/* the line is held (at off) from here to board_free */
		char why[512] = "";
		int rc = power_gpiod_new(base, tl, lab, spec, &b->pgpio, why, sizeof(why));
		if (rc < 0) {
			if (why[0])
				fprintf(stderr, "pitest: %s\n", why);
			board_free(b);
			return rc;
		}
	}
	if (strcmp(console->name, "tcp") == 0) {
		int rc = console_tcp_new(base, tl, spec->name, spec->console_address, spec->console_telnet,
					 &b->ctcp);
		if (rc < 0) {
			board_free(b);
			return rc;
		}
	}
	if (strcmp(console->name, "serial") == 0) {
		char err[PATH_MAX + 512];
		int rc = console_serial_new(base, tl, spec->name, spec->console_device, &spec->console_serial,
					    err, sizeof(err), &b->cserial);
		if (rc < 0) {
			/* board_new has no error text for its caller: the adapter's
			 * state and what to check are said here, once */
			fprintf(stderr, "pitest: %s\n", err);
			board_free(b);
			return rc;
		}
	}
	*ret_board = b;
	return 0;
}

void board_free(struct board *b)
{
	if (!b)
		return;
	if (b->on)
		(void)board_power_off(b);
	/* after off: it waits for the off command to be done */
	power_cmd_free(b->pcmd);
	power_gpiod_free(b->pgpio);
	console_tcp_free(b->ctcp);
	console_serial_free(b->cserial);
	reader_stop(&b->out);
	reader_stop(&b->err);
	if (b->out_fd >= 0)
		close(b->out_fd);
	if (b->sigchld)
		event_free(b->sigchld);
	free(b->self_exe);
	free(b);
}

/* Powering on a board that is on (or off one that is off) does nothing. */
int board_power_on(struct board *b)
{
	if (!b)
		return -EINVAL;
	if (b->on)
		return 0;
	int rc = b->power->on(b);
	if (rc < 0)
		return rc;
	b->on = true;
	if (!b->power->reports)
		timeline_emit(b->tl, b->spec->name, "power.on", "backend", b->power->name, NULL);
	rc = b->console->open(b);
	if (rc < 0) {
		(void)board_power_off(b);
		return rc;
	}
	return 0;
}

int board_power_off(struct board *b)
{
	if (!b)
		return -EINVAL;
	if (!b->on)
		return 0;
	int rc = b->power->off(b);
	if (rc < 0)
		return rc;
	b->on = false;
	/* After off, so the console's last lines come before the event. */
	b->console->close(b);
	if (!b->power->reports)
		timeline_emit(b->tl, b->spec->name, "power.off", "backend", b->power->name, NULL);
	return 0;
}

/* A board's state before pitest is unknown: this switches it off whatever
 * it was (`pitest lab check` starts from off). */
int board_power_off_anyway(struct board *b)
{
	if (!b)
		return -EINVAL;
	b->on = true;
	int rc = board_power_off(b);
	if (rc < 0)
		b->on = false;
	return rc;
}

bool board_is_on(const struct board *b)
{
	return b && b->on;
}

const struct lab_board *board_spec(const struct board *b)
{
	return b ? b->spec : NULL;
}
