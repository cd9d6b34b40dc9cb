/*
 * power_gpiod.c - power "gpio": a relay on a GPIO line, switched on the
 * event loop (see power_gpiod.h for the contract).
 */
#include "harness/power_gpiod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "harness/gpio_line.h"
#include "harness/lab.h"
#include "harness/timeline.h"

/*
 * The earliest next power-on of a lab's gpio boards, shared by them while
 * any exists (the lab itself is read-only at run time). One event loop
 * drives them all, so no lock.
 */
struct stagger {
	const struct lab *lab;
	double next_on;
	unsigned users;
	struct stagger *next;
};
static struct stagger *staggers;

struct power_gpiod {
	struct timeline *tl;
	const struct lab_board *board;
	double stagger_s;
	struct stagger *stagger;
	struct gpio_line *line;
	struct event *timer; /* a power-on waiting for its time */
	bool pending;
	double on_at;        /* when the waiting power-on may happen */
	bool line_on;        /* the last level set was ON */
	double off_since;    /* when the line last went off */
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct stagger *stagger_get(const struct lab *lab)
{
	for (struct stagger *s = staggers; s; s = s->next)
		if (s->lab == lab) {
			s->users++;
			return s;
		}
	struct stagger *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->lab = lab;
	s->users = 1;
	s->next = staggers;
	staggers = s;
	return s;
}

static void stagger_put(struct stagger *s)
{
	if (!s || --s->users > 0)
		return;
	for (struct stagger **p = &staggers; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	free(s);
}

static int level_of(const struct power_gpiod *pg, bool on)
{
	return on != pg->board->gpio_active_low;
}

static void report_error(struct power_gpiod *pg, const char *action, const char *status)
{
	timeline_emit(pg->tl, pg->board->name, "power.error", "action", action, "backend", "gpio", "chip",
		      pg->board->gpio_chip, "line", pg->board->gpio_line, "status", status, NULL);
}

/* Sets the line, reads it back, says what happened. */
static void switch_line(struct power_gpiod *pg, bool on)
{
	const char *action = on ? "on" : "off";
	int level = level_of(pg, on);
	char status[160];

	if (!on && pg->line_on)
		pg->off_since = now_s();
	pg->line_on = on;
	int rc = gpio_line_set(pg->line, level);
	if (rc < 0) {
		snprintf(status, sizeof(status), "setting the line to %d: %s", level, strerror(-rc));
		report_error(pg, action, status);
		return;
	}
	rc = gpio_line_get(pg->line);
	if (rc < 0) {
		snprintf(status, sizeof(status), "reading the line back: %s", strerror(-rc));
		report_error(pg, action, status);
		return;
	}
	if (rc != level) {
		snprintf(status, sizeof(status),
			 "read back %d after setting %d: something else drives the line (check the wiring)", rc,
			 level);
		report_error(pg, action, status);
		return;
	}
	timeline_emit(pg->tl, pg->board->name, on ? "power.on" : "power.off", "backend", "gpio", "chip",
		      pg->board->gpio_chip, "line", pg->board->gpio_line, NULL);
}

static int wait_until(struct power_gpiod *pg, double at, double now)
{
	long us = (long)((at - now) * 1e6) + 1; /* rounded up: never early */
	struct timeval tv = { us / 1000000, us % 1000000 };
	pg->on_at = at;
	return evtimer_add(pg->timer, &tv) < 0 ? -ENOMEM : 0;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct power_gpiod *pg = arg;
	double now = now_s();
	(void)fd;
	(void)what;
	/* libevent's coarse clock may wake us a few ms before the fine one */
	if (now < pg->on_at && wait_until(pg, pg->on_at, now) == 0)
		return;
	pg->pending = false;
	switch_line(pg, true);
}

int power_gpiod_on(struct power_gpiod *pg)
{
	if (!pg)
		return -EINVAL;
	if (pg->pending)
		return 0;
	double now = now_s(), at = pg->off_since + pg->board->power_off_time_s;
	if (at < pg->stagger->next_on)
		at = pg->stagger->next_on;
	if (at < now)
		at = now;
	/* the slot is taken now, so boards asking together queue up */
	pg->stagger->next_on = at + pg->stagger_s;
	if (at <= now) {
		switch_line(pg, true);
		return 0;
	}
	if (wait_until(pg, at, now) < 0)
		return -ENOMEM;
	pg->pending = true;
	return 0;
}

int power_gpiod_off(struct power_gpiod *pg)
{
	if (!pg)
		return -EINVAL;
	if (pg->pending) {
		evtimer_del(pg->timer);
		pg->pending = false;
	}
	switch_line(pg, false);
	return 0;
}

/* What to look at, for each way a request fails. */
static const char *hint(int err, const char *step)
{
	if (err == EACCES || err == EPERM)
		return "check that this user may open /dev/gpiochip* (the gpio group or a udev rule)";
	if (err == EBUSY)
		return "another program or a kernel driver holds the line (gpioinfo shows its consumer)";
	if (strcmp(step, "opening the chip") == 0)
		return "check gpio_chip (gpiodetect lists the chips) and that /dev/gpiochip* exist";
	if (strcmp(step, "finding the line") == 0)
		return "check gpio_line (gpioinfo lists the chip's lines)";
	return "check gpio_chip and gpio_line with gpioinfo";
}

int power_gpiod_new(struct event_base *base, struct timeline *tl, const struct lab *lab,
		    const struct lab_board *board, struct power_gpiod **ret, char *why, size_t cap)
{
	if (!base || !tl || !board || !ret || !board->gpio_chip[0] || !board->gpio_line[0])
		return -EINVAL;
	struct power_gpiod *pg = calloc(1, sizeof(*pg));
	if (!pg)
		return -ENOMEM;
	pg->tl = tl;
	pg->board = board;
	pg->stagger_s = lab ? lab->power_stagger_s : 0;
	pg->stagger = stagger_get(lab);
	pg->timer = evtimer_new(base, timer_cb, pg);
	if (!pg->stagger || !pg->timer) {
		power_gpiod_free(pg);
		return -ENOMEM;
	}
	/* the kernel keeps 31 characters of a consumer name */
	char consumer[32], step[64] = "", status[256];
	snprintf(consumer, sizeof(consumer), "pitest:%s", board->name);
	int rc = gpio_line_open(board->gpio_chip, board->gpio_line, consumer, level_of(pg, false), &pg->line,
				step, sizeof(step));
	if (rc < 0) {
		snprintf(status, sizeof(status), "%s: %s: %s", step, strerror(-rc),
			 hint(-rc, step));
		report_error(pg, "request", status);
		snprintf(why, cap, "board '%s' (gpio_chip %s, gpio_line %s): %s", board->name, board->gpio_chip,
			 board->gpio_line, status);
		power_gpiod_free(pg);
		return rc;
	}
	pg->off_since = now_s();
	*ret = pg;
	return 0;
}

void power_gpiod_free(struct power_gpiod *pg)
{
	if (!pg)
		return;
	if (pg->timer)
		event_free(pg->timer);
	gpio_line_close(pg->line);
	stagger_put(pg->stagger);
	free(pg);
}
