/*
 * timeline.h - the one event type every part of pitest emits.
 *
 * Power changes, DHCP messages seen and sent, faults applied and console
 * lines all become `struct event`s on one timeline, with a monotonic
 * timestamp and the board they belong to. Expectations, the JUnit report and
 * the --events JSON Lines file all read it; nothing keeps a side channel.
 */
#ifndef PITEST_TIMELINE_H
#define PITEST_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EVENT_MAX_FIELDS 16
/* Bound on stored events; past it events still reach listeners but are not kept. */
#define TIMELINE_MAX_STORED 2000000

struct event {
	uint64_t seq;      /* 0, 1, 2... in emission order */
	double t;          /* seconds since the timeline started (CLOCK_MONOTONIC) */
	const char *board; /* board name, "" when not attributed to a board */
	const char *name;  /* dotted name: "power.on", "dhcp.offer", "console.line" */
	size_t n_fields;
	const char *keys[EVENT_MAX_FIELDS];
	const char *values[EVENT_MAX_FIELDS];
};

typedef void (*timeline_listener_fn)(const struct event *ev, void *user);

struct timeline;

/* A new timeline whose t=0 is now. Returns NULL on allocation failure. */
struct timeline *timeline_new(void);
/* Frees the timeline and every stored event. Accepts NULL. */
void timeline_free(struct timeline *tl);

/* Seconds since t=0 on the timeline's monotonic clock. */
double timeline_now(const struct timeline *tl);

/* Listeners are called synchronously, in registration order, for each event. */
int timeline_add_listener(struct timeline *tl, timeline_listener_fn fn, void *user);
void timeline_remove_listener(struct timeline *tl, timeline_listener_fn fn, void *user);

/*
 * Emits an event now. The variadic part is key, value pairs of strings ended
 * by NULL: timeline_emit(tl, "pi4-01", "dhcp.offer", "ip", "192.168.1.100", NULL).
 * Keys and values are copied. Values longer than 1024 bytes are cut.
 */
void timeline_emit(struct timeline *tl, const char *board, const char *name, ...)
	__attribute__((sentinel));
/* Same with arrays (for callers that build fields in a loop). */
void timeline_emitv(struct timeline *tl, const char *board, const char *name,
		    size_t n_fields, const char *const *keys, const char *const *values);

/*
 * Drops every stored event, as a long run does after each case: the clock
 * (t0), the seq counter and the listeners stay, so later events go on with
 * the next seq and the same time base, and get indexes from 0 again.
 * Pointers and indexes to stored events are invalid afterwards. Returns 0,
 * or -EBUSY when called from a listener (the event under way is stored).
 */
int timeline_clear(struct timeline *tl);

/* Stored events, oldest first. */
size_t timeline_count(const struct timeline *tl);
const struct event *timeline_get(const struct timeline *tl, size_t index);

/* Value of field `key`, or NULL. */
const char *event_get(const struct event *ev, const char *key);

/* Writes one JSON object and a newline: {"t":1.234567,"seq":3,"board":"..","event":"..",k:v...}. */
int event_write_jsonl(const struct event *ev, FILE *out);
/* Writes "  12.345 board  name  k=v k=v" (no newline) into buf; returns length. */
size_t event_format_line(const struct event *ev, char *buf, size_t cap);

#endif
