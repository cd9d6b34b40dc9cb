/*
 * lab_check.c - `pitest lab check` (lab_check.h): each board powered off,
 * on, watched, and off again, one at a time, with the lab's servers up.
 *
 * One at a time so that whatever shows up while a board is on is that
 * board's doing: a DISCOVER from another board's MAC then means this
 * board's relay switches that one. The servers answer as in a run (the
 * boards get an address and their boot files), which is also what makes a
 * Pi 3's console speak at all: its ROM prints nothing, bootcode.bin does.
 *
 * Each board goes through stages on one timer; the timeline listener only
 * counts what it sees and wakes the timer when a stage may end early.
 * Power is never switched from inside a listener (the console reader that
 * emitted the line may be on the stack).
 */
#include "harness/lab_check.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/board.h"
#include "harness/board_lock.h"
#include "harness/lab_servers.h"
#include "harness/timeline.h"
#include "harness/vlab.h"

/* The relay stays open this long before power on (board s), as a power
 * cycle in a run: capacitors keep a Pi alive for a moment. */
#define CHECK_OFF_TIME_S 1.0
/* Once both console and DISCOVER were seen, a little more watching so the
 * line count and a second board's DISCOVER have a chance (board s). */
#define CHECK_SETTLE_S 2.0
/* After power off: nothing may come from the board for this long (board s). */
#define CHECK_QUIET_S 5.0
/* Wall seconds after power.off during which the board's last words may
 * still arrive (packets queued before it died, a Pi's capacitors). */
#define CHECK_OFF_SKEW_S 0.5
/* A person is the relay: time to read the prompt and flip the switch. */
#define CHECK_MANUAL_GRACE_S 20.0
/* Floors in wall seconds: a loaded host starts virtual boards slowly. */
#define CHECK_WINDOW_MIN_WALL_S 3.0
#define CHECK_QUIET_MIN_WALL_S 1.0
/* The Raspberry Pi boot code's vendor class (pi-netboot.md 2.1). */
#define PI_VENDOR_CLASS "PXEClient:Arch:00000:UNDI:002001"

/* ---- judging (pure) ------------------------------------------------------ */

/* Board seconds to the first DISCOVER and console line, with room to
 * spare (pi-netboot.md 7): a Pi 2's bootcode.bin on SD needs ~4 s; the 3B
 * and 3B+ ROMs ~5 s (LEDs ~10 s) and print nothing until bootcode.bin runs;
 * the Pi 4 bootloader ~5.3 s (boot mode + PHY); the Pi 5 ~6 s, and 10 s
 * to link have been seen. */
static const struct {
	const char *model;
	double window_s;
} model_windows[] = {
	{ "pi2", 15 }, { "pi3b", 30 }, { "pi3b+", 30 }, { "pi4b", 15 }, { "pi5", 20 },
};

double lab_check_window_s(const char *model)
{
	for (size_t i = 0; i < sizeof(model_windows) / sizeof(model_windows[0]); i++)
		if (strcmp(model_windows[i].model, model) == 0)
			return model_windows[i].window_s;
	return 30;
}

static bool alive(const struct lab_check_seen *s)
{
	return s->console_lines > 0 || s->discover;
}

void lab_check_judge(const struct lab_check_seen *s, struct lab_check_verdict *ret)
{
	struct lab_check_verdict v;
	v.power = s->power_failed ? "failed" : alive(s) ? "ok" : "unknown";
	v.console = !s->has_console ? "absent" : s->console_lines ? "ok" : "none";
	v.network = s->other_mac[0] ? "wrong" : s->discover ? "ok" : "none";
	if (s->off_failed)
		v.off = "failed";
	else if (s->after_off_lines || s->after_off_packets)
		v.off = "on";
	else
		v.off = alive(s) ? "ok" : "unknown";
	v.wired = strcmp(v.power, "ok") == 0 && strcmp(v.console, "none") != 0 &&
		  strcmp(v.network, "ok") == 0 && strcmp(v.off, "ok") == 0;
	*ret = v;
}

/* Appends to buf (bounded); keeps *used at most cap - 1. */
static void put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	if (*used + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

static void put_other(char *buf, size_t cap, size_t *used, const struct lab_check_seen *s)
{
	if (s->other_board[0])
		put(buf, cap, used, "DISCOVER came from %s (lab has it as %s)", s->other_mac, s->other_board);
	else
		put(buf, cap, used, "DISCOVER came from %s (not in the lab)", s->other_mac);
}

size_t lab_check_format(const char *name, int name_width, const struct lab_check_seen *s, char *buf,
			size_t cap)
{
	size_t used = 0;
	if (cap == 0)
		return 0;
	buf[0] = '\0';
	put(buf, cap, &used, "%-*s  power ", name_width, name);
	if (s->power_failed)
		put(buf, cap, &used, "failed (%s)", s->power_error);
	else
		put(buf, cap, &used, "%s", alive(s) ? "ok" : "?");

	if (!s->has_console)
		put(buf, cap, &used, "  console - (none in the lab file)");
	else if (s->console_lines)
		put(buf, cap, &used, "  console ok (%u line%s)", s->console_lines,
		    s->console_lines == 1 ? "" : "s");
	else
		put(buf, cap, &used, "  console none in %g s", s->window_s);

	if (s->discover)
		put(buf, cap, &used, "  network ok (DISCOVER from %s)", s->discover_mac);
	else
		put(buf, cap, &used, "  network none in %g s", s->window_s);
	if (s->other_mac[0]) {
		put(buf, cap, &used, s->discover ? ", but also " : ", but ");
		put_other(buf, cap, &used, s);
	}

	if (s->off_failed)
		put(buf, cap, &used, "  off failed");
	else if (s->after_off_lines || s->after_off_packets)
		put(buf, cap, &used, "  off NO (after power off: %u console line%s, %u packet%s)",
		    s->after_off_lines, s->after_off_lines == 1 ? "" : "s", s->after_off_packets,
		    s->after_off_packets == 1 ? "" : "s");
	else if (alive(s))
		put(buf, cap, &used, "  off ok");
	else
		put(buf, cap, &used, "  off ?");

	/* What to look at, most telling first. */
	const char *sep = "  -> ";
	if (s->power_failed) {
		put(buf, cap, &used, "%scheck the power backend (its power.error says why)", sep);
		sep = "; ";
	} else if (!alive(s) && s->other_mac[0] && s->other_board[0]) {
		put(buf, cap, &used, "%sthis board's relay seems to switch %s", sep, s->other_board);
		sep = "; ";
	} else if (!alive(s) && s->other_mac[0]) {
		put(buf, cap, &used, "%sis mac: right? another Pi answered this board's power", sep);
		sep = "; ";
	} else if (!alive(s)) {
		put(buf, cap, &used, "%s%s", sep,
		    s->manual ? "was it switched on? check its power supply" : "check the relay/power line");
		sep = "; ";
	} else if (s->other_mac[0]) {
		put(buf, cap, &used, "%sdoes its relay switch %s too?", sep,
		    s->other_board[0] ? s->other_board : "another Pi");
		sep = "; ";
	}
	if (alive(s) && s->has_console && !s->console_lines) {
		put(buf, cap, &used, "%scheck the console wiring (TX/RX crossed, GND, baud) and that the boot "
		    "code prints (BOOT_UART / enable_uart)", sep);
		sep = "; ";
	}
	if (alive(s) && !s->discover) {
		put(buf, cap, &used, "%scheck the Ethernet cable and switch port, mac: in the lab file and "
		    "that the board netboots (BOOT_ORDER, OTP)", sep);
		sep = "; ";
	}
	if (s->off_failed || s->after_off_lines || s->after_off_packets)
		put(buf, cap, &used, "%spower off does not cut it: a stuck relay, or one on another line", sep);
	return used;
}

/* ---- the check on the event loop ----------------------------------------- */

enum stage {
	ST_OFF_FIRST, /* switched off whatever it was; waiting for power.off */
	ST_OFF_TIME,  /* the relay stays open a moment */
	ST_ON,        /* switched on; waiting for power.on */
	ST_WATCH,     /* watching for console lines and its DISCOVER */
	ST_SETTLE,    /* both seen: a little more counting */
	ST_OFF,       /* switched off; waiting for power.off */
	ST_QUIET,     /* nothing may come from it now */
	ST_DONE,
};

struct check_board {
	struct board *board;
	const struct lab_board *spec;
	struct lab_check_seen seen;
	bool on_seen, off_seen; /* power.on / power.off of the stage under way */
	double t_off;           /* when power.off came (timeline s) */
};

struct lab_check {
	const struct lab_check_options *opts;
	struct lab *lab;
	double time_scale;
	struct event_base *base;
	struct timeline *tl;
	struct vlab *vlab;
	struct lab_root root;
	struct lab_servers *servers;
	FILE *events_out;
	int *locks;
	struct check_board *checks; /* one per board of the lab; spec NULL = not checked */
	size_t current;
	enum stage stage;
	double deadline;            /* timeline s when the stage ends at the latest */
	struct event *timer, *sigint, *sigterm;
	bool interrupted;
	int name_width;
	size_t n_checked, n_wired;
};

static double wall(const struct lab_check *c, double board_s)
{
	return board_s / c->time_scale;
}

static struct timeval to_tv(double s)
{
	if (s < 0)
		s = 0;
	struct timeval tv = { .tv_sec = (time_t)s };
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

static void wake(struct lab_check *c)
{
	struct timeval now = { 0, 0 };
	evtimer_add(c->timer, &now);
}

static bool manual(const struct check_board *cb)
{
	return strcmp(cb->spec->power, "manual") == 0;
}

/* How long a power backend may take to report (wall s). */
static double power_wait(const struct check_board *cb)
{
	double t = cb->spec->power_timeout_s > 0 ? cb->spec->power_timeout_s : 10;
	return t + 2;
}

/* A packet only a live board sends (DHCP by MAC, below). Not the server's
 * own doings, which may come after the board died: a delayed OFFER, a
 * transfer's tftp.timeout, an NFS connection's rpc.disconnect. */
static bool sent_by_board(const char *name)
{
	static const char *const names[] = { "tftp.rrq", "rpc.call", "rpc.connect", "nfs.mount",
					     "nfs.umount" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* A DHCP packet a client sent (the server's replies are not the board's doing). */
static bool is_client_dhcp(const char *name)
{
	return strcmp(name, "dhcp.discover") == 0 || strcmp(name, "dhcp.request") == 0 ||
	       strcmp(name, "dhcp.decline") == 0 || strcmp(name, "dhcp.release") == 0 ||
	       strcmp(name, "dhcp.inform") == 0 || strncmp(name, "dhcp.ignore", 11) == 0;
}

static void power_error_text(const struct event *ev, char *out, size_t cap)
{
	const char *action = event_get(ev, "action"), *status = event_get(ev, "status");
	snprintf(out, cap, "%s: %s", action ? action : "switch", status ? status : "error");
}

static void on_event(const struct event *ev, void *user)
{
	struct lab_check *c = user;
	if (c->current >= c->lab->n_boards || c->stage == ST_DONE)
		return;
	struct check_board *cb = &c->checks[c->current];
	struct lab_check_seen *s = &cb->seen;
	if (!cb->spec)
		return;
	bool mine = strcmp(ev->board, cb->spec->name) == 0;
	const char *mac = is_client_dhcp(ev->name) ? event_get(ev, "mac") : NULL;
	bool my_mac = mac && strcmp(mac, cb->spec->mac_text) == 0;
	bool watching = c->stage == ST_WATCH || c->stage == ST_SETTLE;

	if (mine && strcmp(ev->name, "power.on") == 0) {
		cb->on_seen = true;
		if (c->stage == ST_ON)
			wake(c);
	} else if (mine && strcmp(ev->name, "power.off") == 0) {
		cb->off_seen = true;
		cb->t_off = ev->t;
		if (c->stage == ST_OFF_FIRST || c->stage == ST_OFF)
			wake(c);
	} else if (mine && strcmp(ev->name, "power.error") == 0) {
		const char *action = event_get(ev, "action");
		if (action && strcmp(action, "off") == 0 && c->stage >= ST_OFF) {
			s->off_failed = true;
		} else if (c->stage == ST_ON) {
			s->power_failed = true;
			power_error_text(ev, s->power_error, sizeof(s->power_error));
		}
		wake(c);
	}

	if (watching) {
		if (mine && strcmp(ev->name, "console.line") == 0)
			s->console_lines++;
		if (my_mac && strcmp(ev->name, "dhcp.discover") == 0 && !s->discover) {
			s->discover = true;
			snprintf(s->discover_mac, sizeof(s->discover_mac), "%s", mac);
		} else if (mac && !my_mac && !s->other_mac[0] &&
			   (strcmp(ev->name, "dhcp.discover") == 0 || strcmp(ev->name, "dhcp.ignored") == 0)) {
			/* Another Pi: a board of the lab, or the boot code's vendor class. */
			const char *vendor = event_get(ev, "vendor");
			const struct lab_board *other = NULL;
			for (size_t i = 0; i < c->lab->n_boards && !other; i++)
				if (strcmp(c->lab->boards[i].mac_text, mac) == 0)
					other = &c->lab->boards[i];
			if (other || (vendor && strncmp(vendor, PI_VENDOR_CLASS, strlen(PI_VENDOR_CLASS)) == 0)) {
				snprintf(s->other_mac, sizeof(s->other_mac), "%s", mac);
				snprintf(s->other_board, sizeof(s->other_board), "%s", other ? other->name : "");
			}
		}
		if (c->stage == ST_WATCH && s->discover && (s->console_lines || !s->has_console))
			wake(c);
	} else if (c->stage == ST_QUIET && cb->off_seen) {
		double grace = CHECK_OFF_SKEW_S + (manual(cb) ? CHECK_MANUAL_GRACE_S : 0);
		if (ev->t < cb->t_off + grace)
			return;
		if (mine && strcmp(ev->name, "console.line") == 0)
			s->after_off_lines++;
		else if ((mine && sent_by_board(ev->name)) || my_mac)
			s->after_off_packets++;
	}
}

static void on_event_print(const struct event *ev, void *user)
{
	(void)user;
	char line[1200];
	event_format_line(ev, line, sizeof(line));
	printf("%s\n", line);
}

static void on_event_jsonl(const struct event *ev, void *user)
{
	struct lab_check *c = user;
	event_write_jsonl(ev, c->events_out);
	fflush(c->events_out);
}

static void enter(struct lab_check *c, enum stage stage, double wall_s)
{
	c->stage = stage;
	c->deadline = timeline_now(c->tl) + wall_s;
	struct timeval tv = to_tv(wall_s);
	evtimer_add(c->timer, &tv);
}

static void finish_board(struct lab_check *c, struct check_board *cb)
{
	struct lab_check_verdict v;
	char line[1024];
	lab_check_judge(&cb->seen, &v);
	lab_check_format(cb->spec->name, c->name_width, &cb->seen, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	char lines[16], after[32];
	snprintf(lines, sizeof(lines), "%u", cb->seen.console_lines);
	snprintf(after, sizeof(after), "%u", cb->seen.after_off_lines + cb->seen.after_off_packets);
	timeline_emit(c->tl, cb->spec->name, "labcheck.board", "power", v.power, "console", v.console,
		      "network", v.network, "off", v.off, "wired", v.wired ? "true" : "false",
		      "console_lines", lines, "discover_mac", cb->seen.discover_mac, "other_mac",
		      cb->seen.other_mac, "other_board", cb->seen.other_board, "after_off", after, NULL);
	c->n_checked++;
	c->n_wired += v.wired;
}

static void start_board(struct lab_check *c)
{
	while (c->current < c->lab->n_boards && !c->checks[c->current].spec)
		c->current++;
	if (c->current >= c->lab->n_boards || c->interrupted) {
		event_base_loopbreak(c->base);
		return;
	}
	struct check_board *cb = &c->checks[c->current];
	cb->off_seen = false;
	if (c->opts->verbosity >= 1)
		fprintf(stderr, "pitest: checking %s (%s, %s): off, on, watch, off\n", cb->spec->name,
			cb->spec->model, cb->spec->mac_text);
	c->stage = ST_OFF_FIRST;
	int rc = board_power_off_anyway(cb->board);
	if (rc < 0)
		fprintf(stderr, "pitest: %s: cannot switch it off: %s\n", cb->spec->name, strerror(-rc));
	enter(c, ST_OFF_FIRST, rc < 0 || cb->off_seen ? 0 : power_wait(cb));
}

/* Switches the board off and waits for the backend to say it is done. */
static void switch_off(struct lab_check *c, struct check_board *cb)
{
	cb->off_seen = false;
	c->stage = ST_OFF; /* a backend may report before it returns */
	int rc = board_power_off_anyway(cb->board);
	if (rc < 0)
		cb->seen.off_failed = true;
	enter(c, ST_OFF, rc < 0 || cb->off_seen ? 0 : power_wait(cb));
}

/* The quiet window: from power.off, after the skew (and a person's
 * reaction time), nothing may come for CHECK_QUIET_S. */
static void start_quiet(struct lab_check *c, struct check_board *cb)
{
	double now = timeline_now(c->tl);
	if (!cb->off_seen)
		cb->t_off = now;
	double quiet = wall(c, CHECK_QUIET_S);
	if (c->lab->is_virtual && quiet < CHECK_QUIET_MIN_WALL_S)
		quiet = CHECK_QUIET_MIN_WALL_S;
	double grace = CHECK_OFF_SKEW_S + (manual(cb) ? CHECK_MANUAL_GRACE_S : 0);
	/* counting starts only now: before, the listener needed off_seen */
	cb->off_seen = true;
	enter(c, ST_QUIET, cb->t_off + grace + quiet - now);
}

static void start_watch(struct lab_check *c, struct check_board *cb)
{
	double w = wall(c, cb->seen.window_s);
	if (c->lab->is_virtual && w < CHECK_WINDOW_MIN_WALL_S)
		w = CHECK_WINDOW_MIN_WALL_S;
	if (cb->seen.manual)
		w += CHECK_MANUAL_GRACE_S;
	enter(c, ST_WATCH, w);
}

static void switch_on(struct lab_check *c, struct check_board *cb)
{
	struct lab_check_seen *s = &cb->seen;
	/* counted from here: what came before was the board going off */
	memset(s, 0, sizeof(*s));
	s->has_console = strcmp(cb->spec->console, "none") != 0;
	s->manual = manual(cb);
	s->window_s = lab_check_window_s(cb->spec->model);
	cb->on_seen = false;
	c->stage = ST_ON;
	int rc = board_power_on(cb->board);
	if (rc < 0) {
		s->power_failed = true;
		snprintf(s->power_error, sizeof(s->power_error), "on: %s", strerror(-rc));
		switch_off(c, cb);
		return;
	}
	enter(c, ST_ON, cb->on_seen || s->power_failed ? 0 : power_wait(cb));
}

/* Each stage ends when what it waits for came, or at its deadline. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct lab_check *c = arg;
	if (c->current >= c->lab->n_boards || c->stage == ST_DONE)
		return;
	struct check_board *cb = &c->checks[c->current];
	struct lab_check_seen *s = &cb->seen;
	double rest = c->deadline - timeline_now(c->tl);
	bool due = rest <= 0;

	switch (c->stage) {
	case ST_OFF_FIRST:
		if (cb->off_seen || due) {
			enter(c, ST_OFF_TIME, wall(c, CHECK_OFF_TIME_S) + (manual(cb) ? CHECK_MANUAL_GRACE_S : 0));
			return;
		}
		break;
	case ST_OFF_TIME:
		if (due) {
			switch_on(c, cb);
			return;
		}
		break;
	case ST_ON:
		if (s->power_failed || (due && !cb->on_seen)) {
			if (!s->power_failed) {
				s->power_failed = true;
				snprintf(s->power_error, sizeof(s->power_error), "on: no word from the backend");
			}
			switch_off(c, cb);
			return;
		}
		if (cb->on_seen) {
			start_watch(c, cb);
			return;
		}
		break;
	case ST_WATCH:
		if (due) {
			switch_off(c, cb);
			return;
		}
		if (s->discover && (s->console_lines || !s->has_console)) {
			enter(c, ST_SETTLE, wall(c, CHECK_SETTLE_S));
			return;
		}
		break;
	case ST_SETTLE:
		if (due) {
			switch_off(c, cb);
			return;
		}
		break;
	case ST_OFF:
		if (cb->off_seen || s->off_failed || due) {
			if (!cb->off_seen && due)
				s->off_failed = true;
			start_quiet(c, cb);
			return;
		}
		break;
	case ST_QUIET:
		if (due) {
			c->stage = ST_DONE;
			finish_board(c, cb);
			c->current++;
			start_board(c);
			return;
		}
		break;
	case ST_DONE:
		return;
	}
	/* Not over yet (woken early for nothing): back at the deadline. */
	struct timeval tv = to_tv(rest);
	evtimer_add(c->timer, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct lab_check *c = arg;
	fprintf(stderr, "pitest: %s: stopping the check\n", sig == SIGINT ? "interrupted" : "terminated");
	c->interrupted = true;
	event_base_loopbreak(c->base);
}

/* ---- setup, as a run's (runner.c) --------------------------------------- */

static void cleanup(struct lab_check *c)
{
	if (c->checks) {
		for (size_t i = 0; i < c->lab->n_boards; i++)
			board_free(c->checks[i].board); /* powers off a board left on */
		free(c->checks);
	}
	lab_servers_stop(c->servers);
	if (c->locks) {
		for (size_t i = 0; i < c->lab->n_boards; i++)
			if (c->locks[i] >= 0)
				close(c->locks[i]);
		free(c->locks);
	}
	if (c->timer)
		event_free(c->timer);
	if (c->sigint)
		event_free(c->sigint);
	if (c->sigterm)
		event_free(c->sigterm);
	vlab_free(c->vlab);
	lab_root_release(&c->root);
	if (c->base)
		event_base_free(c->base);
	if (c->events_out)
		fclose(c->events_out);
	timeline_free(c->tl);
	lab_free(c->lab);
}

static bool selected(const struct lab_check_options *o, const char *name)
{
	if (o->n_boards == 0)
		return true;
	for (size_t i = 0; i < o->n_boards; i++)
		if (strcmp(o->boards[i], name) == 0)
			return true;
	return false;
}

static int setup(struct lab_check *c)
{
	const struct lab_check_options *o = c->opts;
	char err[1024] = "";
	if (lab_load(o->lab_path, &c->lab, err, sizeof(err)) != 0) {
		fprintf(stderr, "pitest: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < o->n_boards; i++) {
		if (!lab_board_by_name(c->lab, o->boards[i])) {
			fprintf(stderr, "pitest: %s has no board named '%s'\n", o->lab_path, o->boards[i]);
			return 2;
		}
	}
	/* Real boards keep real time; virtual ones are started with this scale. */
	c->time_scale = c->lab->time_scale > 0 ? c->lab->time_scale : 1;
	if (o->time_scale > 0 && c->lab->is_virtual)
		c->time_scale = c->lab->time_scale = o->time_scale;
	c->checks = calloc(c->lab->n_boards, sizeof(*c->checks));
	c->locks = malloc(c->lab->n_boards * sizeof(*c->locks));
	if (!c->checks || !c->locks)
		return 1;
	for (size_t i = 0; i < c->lab->n_boards; i++)
		c->locks[i] = -1;
	/* A real board is checked by nobody else meanwhile (board_lock.h). */
	for (size_t i = 0; i < c->lab->n_boards; i++) {
		const char *name = c->lab->boards[i].name;
		if (!selected(o, name))
			continue;
		if (!c->lab->is_virtual) {
			c->locks[i] = board_lock_take(c->lab->name, name, err, sizeof(err));
			if (c->locks[i] < 0) {
				fprintf(stderr, "pitest: %s\n", err);
				return 1;
			}
		}
		int w = (int)strlen(name);
		if (w > c->name_width)
			c->name_width = w;
	}
	if (o->events_path && !(c->events_out = fopen(o->events_path, "w"))) {
		fprintf(stderr, "pitest: cannot write %s: %s\n", o->events_path, strerror(errno));
		return 2;
	}
	c->tl = timeline_new();
	c->base = event_base_new();
	if (!c->tl || !c->base)
		return 1;
	if (c->events_out)
		timeline_add_listener(c->tl, on_event_jsonl, c);
	if (o->verbosity >= 2)
		timeline_add_listener(c->tl, on_event_print, c);
	timeline_add_listener(c->tl, on_event, c);
	if (c->lab->is_virtual) {
		if (vlab_new(c->lab->interface, c->lab->address, c->lab->prefix_len, &c->vlab, err,
			     sizeof(err)) != 0) {
			fprintf(stderr, "pitest: cannot build the virtual lab: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < c->lab->n_boards; i++) {
			if (vlab_add_board(c->vlab, c->lab->boards[i].name, c->lab->boards[i].mac, err,
					   sizeof(err)) != 0) {
				fprintf(stderr, "pitest: cannot add board %s to the virtual lab: %s\n",
					c->lab->boards[i].name, err);
				return 1;
			}
		}
	}
	if (lab_root_prepare(c->lab, &c->root) != 0)
		return 1;
	for (size_t i = 0; i < c->lab->n_boards; i++) {
		if (!selected(o, c->lab->boards[i].name))
			continue;
		c->checks[i].spec = &c->lab->boards[i];
		int rc = board_new(c->base, c->tl, c->lab, &c->lab->boards[i], c->vlab, o->self_exe,
				   &c->checks[i].board);
		if (rc) {
			fprintf(stderr, "pitest: %s:%d: board %s: %s\n", c->lab->path, c->lab->boards[i].line,
				c->lab->boards[i].name, strerror(-rc));
			return 2;
		}
	}
	/* The servers answer as in a run: DHCP, TFTP, NFS, no faults. */
	if (lab_servers_start(c->base, c->tl, c->lab, &c->root, NULL, c->time_scale, NULL, NULL,
			      &c->servers) != 0)
		return 1;
	c->timer = evtimer_new(c->base, on_timer, c);
	c->sigint = evsignal_new(c->base, SIGINT, on_signal, c);
	c->sigterm = evsignal_new(c->base, SIGTERM, on_signal, c);
	if (!c->timer || !c->sigint || !c->sigterm || event_add(c->sigint, NULL) != 0 ||
	    event_add(c->sigterm, NULL) != 0)
		return 1;
	return 0;
}

int lab_check_run(const struct lab_check_options *opts)
{
	struct lab_check c = { .opts = opts };
	int rc = setup(&c);
	if (rc) {
		cleanup(&c);
		return rc;
	}
	size_t n = 0;
	for (size_t i = 0; i < c.lab->n_boards; i++)
		n += c.checks[i].spec != NULL;
	printf("pitest: checking the wiring of %zu board%s of lab %s (time scale %g), one at a time\n", n,
	       n == 1 ? "" : "s", c.lab->name, c.time_scale);
	fflush(stdout);
	start_board(&c);
	if (!c.interrupted && c.current < c.lab->n_boards)
		event_base_dispatch(c.base);
	if (c.interrupted) {
		rc = 130;
	} else {
		printf("%zu of %zu board%s wired\n", c.n_wired, c.n_checked, c.n_checked == 1 ? "" : "s");
		rc = c.n_wired == c.n_checked && c.n_checked == n ? 0 : 1;
	}
	cleanup(&c);
	return rc;
}
