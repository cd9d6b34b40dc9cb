/*
 * runner.c - runs each case of a suite on the boards of a lab.
 *
 * Everything happens on one libevent loop: the DHCP server, every board's
 * power and console, and one deadline timer per board run. Cases run one
 * after the other; within a case every selected board runs in parallel with
 * its own step cursor over the one timeline. A board run reads the timeline
 * in order: an `expect` step consumes the first matching event of its board
 * after the previous one, an `absent` step fails on any matching event in
 * its window, and deadlines are board time divided by the lab's time scale.
 *
 * Except on the wire: a virtual board's timers run time_scale times faster,
 * but its TFTP transfers run at wire speed, which no time scale speeds up
 * (a 9 MB kernel takes seconds on a loaded host, a minute of board time at
 * scale 10). So while a board has a transfer under way (from the server's
 * tftp.rrq to its tftp.done, .probe, .error, .timeout or .refused) the
 * deadline of an expect step, and the case's limit, run at wall time, as
 * its wire would on a real bench: how fast the host moves bytes must not
 * fail a board. Absent and wait windows stay board time: widening them
 * would make them claim more than the suite wrote.
 */
#include "harness/runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <event2/event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "harness/artifacts.h"
#include "harness/board.h"
#include "harness/board_lock.h"
#include "harness/classify.h"
#include "harness/ctest_resources.h"
#include "harness/expect.h"
#include "harness/fault.h"
#include "harness/lab.h"
#include "harness/lab_capture.h"
#include "reports/html.h"
#include "harness/suite.h"
#include "harness/summary.h"
#include "harness/timeline.h"
#include "harness/progress.h"
#include "harness/spool.h"
#include "harness/vlab.h"
#include "reports/junit.h"
#include "harness/lab_servers.h"

/* A relay must stay open long enough for the board's capacitors to drain. */
#define POWER_CYCLE_OFF_S 1.0
/* Extra board time a case may take beyond the sum of its step deadlines. */
#define CASE_SLACK_S 30.0
#define SEEN_INSTEAD_MAX 8
/* Console lines come through a pipe and packets through sockets; the two
 * reach the loop in either order when they happen close together. Events
 * of a board less than this far apart (wall seconds) count as simultaneous,
 * so an expectation may take one from just before the previous match. */
#define SOURCE_SKEW_S 0.5

/* PENDING: waiting for a slot under --jobs; ACTIVE: powered and checked. */
enum run_state { RUN_PENDING, RUN_ACTIVE, RUN_PASSED, RUN_FAILED, RUN_INTERRUPTED };

/* A boot phase a `phase:` step ended, and how long it took (timeline s). */
#define RUN_PHASES_MAX 16
struct phase_time {
	const char *name;     /* the ending step's, in the suite: lives as long as the runner */
	double seconds;
};

struct runner;

struct board_run {
	struct runner *r;
	struct board *board;
	const struct lab_board *spec;
	const struct suite_case *kase;
	enum run_state state;
	size_t step;          /* index into kase->steps */
	bool step_armed;      /* the step's timer is running / its action was taken */
	double step_started;  /* timeline time the current step became current */
	size_t step_start_index;
	size_t cursor;        /* timeline index after the last consumed event */
	size_t consumed[64];  /* timeline indexes expect steps took (within the skew) */
	size_t n_consumed;
	struct event *timer;
	struct event *power_off; /* deferred: finishing happens inside event listeners */
	/* wire time (timeline seconds) of the board's TFTP transfers */
	unsigned wire_open;   /* transfers under way now */
	double wire_since;    /* when wire_open last left 0 */
	double wire_total;    /* closed wire time of this run */
	double step_wire0;    /* wire time when the current step began */
	double step_credit;   /* wall seconds added to the current step's deadline */
	double case_credit;   /* wall seconds added to the case limit for this run */
	bool busy, again;     /* evaluate() is not re-entrant; re-run instead */
	struct phase_time phases[RUN_PHASES_MAX]; /* boot phases ended so far */
	size_t n_phases;
	double phase_start;   /* timeline time the current phase began */
	size_t first_index, end_index; /* timeline slice of this run */
	double t_start, t_end;
	char message[1024];
	char detail[4096];
	char type[16];
	char last[120];       /* the board's last event, for the progress status */
	const char *progress_phase; /* the phase a plain progress line last said */
};

/* Kept for the end-of-run report, one per board run: small, since a nightly
 * --repeat keeps thousands (names point into the suite and lab). */
struct result {
	const struct suite_case *kase;
	const char *board;    /* the lab's board name */
	unsigned repetition;  /* 1-based under --repeat, else 0 */
	double time_s;
	bool failed, skipped;
	char *message;        /* NULL when the run said nothing (it passed) */
	char type[16];
	char *detail;
	/* Kept in r->spool (its offset) when it could be, else in memory:
	 * thousands of runs under --repeat must not grow with their output. */
	char *system_out;
	uint64_t system_out_at;
	bool spooled;
	struct phase_time *phases; /* n_phases of them */
	size_t n_phases;
	/* artifacts: the run's files were written / its capture too */
	bool artifacts, captured;
};

struct runner {
	const struct runner_options *opts;
	struct lab *lab;
	struct suite *suite;
	double time_scale;
	struct event_base *base;
	struct timeline *tl;
	struct vlab *vlab;
	struct lab_root root;    /* the TFTP root the servers use */
	struct board **boards;
	FILE *events_out;
	struct event *sigint, *sigterm, *case_timer;
	bool interrupted;
	struct board_run *runs;
	size_t n_runs;
	struct result *results;
	size_t n_results, cap_results;
	unsigned repetition;   /* 0-based, under --repeat */
	int *board_locks;      /* real labs: a held lock fd per board, -1 = not taken */
	struct lab_servers *servers; /* the current case's */
	struct event *start_timer;   /* starts pending runs, outside event listeners */
	struct progress *progress;   /* NULL: no live status */
	bool progress_plain;         /* lines, not a redrawn block: one per change */
	struct spool *spool;         /* the results' system-out; NULL until the first */
	bool spool_failed;           /* said once; results keep it in memory */
	struct event *progress_timer;
	/* ---- artifacts (artifacts.h): per-run files, linked from the JUnit */
	bool artifacts;              /* opts->artifacts_dir was made */
	char artifacts_link[PATH_MAX]; /* how the JUnit names artifacts_dir */
	struct lab_capture *capture; /* NULL: no packet capture */
	bool artifacts_failed;       /* said once; later runs write what they can */
};

static double wall_seconds(const struct runner *r, double board_seconds)
{
	return board_seconds / r->time_scale;
}

static struct timeval to_timeval(double seconds)
{
	if (seconds < 0)
		seconds = 0;
	struct timeval tv = { .tv_sec = (time_t)seconds };
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	return tv;
}

static bool model_listed(const char *model, const char (*list)[16], size_t n)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], model) == 0)
			return true;
	return false;
}

static bool step_applies(const struct suite_step *step, const struct lab_board *spec)
{
	return model_listed(spec->model, step->models, step->n_models);
}

static bool case_applies(const struct runner *r, const struct suite_case *kase,
			 const struct lab_board *spec)
{
	if (r->opts->only_board && strcmp(r->opts->only_board, spec->name) != 0)
		return false;
	if (r->opts->ctest_boards && !ctest_allocation_has(r->opts->ctest_boards, spec->name))
		return false;
	if (!model_listed(spec->model, kase->models, kase->n_models))
		return false;
	if (kase->n_boards == 0)
		return true;
	for (size_t i = 0; i < kase->n_boards; i++)
		if (strcmp(kase->boards[i], spec->name) == 0)
			return true;
	return false;
}

static void check_case_done(struct runner *r)
{
	bool pending = false;
	for (size_t i = 0; i < r->n_runs; i++) {
		if (r->runs[i].state == RUN_ACTIVE)
			return;
		pending = pending || r->runs[i].state == RUN_PENDING;
	}
	if (pending) {
		struct timeval now = { 0, 0 };
		evtimer_add(r->start_timer, &now); /* a slot is free */
		return;
	}
	event_base_loopbreak(r->base);
}

static void run_finish(struct board_run *run, enum run_state state)
{
	if (run->state != RUN_ACTIVE)
		return;
	run->state = state;
	run->t_end = timeline_now(run->r->tl);
	if (run->timer)
		evtimer_del(run->timer);
	/* A finished board is switched off, as a lab would, so it stops
	 * talking to the servers the other boards still use. Not from here:
	 * we may be inside the board's own console reader. */
	if (run->power_off) {
		struct timeval now = { 0, 0 };
		evtimer_add(run->power_off, &now);
	}
	run->end_index = timeline_count(run->r->tl);
	/* artifacts: its packets after now belong to no run */
	if (run->r->capture)
		lab_capture_end(run->r->capture, run->spec->name);
	check_case_done(run->r);
}

/* Seconds the board has spent on the wire in this run, up to `now`. */
static double wire_at(const struct board_run *run, double now)
{
	return run->wire_total + (run->wire_open ? now - run->wire_since : 0);
}

static void wire_close(struct board_run *run, double t, bool all)
{
	if (!run->wire_open)
		return;
	run->wire_open = all ? 0 : run->wire_open - 1;
	if (!run->wire_open)
		run->wire_total += t - run->wire_since;
}

/* Follows the board's transfers on the timeline (the server's events). */
static void wire_track(struct board_run *run, const struct event *ev)
{
	const char *n = ev->name;
	if (strcmp(n, "tftp.rrq") == 0) {
		if (run->wire_open++ == 0)
			run->wire_since = ev->t;
	} else if (strcmp(n, "tftp.done") == 0 || strcmp(n, "tftp.probe") == 0 ||
		   strcmp(n, "tftp.error") == 0 || strcmp(n, "tftp.timeout") == 0 ||
		   strcmp(n, "tftp.refused") == 0) {
		wire_close(run, ev->t, false);
	} else if (strcmp(n, "fault.applied") == 0) {
		/* a dropped RRQ ends without a TFTP event */
		const char *server = event_get(ev, "server"), *on = event_get(ev, "on"),
			   *action = event_get(ev, "action");
		if (server && on && action && strcmp(server, "tftp") == 0 &&
		    strcmp(on, "rrq") == 0 && strcmp(action, "drop") == 0)
			wire_close(run, ev->t, false);
	} else if (strcmp(n, "dhcp.discover") == 0 || strncmp(n, "power.", 6) == 0 ||
		   strcmp(n, "vpi.exit") == 0) {
		/* starting over, off or gone: nothing of it is on the wire */
		wire_close(run, ev->t, true);
	}
}

/*
 * Wall seconds the deadline of a step that began with `wire0` wire seconds
 * (and was already extended by `credit`) still owes the wire: a second on
 * the wire is a second of board time, not time_scale of them.
 */
static double wire_owed(const struct board_run *run, double wire0, double credit)
{
	double scale = run->r->time_scale;
	if (scale <= 1)
		return 0;
	double wire = wire_at(run, timeline_now(run->r->tl)) - wire0;
	return wire * (1 - 1 / scale) - credit;
}

/* Lists the board's events since the step began, newest last. */
static void describe_seen(struct board_run *run, char *out, size_t cap)
{
	const struct timeline *tl = run->r->tl;
	size_t count = timeline_count(tl), picked[SEEN_INSTEAD_MAX], n = 0;
	for (size_t i = count; i-- > run->step_start_index && n < SEEN_INSTEAD_MAX;) {
		const struct event *ev = timeline_get(tl, i);
		if (strcmp(ev->board, run->spec->name) == 0)
			picked[n++] = i;
	}
	size_t used = 0;
	if (n == 0)
		used = (size_t)snprintf(out, cap, "nothing from this board");
	else
		out[0] = '\0';
	for (size_t k = n; k-- > 0 && used + 2 < cap;) {
		char line[600];
		event_format_line(timeline_get(tl, picked[k]), line, sizeof(line));
		int w = snprintf(out + used, cap - used, "%s%s", used ? "\n" : "", line);
		if (w < 0)
			break;
		used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
	}
}

static void run_fail(struct board_run *run, const char *type, const char *fmt_what,
		     const struct suite_step *step, const struct event *offending)
{
	char want[512];
	expect_describe(step, run->r->lab, run->spec, want, sizeof(want));
	snprintf(run->type, sizeof(run->type), "%s", type);
	if (offending) {
		char seen[600];
		event_format_line(offending, seen, sizeof(seen));
		snprintf(run->message, sizeof(run->message),
			 "%s%sstep %zu (%s%sline %d): %s %s within %gs, but saw: %s", step->hint,
			 step->hint[0] ? " -- " : "", run->step + 1, step->file, step->file[0] ? " " : "",
			 step->line, fmt_what, want,
			 step->within_s, seen);
		snprintf(run->detail, sizeof(run->detail), "%s", run->message);
	} else {
		char wire[64] = "";
		if (run->step_credit > 0)
			snprintf(wire, sizeof(wire), " (%.1fs of it on the wire at wall speed)",
				 wire_at(run, timeline_now(run->r->tl)) - run->step_wire0);
		snprintf(run->message, sizeof(run->message),
			 "%s%sstep %zu (%s%sline %d): %s %s within %gs%s", step->hint,
			 step->hint[0] ? " -- " : "", run->step + 1, step->file, step->file[0] ? " " : "",
			 step->line, fmt_what, want,
			 step->within_s, wire);
		char seen[3000];
		describe_seen(run, seen, sizeof(seen));
		snprintf(run->detail, sizeof(run->detail), "%s\nseen instead since the step began:\n%s",
			 run->message, seen);
	}
	run_finish(run, RUN_FAILED);
}

static void evaluate(struct board_run *run);

static void advance(struct board_run *run)
{
	run->step++;
	run->step_armed = false;
	run->step_started = timeline_now(run->r->tl);
	run->step_start_index = timeline_count(run->r->tl);
	run->step_wire0 = wire_at(run, run->step_started);
	run->step_credit = 0;
	if (run->timer)
		evtimer_del(run->timer);
}

static void arm_timer(struct board_run *run, double board_seconds)
{
	struct timeval tv = to_timeval(wall_seconds(run->r, board_seconds));
	evtimer_add(run->timer, &tv);
	run->step_armed = true;
}

/* Below this, wire time owed is not worth another timer round. */
#define WIRE_OWED_MIN_S 0.001

static void on_step_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct board_run *run = arg;
	if (run->state != RUN_ACTIVE)
		return;
	const struct suite_step *step = &run->kase->steps[run->step];
	if (step->kind == STEP_EXPECT) {
		double owed = wire_owed(run, run->step_wire0, run->step_credit);
		if (owed > WIRE_OWED_MIN_S) {
			/* the board was on the wire: its deadline is not there yet */
			run->step_credit += owed;
			struct timeval tv = to_timeval(owed);
			evtimer_add(run->timer, &tv);
			return;
		}
	}
	switch (step->kind) {
	case STEP_EXPECT:
		run_fail(run, strncmp(step->event, "dhcp", 4) == 0 ? "dhcp" : "timeout",
			 "expected", step, NULL);
		return;
	case STEP_POWER: /* the off half of a cycle is over */
		board_power_on(run->board);
		advance(run);
		break;
	case STEP_ABSENT:
	case STEP_WAIT:
		advance(run);
		break;
	case STEP_RESTART: /* here, outside the server's own callbacks */
		if (lab_servers_restart(run->r->servers, step->server) != 0) {
			snprintf(run->type, sizeof(run->type), "harness");
			snprintf(run->message, sizeof(run->message),
				 "step %zu (%s%sline %d): the lab serves no %s, or it did not start again",
				 run->step + 1, step->file, step->file[0] ? " " : "", step->line, step->server);
			snprintf(run->detail, sizeof(run->detail), "%s", run->message);
			run_finish(run, RUN_FAILED);
			return;
		}
		advance(run);
		break;
	}
	evaluate(run);
}

static bool was_consumed(const struct board_run *run, size_t index)
{
	for (size_t i = 0; i < run->n_consumed; i++)
		if (run->consumed[i] == index)
			return true;
	return false;
}

static void consume(struct board_run *run, size_t index)
{
	if (run->n_consumed == sizeof(run->consumed) / sizeof(run->consumed[0])) {
		memmove(run->consumed, run->consumed + 1,
			(run->n_consumed - 1) * sizeof(run->consumed[0]));
		run->n_consumed--;
	}
	run->consumed[run->n_consumed++] = index;
	if (index + 1 > run->cursor)
		run->cursor = index + 1;
}

/* Where an expect step starts looking: the cursor, less the skew window. */
static size_t expect_floor(const struct board_run *run)
{
	const struct timeline *tl = run->r->tl;
	if (run->cursor == run->first_index)
		return run->cursor;
	double limit = timeline_get(tl, run->cursor - 1)->t - SOURCE_SKEW_S;
	size_t i = run->cursor;
	while (i > run->first_index && timeline_get(tl, i - 1)->t >= limit)
		i--;
	return i;
}

/* Events reach the loop through two kinds of channel: the board's console
 * and everything else (servers, power). Order holds within each. */
static bool from_console(const struct event *ev)
{
	return strncmp(ev->name, "console.", 8) == 0 || strncmp(ev->name, "vpi.", 4) == 0;
}

/* Index of the first unconsumed event of this board at or after `from`
 * matching step, or SIZE_MAX. Before the cursor (inside the skew window)
 * only events of the other channel than the last match are eligible. */
static size_t find_match(struct board_run *run, const struct suite_step *step, size_t from)
{
	const struct timeline *tl = run->r->tl;
	size_t count = timeline_count(tl);
	bool last_console = run->n_consumed &&
			    from_console(timeline_get(tl, run->consumed[run->n_consumed - 1]));
	for (size_t i = from; i < count; i++) {
		const struct event *ev = timeline_get(tl, i);
		if (strcmp(ev->board, run->spec->name) != 0 || was_consumed(run, i))
			continue;
		if (i < run->cursor && from_console(ev) == last_console)
			continue;
		if (expect_event_matches(step, ev, run->r->lab, run->spec))
			return i;
	}
	return SIZE_MAX;
}

static void do_power(struct board_run *run, const struct suite_step *step)
{
	if (strcmp(step->power, "off") == 0) {
		board_power_off(run->board);
		advance(run);
	} else if (strcmp(step->power, "on") == 0) {
		board_power_on(run->board);
		advance(run);
	} else { /* cycle: off now, on after the relay's off time */
		board_power_off(run->board);
		arm_timer(run, POWER_CYCLE_OFF_S);
	}
}

/*
 * The event that ends a phase was seen at `t`: the phase lasted from the
 * previous phase's end (or the run's start) to it. Recorded for the JUnit
 * properties and as a phase.end event in the log.
 */
static void phase_end(struct board_run *run, const char *name, double t)
{
	double seconds = t > run->phase_start ? t - run->phase_start : 0;
	run->phase_start = t;
	if (run->n_phases < RUN_PHASES_MAX) {
		run->phases[run->n_phases++] = (struct phase_time){ name, seconds };
	}
	char text[32];
	snprintf(text, sizeof(text), "%.3f", seconds);
	timeline_emit(run->r->tl, run->spec->name, "phase.end", "phase", name, "seconds", text, NULL);
}

/* Walks the steps as far as the timeline allows. Not re-entrant: power
 * actions emit events that call back into here, which only sets `again`. */
static void evaluate(struct board_run *run)
{
	if (run->busy) {
		run->again = true;
		return;
	}
	run->busy = true;
	do {
		run->again = false;
		while (run->state == RUN_ACTIVE && run->step < run->kase->n_steps) {
			const struct suite_step *step = &run->kase->steps[run->step];
			if (!step_applies(step, run->spec)) {
				advance(run);
				continue;
			}
			if (step->kind == STEP_POWER) {
				if (run->step_armed)
					break;
				do_power(run, step);
				continue;
			}
			if (step->kind == STEP_RESTART) {
				if (!run->step_armed)
					arm_timer(run, 0);
				break;
			}
			if (step->kind == STEP_EXPECT) {
				size_t at = find_match(run, step, expect_floor(run));
				if (at != SIZE_MAX) {
					consume(run, at);
					advance(run);
					if (step->phase[0])
						phase_end(run, step->phase, timeline_get(run->r->tl, at)->t);
					continue;
				}
			} else if (step->kind == STEP_ABSENT) {
				size_t at = find_match(run, step, run->step_start_index);
				if (at != SIZE_MAX) {
					run_fail(run, "unexpected", "expected no", step,
						 timeline_get(run->r->tl, at));
					break;
				}
			}
			if (!run->step_armed)
				arm_timer(run, step->within_s);
			break;
		}
		if (run->state == RUN_ACTIVE && run->step >= run->kase->n_steps)
			run_finish(run, RUN_PASSED);
	} while (run->again && run->state == RUN_ACTIVE);
	run->busy = false;
}

static void on_power_off_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct board_run *run = arg;
	board_power_off(run->board);
}

/* "tftp.oack file=... options=..." : the event line without its time and board. */
static void last_event_text(const struct event *ev, char *out, size_t cap)
{
	char line[600];
	event_format_line(ev, line, sizeof(line));
	const char *p = line;
	for (int field = 0; field < 2; field++) { /* time, board */
		p += strspn(p, " ");
		p += strcspn(p, " ");
	}
	p += strspn(p, " ");
	size_t n = 0;
	for (; *p && n + 1 < cap; p++) /* one space between words */
		if (*p != ' ' || (n && out[n - 1] != ' '))
			out[n++] = *p;
	out[n] = '\0';
}

/* A relay program that failed: the board is in no known state, so the
 * run cannot mean anything; its own words are the message. */
static void run_fail_power(struct board_run *run, const struct event *ev)
{
	const char *action = event_get(ev, "action"), *command = event_get(ev, "command");
	const char *status = event_get(ev, "status"), *output = event_get(ev, "output");
	snprintf(run->type, sizeof(run->type), "power");
	snprintf(run->message, sizeof(run->message), "power %s failed: `%s` %s%s%s%s",
		 action ? action : "?", command ? command : "?",
		 status && strncmp(status, "not started", 11) == 0 ? "" : "ended with ",
		 status ? status : "?", output && *output ? ": " : "", output ? output : "");
	snprintf(run->detail, sizeof(run->detail), "%s", run->message);
	run_finish(run, RUN_FAILED);
}

/* The board's console went away (a USB-serial adapter pulled out): the
 * lines the steps wait for may be lost, so the run stops here, with why. */
static void run_fail_console(struct board_run *run, const struct event *ev)
{
	const char *device = event_get(ev, "device"), *error = event_get(ev, "error");
	snprintf(run->type, sizeof(run->type), "console");
	snprintf(run->message, sizeof(run->message), "console %s lost: %s",
		 device ? device : "?", error ? error : "?");
	snprintf(run->detail, sizeof(run->detail), "%s", run->message);
	run_finish(run, RUN_FAILED);
}

static const char *run_phase(const struct board_run *run);
static void on_progress_tick(evutil_socket_t fd, short what, void *arg);

/* Plain progress says every phase change when it happens: a phase shorter
 * than the redraw tick must not go unsaid. */
static void progress_on_change(struct runner *r, struct board_run *run)
{
	const char *phase = run_phase(run);
	if (phase == run->progress_phase)
		return;
	run->progress_phase = phase;
	on_progress_tick(-1, 0, r);
}

static void on_event_for_runs(const struct event *ev, void *user)
{
	struct runner *r = user;
	for (size_t i = 0; i < r->n_runs; i++) {
		struct board_run *run = &r->runs[i];
		if (run->state == RUN_ACTIVE && strcmp(ev->board, run->spec->name) == 0) {
			if (r->progress)
				last_event_text(ev, run->last, sizeof(run->last));
			wire_track(run, ev);
			if (strcmp(ev->name, "power.error") == 0)
				run_fail_power(run, ev);
			else if (strcmp(ev->name, "console.lost") == 0)
				run_fail_console(run, ev);
			else
				evaluate(run);
			if (r->progress_plain)
				progress_on_change(r, run);
		}
	}
}

static void on_event_print(const struct event *ev, void *user)
{
	struct runner *r = user;
	if (r->opts->verbosity < 2 && strcmp(ev->name, "vpi.stderr") == 0)
		return;
	char line[1200];
	event_format_line(ev, line, sizeof(line));
	progress_clear(r->progress);
	printf("%s\n", line);
	fflush(stdout);
}

static void on_event_jsonl(const struct event *ev, void *user)
{
	struct runner *r = user;
	event_write_jsonl(ev, r->events_out);
	fflush(r->events_out);
}

static void interrupt_active_runs(struct runner *r)
{
	for (size_t i = 0; i < r->n_runs; i++) {
		struct board_run *run = &r->runs[i];
		if (run->state == RUN_PENDING) { /* never powered: nothing of it on the timeline */
			run->state = RUN_INTERRUPTED;
			run->t_start = run->t_end = timeline_now(r->tl);
			run->first_index = run->end_index = timeline_count(r->tl);
			snprintf(run->message, sizeof(run->message), "interrupted before it started");
			snprintf(run->type, sizeof(run->type), "interrupted");
			continue;
		}
		if (run->state != RUN_ACTIVE)
			continue;
		snprintf(run->message, sizeof(run->message), "interrupted before it finished");
		snprintf(run->type, sizeof(run->type), "interrupted");
		run_finish(run, RUN_INTERRUPTED);
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct runner *r = arg;
	if (r->interrupted) /* a second Ctrl-C: stop at once, cleanup still runs */
		event_base_loopbreak(r->base);
	r->interrupted = true;
	fprintf(stderr, "pitest: %s: stopping, reporting what finished\n",
		sig == SIGINT ? "interrupted" : "terminated");
	interrupt_active_runs(r);
	event_base_loopbreak(r->base);
}

static void on_case_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct runner *r = arg;
	/* The limit is board time too: the wire time of its boards is owed. */
	double owed = 0;
	for (size_t i = 0; i < r->n_runs; i++) {
		struct board_run *run = &r->runs[i];
		double o = run->state == RUN_ACTIVE ? wire_owed(run, 0, run->case_credit) : 0;
		if (o > owed)
			owed = o;
	}
	if (owed > WIRE_OWED_MIN_S) {
		for (size_t i = 0; i < r->n_runs; i++)
			r->runs[i].case_credit += owed;
		struct timeval tv = to_timeval(owed);
		evtimer_add(r->case_timer, &tv);
		return;
	}
	for (size_t i = 0; i < r->n_runs; i++) {
		struct board_run *run = &r->runs[i];
		if (run->state == RUN_PENDING) { /* never got a slot under --jobs */
			run->state = RUN_ACTIVE;
			run->t_start = timeline_now(r->tl);
			run->first_index = timeline_count(r->tl);
			snprintf(run->message, sizeof(run->message),
				 "case did not finish within its time limit (the board never got a --jobs slot)");
			snprintf(run->type, sizeof(run->type), "timeout");
			run_finish(run, RUN_FAILED);
			continue;
		}
		if (run->state != RUN_ACTIVE)
			continue;
		snprintf(run->message, sizeof(run->message),
			 "case did not finish within its time limit (step %zu)", run->step + 1);
		snprintf(run->type, sizeof(run->type), "timeout");
		run_finish(run, RUN_FAILED);
	}
}

static double case_limit(const struct suite_case *kase)
{
	if (kase->timeout_s > 0)
		return kase->timeout_s;
	double sum = CASE_SLACK_S;
	for (size_t i = 0; i < kase->n_steps; i++)
		sum += kase->steps[i].kind == STEP_POWER ? POWER_CYCLE_OFF_S : kase->steps[i].within_s;
	return sum;
}

static char *timeline_slice_text(const struct timeline *tl, const char *board, size_t from,
				 size_t to)
{
	size_t cap = 4096, used = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = from; i < to; i++) {
		const struct event *ev = timeline_get(tl, i);
		if (!ev || strcmp(ev->board, board) != 0)
			continue;
		char line[1200];
		size_t n = event_format_line(ev, line, sizeof(line));
		if (used + n + 2 > cap) {
			while (used + n + 2 > cap)
				cap *= 2;
			char *grown = realloc(out, cap);
			if (!grown)
				break;
			out = grown;
		}
		memcpy(out + used, line, n);
		used += n;
		out[used++] = '\n';
		out[used] = '\0';
	}
	return out;
}

/* Why a failed run failed (classify.h): its step, the phase under way and
 * its board's events of the run. */
static void classify_failure(const struct runner *r, const struct board_run *run,
			     struct classify_result *ret)
{
	const struct suite_case *kase = run->kase;
	const struct suite_step *step = run->step < kase->n_steps ? &kase->steps[run->step] : NULL;
	bool watches = step && (step->kind == STEP_EXPECT || step->kind == STEP_ABSENT);
	const char *text = NULL, *under_way = NULL;
	for (size_t i = 0; watches && i < step->n_match; i++)
		if (strcmp(step->match[i].key, "text") == 0)
			text = step->match[i].value;
	for (size_t i = run->step; i < kase->n_steps && !under_way; i++)
		if (kase->steps[i].phase[0] && step_applies(&kase->steps[i], run->spec))
			under_way = kase->steps[i].phase;
	size_t span = run->end_index > run->first_index ? run->end_index - run->first_index : 0;
	const struct event **events = malloc((span ? span : 1) * sizeof(*events));
	size_t n = 0;
	for (size_t i = run->first_index; events && i < run->end_index; i++) {
		const struct event *ev = timeline_get(r->tl, i);
		if (ev && strcmp(ev->board, run->spec->name) == 0)
			events[n++] = ev;
	}
	struct classify_input in = {
		.step_event = watches ? step->event : NULL,
		.step_text = text,
		.step_hint = step ? step->hint : NULL,
		.step_phase = watches ? step->phase : NULL,
		.phase_under_way = under_way,
		.runner_type = run->type,
		.t0 = run->t_start,
		.step_t = run->step_started,
		.t_end = run->t_end,
		.events = events,
		.n_events = n,
	};
	classify_run(&in, ret);
	free(events);
}

/* The testcase's name and artifacts directory: "case", or "case#N" for
 * run N (1-based) under --repeat (repetition 0: not repeated). */
static void testcase_name(const struct suite_case *kase, unsigned repetition, char *out,
			  size_t cap)
{
	if (repetition)
		snprintf(out, cap, "%s#%u", kase->name, repetition);
	else
		snprintf(out, cap, "%s", kase->name);
}

/* The current run's number for testcase_name(). */
static unsigned run_repetition(const struct runner *r)
{
	return r->opts->repeat > 1 ? r->repetition + 1 : 0;
}

/* The JUnit classname: "suite.board". */
static void result_classname(const struct runner *r, const struct result *res, char *out,
			     size_t cap)
{
	snprintf(out, cap, "%s.%s", r->suite->name, res->board);
}

/* Moves a result's system-out to the spool, or leaves it in memory when
 * there is no spool (said once: the run goes on, only bigger). */
static void spool_result(struct runner *r, struct result *res)
{
	if (!res->system_out || r->spool_failed)
		return;
	char err[512] = "";
	int rc = 0;
	if (!r->spool && !(r->spool = spool_new(err, sizeof(err))))
		rc = -1;
	if (rc == 0)
		rc = spool_append(r->spool, res->system_out, strlen(res->system_out),
				  &res->system_out_at);
	if (rc) {
		fprintf(stderr, "pitest: %s; the runs' output stays in memory\n",
			err[0] ? err : strerror(-rc));
		r->spool_failed = true;
		return;
	}
	res->spooled = true;
	free(res->system_out);
	res->system_out = NULL;
}

/* ---- artifacts (artifacts.h) ----------------------------------------------
 * Each board run's console log, events, capture and result as files, written
 * when its result is taken (before the case's events are dropped); its
 * capture file is open from power-on to then. */

/* The run goes on without the file; said once, later runs try again. */
static void artifacts_warn(struct runner *r, const char *err)
{
	if (r->artifacts_failed)
		return;
	r->artifacts_failed = true;
	fprintf(stderr, "pitest: artifacts: %s (further problems with them are not repeated)\n",
		err);
}

/* At power-on: the run's directory, and its capture from now on. */
static void artifacts_begin(struct board_run *run)
{
	struct runner *r = run->r;
	if (!r->artifacts)
		return;
	char label[96], dir[PATH_MAX], path[PATH_MAX + 32], err[PATH_MAX + 128] = "";
	testcase_name(run->kase, run_repetition(r), label, sizeof(label));
	if (artifacts_run_dir(r->opts->artifacts_dir, label, run->spec->name, dir, sizeof(dir)) != 0) {
		artifacts_warn(r, "the artifacts directory's path is too long");
		return;
	}
	if (artifacts_mkdirs(dir, err, sizeof(err)) != 0) {
		artifacts_warn(r, err);
		return;
	}
	if (!r->capture)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, ARTIFACT_CAPTURE);
	if (lab_capture_begin(r->capture, run->spec->name, run->spec->mac, run->spec->ip, path, err,
			      sizeof(err)) != 0)
		artifacts_warn(r, err);
}

/* When the run's result is taken: its files, and its capture closed. */
static void artifacts_write(struct runner *r, const struct board_run *run, struct result *res)
{
	if (!r->artifacts)
		return;
	char dir[PATH_MAX], err[PATH_MAX + 128] = "";
	if (r->capture) {
		long n = lab_capture_close(r->capture, run->spec->name, err, sizeof(err));
		res->captured = n >= 0;
		if (n < 0 && n != -ENOENT) /* -ENOENT: never powered, no capture */
			artifacts_warn(r, err);
	}
	char name[128];
	testcase_name(res->kase, res->repetition, name, sizeof(name));
	if (artifacts_run_dir(r->opts->artifacts_dir, name, run->spec->name, dir, sizeof(dir)) != 0) {
		artifacts_warn(r, "the artifacts directory's path is too long");
		return;
	}
	struct artifacts_phase phases[RUN_PHASES_MAX];
	for (size_t i = 0; i < res->n_phases; i++)
		phases[i] = (struct artifacts_phase){ res->phases[i].name, res->phases[i].seconds };
	struct artifacts_run ar = {
		.suite = r->suite->name,
		.case_name = run->kase->name,
		.board = run->spec->name,
		.model = run->spec->model,
		.repetition = r->repetition + 1,
		.verdict = res->failed ? "failed" : res->skipped ? "skipped" : "passed",
		.message = res->message ? res->message : "",
		.type = res->failed || res->skipped ? res->type : "",
		.t_start = run->t_start,
		.t_end = run->t_end,
		.phases = phases,
		.n_phases = res->n_phases,
	};
	if (artifacts_write_run(dir, r->tl, run->first_index, run->end_index, &ar, err,
				sizeof(err)) != 0)
		artifacts_warn(r, err);
	else
		res->artifacts = true;
}

static int add_result(struct runner *r, const struct board_run *run)
{
	if (r->n_results == r->cap_results) {
		size_t cap = r->cap_results ? r->cap_results * 2 : 64;
		struct result *grown = realloc(r->results, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		r->results = grown;
		r->cap_results = cap;
	}
	struct phase_time *phases = NULL;
	if (run->n_phases) {
		phases = malloc(run->n_phases * sizeof(*phases));
		if (!phases)
			return -ENOMEM;
		memcpy(phases, run->phases, run->n_phases * sizeof(*phases));
	}
	struct result *res = &r->results[r->n_results++];
	memset(res, 0, sizeof(*res));
	res->kase = run->kase;
	res->board = run->spec->name;
	res->repetition = run_repetition(r);
	res->phases = phases;
	res->n_phases = run->n_phases;
	res->time_s = run->t_end - run->t_start;
	res->failed = run->state == RUN_FAILED;
	res->skipped = run->state == RUN_INTERRUPTED;
	res->message = run->message[0] ? strdup(run->message) : NULL;
	snprintf(res->type, sizeof(res->type), "%s", run->type);
	res->detail = run->detail[0] ? strdup(run->detail) : NULL;
	if (res->failed) {
		/* the class is the JUnit type; its evidence leads the failure text */
		struct classify_result cls;
		classify_failure(r, run, &cls);
		snprintf(res->type, sizeof(res->type), "%s", cls.token);
		char *detail = NULL;
		if (asprintf(&detail, "%s\n%s", cls.evidence, run->detail[0] ? run->detail
									  : run->message) >= 0) {
			free(res->detail);
			res->detail = detail;
		}
	}
	res->system_out = timeline_slice_text(r->tl, run->spec->name, run->first_index,
					      run->end_index);
	spool_result(r, res);
	artifacts_write(r, run, res);
	return 0;
}

static void print_run_result(const struct board_run *run)
{
	const char *verdict = run->state == RUN_PASSED ? "PASS"
			      : run->state == RUN_FAILED ? "FAIL"
							 : "STOP";
	printf("%s  %-40s %-10s %6.2fs%s%s\n", verdict, run->kase->name, run->spec->name,
	       run->t_end - run->t_start, run->message[0] ? "  " : "", run->message);
	fflush(stdout);
}

/* The phase a run is in: the next one a step of it ends. */
static const char *run_phase(const struct board_run *run)
{
	switch (run->state) {
	case RUN_PENDING: return "waiting";
	case RUN_PASSED: return "PASS";
	case RUN_FAILED: return "FAIL";
	case RUN_INTERRUPTED: return "STOP";
	case RUN_ACTIVE: break;
	}
	for (size_t i = run->step; i < run->kase->n_steps; i++) {
		const struct suite_step *step = &run->kase->steps[i];
		if (step->phase[0] && step_applies(step, run->spec))
			return step->phase;
	}
	return "checking";
}

/* Redraws the live status: every board of the case (plain lines: the running ones). */
static void on_progress_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct runner *r = arg;
	if (!r->progress || r->n_runs == 0)
		return;
	struct progress_row *rows = calloc(r->n_runs, sizeof(*rows));
	if (!rows)
		return;
	size_t n = 0;
	double now = timeline_now(r->tl);
	for (size_t i = 0; i < r->n_runs; i++) {
		const struct board_run *run = &r->runs[i];
		bool done = run->state != RUN_ACTIVE && run->state != RUN_PENDING;
		if (done && !isatty(STDOUT_FILENO))
			continue; /* its result line says it */
		rows[n++] = (struct progress_row){
			.board = run->spec->name,
			.state = run_phase(run),
			.elapsed_s = run->state == RUN_PENDING ? 0 : (done ? run->t_end : now) - run->t_start,
			.last = run->last,
		};
	}
	progress_draw(r->progress, rows, n);
	free(rows);
}

/* Powers a pending run and walks its steps: its timeline slice begins now. */
static void start_run(struct board_run *run)
{
	struct runner *r = run->r;
	run->state = RUN_ACTIVE;
	run->first_index = run->cursor = run->step_start_index = timeline_count(r->tl);
	run->t_start = run->step_started = run->phase_start = timeline_now(r->tl);
	artifacts_begin(run);
	evaluate(run);
}

/* Starts pending runs while fewer than --jobs are active (all when 0). */
static void on_start_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct runner *r = arg;
	size_t active = 0;
	for (size_t i = 0; i < r->n_runs; i++)
		active += r->runs[i].state == RUN_ACTIVE;
	for (size_t i = 0; i < r->n_runs && !r->interrupted; i++) {
		if (r->opts->jobs && active >= r->opts->jobs)
			break;
		if (r->runs[i].state != RUN_PENDING)
			continue;
		active++;
		start_run(&r->runs[i]);
	}
	check_case_done(r);
}

/* Runs one case on every board it applies to. Returns 0 or -errno (setup failed). */
static int run_case(struct runner *r, const struct suite_case *kase)
{
	size_t n = 0;
	for (size_t i = 0; i < r->lab->n_boards; i++)
		if (case_applies(r, kase, &r->lab->boards[i]))
			n++;
	if (n == 0)
		return 0;

	struct board_run *runs = calloc(n, sizeof(*runs));
	struct fault_engine *faults = fault_engine_new(kase->faults, kase->n_faults, r->tl);
	struct lab_servers *servers = NULL;
	int err = -ENOMEM;
	if (!runs || !faults)
		goto out;
	fault_engine_set_run(faults, r->repetition);
	err = lab_servers_start(r->base, r->tl, r->lab, &r->root, kase, r->time_scale, faults,
				NULL, &servers);
	if (err)
		goto out;
	r->servers = servers;

	progress_clear(r->progress);
	progress_reset(r->progress);
	printf("== case %s%s%s\n", kase->name, kase->description[0] ? ": " : "",
	       kase->description);
	fflush(stdout);
	r->runs = runs;
	r->n_runs = 0;
	size_t start_index = timeline_count(r->tl);
	for (size_t i = 0; i < r->lab->n_boards; i++) {
		if (!case_applies(r, kase, &r->lab->boards[i]))
			continue;
		struct board_run *run = &runs[r->n_runs++];
		run->r = r;
		run->board = r->boards[i];
		run->spec = &r->lab->boards[i];
		run->kase = kase;
		run->state = RUN_PENDING;
		run->first_index = run->end_index = start_index;
		run->timer = evtimer_new(r->base, on_step_timer, run);
		run->power_off = evtimer_new(r->base, on_power_off_timer, run);
		if (!run->timer || !run->power_off) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* Under --jobs the boards go in waves, each with the case's time. */
	size_t waves = r->opts->jobs ? (r->n_runs + r->opts->jobs - 1) / r->opts->jobs : 1;
	struct timeval limit = to_timeval(wall_seconds(r, case_limit(kase) * (double)waves));
	evtimer_add(r->case_timer, &limit);
	on_start_timer(-1, 0, r);
	if (!r->interrupted)
		event_base_dispatch(r->base);
	interrupt_active_runs(r);
	evtimer_del(r->case_timer);
	evtimer_del(r->start_timer);
	progress_clear(r->progress);
	for (size_t i = 0; i < r->n_runs; i++) {
		print_run_result(&runs[i]);
		if (add_result(r, &runs[i]) != 0)
			err = -ENOMEM;
	}
	err = 0;
out:
	if (runs) {
		for (size_t i = 0; i < n; i++) {
			if (runs[i].board)
				board_power_off(runs[i].board);
			if (runs[i].timer)
				event_free(runs[i].timer);
			if (runs[i].power_off)
				event_free(runs[i].power_off);
		}
	}
	r->runs = NULL;
	r->n_runs = 0;
	r->servers = NULL;
	lab_servers_stop(servers);
	fault_engine_free(faults);
	free(runs);
	return err;
}

/* One result's JUnit texts: its name and classname, and the properties of
 * its phases ("phase.NAME" = seconds). */
struct phase_props {
	char name[128], classname[192];
	char names[RUN_PHASES_MAX][32];
	char values[RUN_PHASES_MAX][24];
	const char *name_ptrs[RUN_PHASES_MAX];
	const char *value_ptrs[RUN_PHASES_MAX];
};

static void phase_props_fill(struct phase_props *pp, const struct result *res)
{
	for (size_t j = 0; j < res->n_phases; j++) {
		snprintf(pp->names[j], sizeof(pp->names[j]), "phase.%s", res->phases[j].name);
		snprintf(pp->values[j], sizeof(pp->values[j]), "%.3f", res->phases[j].seconds);
		pp->name_ptrs[j] = pp->names[j];
		pp->value_ptrs[j] = pp->values[j];
	}
}

/* artifacts: a result's files as the JUnit names them (artifacts_link_prefix),
 * the console log first (GitLab links only a testcase's first). Returns how
 * many of out[ATTACHMENTS_MAX] it filled (malloc'd). */
#define ATTACHMENTS_MAX 4
static size_t attachment_links(const struct runner *r, const struct result *res, char **out)
{
	if (!res->artifacts)
		return 0;
	static const char *const files[ATTACHMENTS_MAX] = { ARTIFACT_CONSOLE, ARTIFACT_CAPTURE,
							    ARTIFACT_EVENTS, ARTIFACT_RESULT };
	char name[128], label[128], board[128];
	testcase_name(res->kase, res->repetition, name, sizeof(name));
	artifacts_safe_name(name, label, sizeof(label));
	artifacts_safe_name(res->board, board, sizeof(board));
	size_t n = 0;
	for (size_t k = 0; k < ATTACHMENTS_MAX; k++) {
		if (k == 1 && !res->captured) /* the board never ran, or no capture */
			continue;
		if (asprintf(&out[n], "%s%s/%s/%s", r->artifacts_link, label, board, files[k]) < 0) {
			out[n] = NULL;
			break;
		}
		n++;
	}
	return n;
}

static int write_junit(struct runner *r, double total_s)
{
	/* the texts are read in place, from the mapped spool */
	const char *spooled = r->spool ? spool_map(r->spool) : "";
	if (!spooled) {
		int rc = -errno;
		fprintf(stderr, "pitest: cannot write %s: cannot read back the runs' output: %s\n",
			r->opts->junit_path, strerror(errno));
		return rc;
	}
	struct junit_case *cases = calloc(r->n_results ? r->n_results : 1, sizeof(*cases));
	struct phase_props *props = calloc(r->n_results ? r->n_results : 1, sizeof(*props));
	char **links = calloc((r->n_results ? r->n_results : 1) * ATTACHMENTS_MAX, sizeof(*links));
	if (!cases || !props || !links) {
		free(cases);
		free(props);
		free(links);
		if (r->spool)
			spool_unmap(r->spool);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n_results; i++) {
		const struct result *res = &r->results[i];
		phase_props_fill(&props[i], res);
		testcase_name(res->kase, res->repetition, props[i].name, sizeof(props[i].name));
		result_classname(r, res, props[i].classname, sizeof(props[i].classname));
		cases[i] = (struct junit_case){
			.name = props[i].name,
			.classname = props[i].classname,
			.time_s = res->time_s,
			.failed = res->failed,
			.skipped = res->skipped,
			.failure_message = res->message ? res->message : "",
			.failure_type = res->type,
			.failure_text = res->detail ? res->detail : res->message ? res->message : "",
			.system_out = res->spooled ? spooled + res->system_out_at : res->system_out,
			.n_properties = res->n_phases,
			.property_names = props[i].name_ptrs,
			.property_values = props[i].value_ptrs,
		};
		char **mine = links + i * ATTACHMENTS_MAX;
		cases[i].n_attachments = attachment_links(r, res, mine);
		cases[i].attachments = (const char *const *)mine;
	}
	char stamp[32], host[256] = "localhost";
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
	gethostname(host, sizeof(host) - 1);
	struct junit_suite js = {
		.name = r->suite->name,
		.timestamp = stamp,
		.hostname = host,
		.time_s = total_s,
		.n_cases = r->n_results,
		.cases = cases,
	};
	char err[512] = "";
	int rc = junit_write(r->opts->junit_path, &js, 1, err, sizeof(err));
	if (rc)
		fprintf(stderr, "pitest: cannot write %s: %s\n", r->opts->junit_path,
			err[0] ? err : strerror(-rc));
	for (size_t i = 0; i < r->n_results * ATTACHMENTS_MAX; i++)
		free(links[i]);
	free(links);
	free(cases);
	free(props);
	if (r->spool)
		spool_unmap(r->spool);
	return rc;
}

static void runner_cleanup(struct runner *r)
{
	if (r->board_locks) {
		for (size_t i = 0; i < r->lab->n_boards; i++)
			if (r->board_locks[i] >= 0)
				close(r->board_locks[i]);
		free(r->board_locks);
	}
	if (r->boards) {
		for (size_t i = 0; i < r->lab->n_boards; i++)
			board_free(r->boards[i]);
		free(r->boards);
	}
	if (r->sigint)
		event_free(r->sigint);
	if (r->sigterm)
		event_free(r->sigterm);
	if (r->case_timer)
		event_free(r->case_timer);
	if (r->start_timer)
		event_free(r->start_timer);
	if (r->progress_timer)
		event_free(r->progress_timer);
	progress_clear(r->progress);
	progress_free(r->progress);
	lab_capture_free(r->capture);
	vlab_free(r->vlab);
	lab_root_release(&r->root);
	if (r->base)
		event_base_free(r->base);
	if (r->events_out)
		fclose(r->events_out);
	for (size_t i = 0; i < r->n_results; i++) {
		free(r->results[i].message);
		free(r->results[i].detail);
		free(r->results[i].system_out);
		free(r->results[i].phases);
	}
	free(r->results);
	spool_free(r->spool);
	timeline_free(r->tl);
	suite_free(r->suite);
	lab_free(r->lab);
}

/* Loads files, builds the lab network, loop, timeline and boards. */
static int runner_setup(struct runner *r, const struct runner_options *opts, bool need_suite)
{
	char err[1024] = "";
	r->opts = opts;
	if (lab_load(opts->lab_path, &r->lab, err, sizeof(err)) != 0) {
		fprintf(stderr, "pitest: %s\n", err);
		return RUNNER_EXIT_USAGE;
	}
	if (need_suite && suite_load(opts->suite_path, &r->suite, err, sizeof(err)) != 0) {
		fprintf(stderr, "pitest: %s\n", err);
		return RUNNER_EXIT_USAGE;
	}
	/* Under ctest with a resource spec, this run may drive only the boards
	 * ctest gave it: tests running beside it have the others. */
	const struct ctest_allocation *given = need_suite ? opts->ctest_boards : NULL;
	if (given) {
		char names[1024];
		ctest_allocation_format(given, names, sizeof(names));
		for (size_t i = 0; i < given->n; i++) {
			if (!lab_board_by_name(r->lab, given->names[i])) {
				fprintf(stderr, "pitest: ctest gave this run board '%s' "
					"(CTEST_RESOURCE_GROUP_*_BOARDS), but %s has no board of that "
					"name: make ctest's resource spec from this lab "
					"(pitest resources --lab %s)\n", given->names[i],
					opts->lab_path, opts->lab_path);
				return RUNNER_EXIT_USAGE;
			}
		}
		if (opts->only_board && !ctest_allocation_has(given, opts->only_board)) {
			fprintf(stderr, "pitest: --board %s is not among the boards ctest gave this "
				"run (%s): nothing to run\n", opts->only_board, names);
			return RUNNER_EXIT_USAGE;
		}
		printf("pitest: ctest gave this run board%s %s%s%s\n", given->n > 1 ? "s" : "",
		       names, opts->only_board ? "; --board narrows it to " : "",
		       opts->only_board ? opts->only_board : "");
	}
	/* A real board is driven by one run at a time; virtual labs are private
	 * to their run (their own namespaces) and need no lock. */
	if (need_suite && !r->lab->is_virtual) {
		r->board_locks = malloc((r->lab->n_boards ? r->lab->n_boards : 1) * sizeof(int));
		if (!r->board_locks)
			return RUNNER_EXIT_FAILED;
		for (size_t i = 0; i < r->lab->n_boards; i++)
			r->board_locks[i] = -1;
		for (size_t i = 0; i < r->lab->n_boards; i++) {
			const char *name = r->lab->boards[i].name;
			if (opts->only_board && strcmp(opts->only_board, name) != 0)
				continue;
			if (given && !ctest_allocation_has(given, name))
				continue;
			int fd = board_lock_take(r->lab->name, name, err, sizeof(err));
			if (fd < 0) {
				fprintf(stderr, "pitest: %s\n", err);
				return RUNNER_EXIT_FAILED;
			}
			r->board_locks[i] = fd;
		}
	}
	r->time_scale = opts->time_scale > 0 ? opts->time_scale : r->lab->time_scale;
	if (r->time_scale <= 0)
		r->time_scale = 1;
	/* the virtual boards take their scale from the lab */
	r->lab->time_scale = r->time_scale;
	if (opts->events_path) {
		r->events_out = fopen(opts->events_path, "w");
		if (!r->events_out) {
			fprintf(stderr, "pitest: cannot write %s: %s\n", opts->events_path,
				strerror(errno));
			return RUNNER_EXIT_USAGE;
		}
	}
	r->tl = timeline_new();
	r->base = event_base_new();
	if (!r->tl || !r->base)
		return RUNNER_EXIT_FAILED;
	if (r->events_out)
		timeline_add_listener(r->tl, on_event_jsonl, r);
	/* Live status: on a terminal by default, where it replaces the event
	 * stream (-v still shows events); plain lines elsewhere with --progress. */
	bool tty = isatty(STDOUT_FILENO);
	bool progress = need_suite && (opts->progress > 0 || (opts->progress < 0 && tty));
	if (progress) {
		struct winsize ws;
		unsigned width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 100;
		r->progress = progress_new(stdout, tty, width);
		r->progress_plain = !tty;
		r->progress_timer = event_new(r->base, -1, EV_PERSIST, on_progress_tick, r);
		struct timeval every = { 0, tty ? 250000 : 500000 };
		if (!r->progress || !r->progress_timer || event_add(r->progress_timer, &every) != 0)
			return RUNNER_EXIT_FAILED;
	}
	if (opts->verbosity >= 2 || (opts->verbosity == 1 && !(progress && tty)))
		timeline_add_listener(r->tl, on_event_print, r);
	timeline_add_listener(r->tl, on_event_for_runs, r);
	if (given) {
		/* Anchors this run's timeline in wall time, so that parallel
		 * runs' timelines can be compared (who drove which board when). */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		ctest_allocation_emit(given, r->tl, (double)now.tv_sec + (double)now.tv_nsec / 1e9);
	}

	if (r->lab->is_virtual) {
		if (vlab_new(r->lab->interface, r->lab->address, r->lab->prefix_len, &r->vlab, err,
			     sizeof(err)) != 0) {
			fprintf(stderr, "pitest: cannot build the virtual lab: %s\n", err);
			return RUNNER_EXIT_FAILED;
		}
		for (size_t i = 0; i < r->lab->n_boards; i++) {
			if (vlab_add_board(r->vlab, r->lab->boards[i].name, r->lab->boards[i].mac,
					   err, sizeof(err)) != 0) {
				fprintf(stderr, "pitest: cannot add board %s to the virtual lab: %s\n",
					r->lab->boards[i].name, err);
				return RUNNER_EXIT_FAILED;
			}
		}
	}
	/* ---- artifacts: their directory, and a capture of the lab's network
	 * (opened here: a virtual lab's process lives in its namespace now) */
	if (need_suite && opts->artifacts_dir) {
		int arc = artifacts_mkdirs(opts->artifacts_dir, err, sizeof(err));
		if (arc == 0 && (arc = artifacts_link_prefix(opts->artifacts_dir, r->artifacts_link,
							     sizeof(r->artifacts_link))) != 0)
			snprintf(err, sizeof(err), "%s: %s", opts->artifacts_dir, strerror(-arc));
		if (arc != 0) {
			fprintf(stderr, "pitest: --artifacts: %s\n", err);
			return RUNNER_EXIT_USAGE;
		}
		r->artifacts = true;
		if (opts->capture) {
			r->capture = lab_capture_open(r->base, r->lab->interface, err, sizeof(err));
			if (!r->capture)
				fprintf(stderr, "pitest: artifacts without packet captures: %s\n", err);
		}
	}
	if (lab_root_prepare(r->lab, &r->root) != 0)
		return RUNNER_EXIT_FAILED;
	r->boards = calloc(r->lab->n_boards ? r->lab->n_boards : 1, sizeof(*r->boards));
	if (!r->boards)
		return RUNNER_EXIT_FAILED;
	for (size_t i = 0; i < r->lab->n_boards; i++) {
		int rc = board_new(r->base, r->tl, r->lab, &r->lab->boards[i], r->vlab,
				   opts->self_exe, &r->boards[i]);
		if (rc) {
			fprintf(stderr, "pitest: %s:%d: board %s: %s\n", r->lab->path,
				r->lab->boards[i].line, r->lab->boards[i].name, strerror(-rc));
			return RUNNER_EXIT_USAGE;
		}
	}
	r->sigint = evsignal_new(r->base, SIGINT, on_signal, r);
	r->sigterm = evsignal_new(r->base, SIGTERM, on_signal, r);
	r->case_timer = evtimer_new(r->base, on_case_timeout, r);
	r->start_timer = evtimer_new(r->base, on_start_timer, r);
	if (!r->sigint || !r->sigterm || !r->case_timer || !r->start_timer)
		return RUNNER_EXIT_FAILED;
	event_add(r->sigint, NULL);
	event_add(r->sigterm, NULL);
	return 0;
}

/* "failures: 2 tftp, 1 nfs", then each failure's evidence (the first few). */
#define FAILURES_LISTED 20
static void print_failure_classes(const struct runner *r)
{
	const char **types = malloc((r->n_results ? r->n_results : 1) * sizeof(*types));
	size_t n = 0;
	for (size_t i = 0; types && i < r->n_results; i++)
		if (r->results[i].failed)
			types[n++] = r->results[i].type;
	if (n > 0) {
		char text[256];
		classify_count_text(types, n, text, sizeof(text));
		printf("failures: %s\n", text);
	}
	free(types);
	size_t listed = 0;
	for (size_t i = 0; i < r->n_results; i++) {
		const struct result *res = &r->results[i];
		if (!res->failed || !res->detail)
			continue;
		if (listed++ == FAILURES_LISTED) {
			printf("  ... and %zu more (see the JUnit report)\n", n - FAILURES_LISTED);
			break;
		}
		char name[128];
		testcase_name(res->kase, res->repetition, name, sizeof(name));
		printf("  %s on %s: %.*s\n", name, res->board, (int)strcspn(res->detail, "\n"),
		       res->detail);
	}
	fflush(stdout);
}

/* This run as a history record (history.h): one testcase per result. */
static struct history_run *history_of_run(const struct runner *r, long long started)
{
	char stamp[32];
	history_format_time(started, stamp, sizeof(stamp));
	struct history_run *h = history_run_new(r->suite->name, r->lab->name, stamp, PITEST_VERSION,
						r->time_scale);
	for (size_t i = 0; h && i < r->n_results; i++) {
		const struct result *res = &r->results[i];
		struct history_case hc = { .time_s = res->time_s,
					   .repetition = res->repetition ? res->repetition : 1 };
		const char *board = res->board;
		snprintf(hc.kase, sizeof(hc.kase), "%s", res->kase->name);
		snprintf(hc.board, sizeof(hc.board), "%s", board);
		for (size_t b = 0; b < r->lab->n_boards; b++)
			if (strcmp(r->lab->boards[b].name, board) == 0)
				snprintf(hc.model, sizeof(hc.model), "%s", r->lab->boards[b].model);
		snprintf(hc.verdict, sizeof(hc.verdict), "%s",
			 res->failed ? "fail" : res->skipped ? "interrupted" : "pass");
		if (res->failed) {
			snprintf(hc.failure_class, sizeof(hc.failure_class), "%s", res->type);
			if (res->detail)
				snprintf(hc.evidence, sizeof(hc.evidence), "%.*s",
					 (int)strcspn(res->detail, "\n"), res->detail);
		}
		for (size_t j = 0; j < res->n_phases && j < HISTORY_MAX_PHASES; j++) {
			snprintf(hc.phases[j].name, sizeof(hc.phases[j].name), "%s", res->phases[j].name);
			hc.phases[j].seconds = res->phases[j].seconds;
			hc.n_phases = j + 1;
		}
		if (history_run_add(h, &hc) != 0) {
			history_run_free(h);
			return NULL;
		}
	}
	return h;
}

/* --repeat: pass ratios per case and board, phase p50/p95. */
static void print_summary(const struct runner *r)
{
	struct summary *s = summary_new();
	if (!s)
		return;
	for (size_t i = 0; i < r->n_results; i++) {
		const struct result *res = &r->results[i];
		if (res->skipped)
			continue; /* interrupted: neither passed nor failed */
		struct summary_phase ph[RUN_PHASES_MAX];
		for (size_t j = 0; j < res->n_phases; j++)
			ph[j] = (struct summary_phase){ res->phases[j].name, res->phases[j].seconds };
		if (summary_add(s, res->kase->name, res->board, !res->failed, ph, res->n_phases) < 0)
			break;
	}
	summary_print(s, stdout);
	fflush(stdout);
	summary_free(s);
	print_failure_classes(r);
}

int runner_run_suite(const struct runner_options *opts)
{
	struct runner r = { 0 };
	int rc = runner_setup(&r, opts, true);
	if (rc) {
		runner_cleanup(&r);
		return rc;
	}
	if (opts->only_case) {
		bool found = false;
		for (size_t i = 0; i < r.suite->n_cases; i++)
			found |= strcmp(r.suite->cases[i].name, opts->only_case) == 0;
		if (!found) {
			fprintf(stderr, "pitest: %s: no case named '%s'\n", r.suite->path,
				opts->only_case);
			runner_cleanup(&r);
			return RUNNER_EXIT_USAGE;
		}
	}
	/* The baseline is read before anything runs: a bad one is a usage error. */
	struct history_run *baseline = NULL;
	char herr[1024];
	if (opts->baseline && history_load(opts->baseline, r.suite->name, r.lab->name, &baseline,
					   herr, sizeof(herr)) != 0) {
		fprintf(stderr, "pitest: --baseline %s\n", herr);
		runner_cleanup(&r);
		return RUNNER_EXIT_USAGE;
	}
	long long started_wall = (long long)time(NULL);
	printf("pitest: suite %s on lab %s (%zu boards, time scale %g)\n", r.suite->name,
	       r.lab->name, r.lab->n_boards, r.time_scale);
	double started = timeline_now(r.tl);
	int setup_error = 0;
	unsigned runs = opts->repeat > 1 ? opts->repeat : 1;
	for (r.repetition = 0; r.repetition < runs && !r.interrupted && !setup_error; r.repetition++) {
		if (runs > 1)
			printf("== run %u of %u\n", r.repetition + 1, runs);
		for (size_t i = 0; i < r.suite->n_cases && !r.interrupted; i++) {
			const struct suite_case *kase = &r.suite->cases[i];
			if (opts->only_case && strcmp(kase->name, opts->only_case) != 0)
				continue;
			setup_error = run_case(&r, kase);
			/* The case's results hold what they need of its events:
			 * a long run must not keep every event it ever saw. */
			timeline_clear(r.tl);
			if (setup_error)
				break;
		}
	}
	if (runs > 1)
		print_summary(&r);
	else
		print_failure_classes(&r);
	size_t passed = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < r.n_results; i++) {
		if (r.results[i].failed)
			failed++;
		else if (r.results[i].skipped)
			skipped++;
		else
			passed++;
	}
	if (opts->junit_path)
		write_junit(&r, timeline_now(r.tl) - started);
	if (opts->html_dir && r.artifacts) {
		char herr_html[512] = "";
		if (html_report_write(opts->artifacts_dir, opts->html_dir, herr_html, sizeof(herr_html)) != 0)
			fprintf(stderr, "pitest: --html %s: %s\n", opts->html_dir, herr_html);
		else
			printf("pitest: HTML report in %s/index.html\n", opts->html_dir);
	}
	printf("%zu passed, %zu failed%s\n", passed, failed, skipped ? ", interrupted" : "");
	/* History and the comparison: a slower phase fails the run like a case. */
	int slower = 0;
	bool history_failed = false;
	bool compare = baseline || opts->limits.n_budgets;
	if (opts->history_dir || compare) {
		struct history_run *h = history_of_run(&r, started_wall);
		if (!h) {
			fprintf(stderr, "pitest: out of memory for the history\n");
			history_failed = true;
		} else if (opts->history_dir && history_write(opts->history_dir, h, herr,
								sizeof(herr)) != 0) {
			fprintf(stderr, "pitest: --history %s\n", herr);
			history_failed = true;
		} else if (opts->history_dir) {
			printf("history: %s\n", h->path);
		}
		if (h && compare && !r.interrupted) {
			slower = history_report(baseline, h, &opts->limits, stdout, stderr);
			if (slower >= 0 && baseline)
				printf("compared with the baseline %s: %d phase%s slower\n", baseline->path,
				       slower, slower == 1 ? "" : "s");
			history_failed |= slower < 0;
		}
		history_run_free(h);
	}
	history_run_free(baseline);
	if (r.interrupted)
		rc = RUNNER_EXIT_INTERRUPTED;
	else if (setup_error || failed || r.n_results == 0 || slower != 0 || history_failed)
		rc = RUNNER_EXIT_FAILED;
	else
		rc = RUNNER_EXIT_PASSED;
	runner_cleanup(&r);
	return rc;
}

int runner_serve(const struct runner_options *opts)
{
	struct runner r = { 0 };
	int rc = runner_setup(&r, opts, false);
	if (rc) {
		runner_cleanup(&r);
		return rc;
	}
	struct lab_servers *servers = NULL;
	const char *lease_file = opts->lease_file ? opts->lease_file
				 : r.lab->dhcp.lease_file[0] ? r.lab->dhcp.lease_file
							     : NULL;
	rc = RUNNER_EXIT_FAILED;
	if (lab_servers_start(r.base, r.tl, r.lab, &r.root, NULL, r.time_scale, NULL, lease_file,
			      &servers) != 0)
		goto out;
	if (r.root.path[0])
		fprintf(stderr, "pitest: serving DHCP on %s and TFTP from %s as %s for lab %s; "
			"Ctrl-C to stop\n", r.lab->interface, r.root.path,
			lab_servers_address(servers), r.lab->name);
	else
		fprintf(stderr, "pitest: serving DHCP on %s as %s for lab %s (no tftp.root: no "
			"TFTP); Ctrl-C to stop\n", r.lab->interface, lab_servers_address(servers),
			r.lab->name);
	/* On a virtual lab there is nobody to switch the boards on: do it. */
	if (r.lab->is_virtual)
		for (size_t i = 0; i < r.lab->n_boards; i++)
			board_power_on(r.boards[i]);
	event_base_dispatch(r.base);
	rc = RUNNER_EXIT_PASSED;
out:
	lab_servers_stop(servers);
	runner_cleanup(&r);
	return rc;
}
