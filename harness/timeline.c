/*
 * timeline.c - event storage and fan-out to listeners.
 *
 * Each event is one allocation holding the struct and all its strings, so
 * a stored event never points outside itself.
 */
#include "harness/timeline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIMELINE_VALUE_MAX 1024
#define TIMELINE_MAX_LISTENERS 16

struct listener {
	timeline_listener_fn fn;
	void *user;
};

struct timeline {
	struct timespec start;
	uint64_t next_seq;
	struct event **events;
	size_t n_events, cap_events;
	struct listener listeners[TIMELINE_MAX_LISTENERS];
	size_t n_listeners;
	unsigned emitting; /* listeners under way (they may emit in turn) */
};

static double elapsed_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

struct timeline *timeline_new(void)
{
	struct timeline *tl = calloc(1, sizeof(*tl));
	if (!tl)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &tl->start);
	return tl;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	for (size_t i = 0; i < tl->n_events; i++)
		free(tl->events[i]);
	free(tl->events);
	free(tl);
}

double timeline_now(const struct timeline *tl)
{
	return elapsed_since(&tl->start);
}

int timeline_add_listener(struct timeline *tl, timeline_listener_fn fn, void *user)
{
	if (tl->n_listeners >= TIMELINE_MAX_LISTENERS)
		return -ENOSPC;
	tl->listeners[tl->n_listeners++] = (struct listener){ fn, user };
	return 0;
}

void timeline_remove_listener(struct timeline *tl, timeline_listener_fn fn, void *user)
{
	for (size_t i = 0; i < tl->n_listeners; i++) {
		if (tl->listeners[i].fn == fn && tl->listeners[i].user == user) {
			memmove(&tl->listeners[i], &tl->listeners[i + 1],
				(tl->n_listeners - i - 1) * sizeof(tl->listeners[0]));
			tl->n_listeners--;
			return;
		}
	}
}

static size_t bounded_len(const char *s)
{
	return s ? strnlen(s, TIMELINE_VALUE_MAX) : 0;
}

/* Copies s (cut at TIMELINE_VALUE_MAX) to *cursor and advances it. */
static const char *pack_string(char **cursor, const char *s)
{
	size_t n = bounded_len(s);
	char *dst = *cursor;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
	*cursor += n + 1;
	return dst;
}

static struct event *event_pack(uint64_t seq, double t, const char *board, const char *name,
				size_t n, const char *const *keys, const char *const *values)
{
	size_t size = sizeof(struct event) + bounded_len(board) + 1 + bounded_len(name) + 1;
	for (size_t i = 0; i < n; i++)
		size += bounded_len(keys[i]) + 1 + bounded_len(values[i]) + 1;
	struct event *ev = malloc(size);
	if (!ev)
		return NULL;
	char *cursor = (char *)(ev + 1);
	ev->seq = seq;
	ev->t = t;
	ev->board = pack_string(&cursor, board);
	ev->name = pack_string(&cursor, name);
	ev->n_fields = n;
	for (size_t i = 0; i < n; i++) {
		ev->keys[i] = pack_string(&cursor, keys[i]);
		ev->values[i] = pack_string(&cursor, values[i]);
	}
	return ev;
}

/* Keeps ev; returns false when it cannot (cap reached or OOM). */
static bool store(struct timeline *tl, struct event *ev)
{
	if (tl->n_events >= TIMELINE_MAX_STORED)
		return false;
	if (tl->n_events == tl->cap_events) {
		size_t cap = tl->cap_events ? tl->cap_events * 2 : 1024;
		struct event **grown = realloc(tl->events, cap * sizeof(*grown));
		if (!grown)
			return false;
		tl->events = grown;
		tl->cap_events = cap;
	}
	tl->events[tl->n_events++] = ev;
	return true;
}

void timeline_emitv(struct timeline *tl, const char *board, const char *name, size_t n_fields,
		    const char *const *keys, const char *const *values)
{
	if (!tl)
		return;
	if (n_fields > EVENT_MAX_FIELDS)
		n_fields = EVENT_MAX_FIELDS;
	struct event *ev = event_pack(tl->next_seq++, timeline_now(tl), board ? board : "", name,
				      n_fields, keys, values);
	if (!ev)
		return;
	/* Stored before listeners run: a listener may emit in turn, and the
	 * stored order must stay the emission order. */
	bool stored = store(tl, ev);
	struct listener snapshot[TIMELINE_MAX_LISTENERS];
	size_t n = tl->n_listeners;
	memcpy(snapshot, tl->listeners, n * sizeof(snapshot[0]));
	tl->emitting++;
	for (size_t i = 0; i < n; i++)
		snapshot[i].fn(ev, snapshot[i].user);
	tl->emitting--;
	if (!stored)
		free(ev);
}

void timeline_emit(struct timeline *tl, const char *board, const char *name, ...)
{
	const char *keys[EVENT_MAX_FIELDS], *values[EVENT_MAX_FIELDS];
	size_t n = 0;
	va_list ap;
	va_start(ap, name);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		if (n < EVENT_MAX_FIELDS) {
			keys[n] = k;
			values[n] = v ? v : "";
			n++;
		}
	}
	va_end(ap);
	timeline_emitv(tl, board, name, n, keys, values);
}

int timeline_clear(struct timeline *tl)
{
	if (tl->emitting)
		return -EBUSY;
	for (size_t i = 0; i < tl->n_events; i++)
		free(tl->events[i]);
	/* The array keeps its size: the next case needs about as many slots. */
	tl->n_events = 0;
	return 0;
}

size_t timeline_count(const struct timeline *tl)
{
	return tl->n_events;
}

const struct event *timeline_get(const struct timeline *tl, size_t index)
{
	return index < tl->n_events ? tl->events[index] : NULL;
}

const char *event_get(const struct event *ev, const char *key)
{
	for (size_t i = 0; i < ev->n_fields; i++)
		if (strcmp(ev->keys[i], key) == 0)
			return ev->values[i];
	return NULL;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 if it is not one. */
static size_t utf8_sequence_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n;
	unsigned min;
	unsigned cp;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2, min = 0x80, cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, min = 0x800, cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Values come from the wire (hostnames, file names): whatever the bytes,
 * the line stays valid JSON; bytes that are not UTF-8 become U+FFFD. */
static void write_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	/* Bytes that need no escape go out in runs, one fwrite each. */
	const unsigned char *p = (const unsigned char *)s, *plain = p;
	while (*p) {
		const char *esc = NULL;
		char u[8];
		size_t n = 1;
		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(u, sizeof(u), "\\u%04x", *p);
				esc = u;
			} else if (*p >= 0x80 && (n = utf8_sequence_len(p)) == 0) {
				esc = "\\ufffd";
				n = 1;
			}
			break;
		}
		if (esc) {
			fwrite(plain, 1, (size_t)(p - plain), out);
			fputs(esc, out);
			plain = p + n;
		}
		p += n;
	}
	fwrite(plain, 1, (size_t)(p - plain), out);
	fputc('"', out);
}

int event_write_jsonl(const struct event *ev, FILE *out)
{
	fprintf(out, "{\"t\":%.6f,\"seq\":%llu,\"board\":", ev->t, (unsigned long long)ev->seq);
	write_json_string(out, ev->board);
	fputs(",\"event\":", out);
	write_json_string(out, ev->name);
	for (size_t i = 0; i < ev->n_fields; i++) {
		fputc(',', out);
		write_json_string(out, ev->keys[i]);
		fputc(':', out);
		write_json_string(out, ev->values[i]);
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

size_t event_format_line(const struct event *ev, char *buf, size_t cap)
{
	if (cap == 0)
		return 0;
	int n = snprintf(buf, cap, "%9.3f  %-10s %-15s", ev->t, ev->board[0] ? ev->board : "-",
			 ev->name);
	size_t used = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
	for (size_t i = 0; i < ev->n_fields && used < cap - 1; i++) {
		const char *quote = strchr(ev->values[i], ' ') ? "\"" : "";
		n = snprintf(buf + used, cap - used, " %s=%s%s%s", ev->keys[i], quote, ev->values[i],
			     quote);
		if (n < 0)
			break;
		used += (size_t)n < cap - used ? (size_t)n : cap - used - 1;
	}
	return used;
}
