/*
 * console_tcp.c - console "tcp": a serial console behind a TCP port, read
 * with a libevent bufferevent and reconnected with a bounded backoff.
 */
#include "harness/console_tcp.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "harness/console_lines.h"
#include "harness/timeline.h"

#define CONSOLE_TCP_RETRY_FIRST_S 0.25
#define CONSOLE_TCP_RETRY_MAX_S 4.0
/* A connection that lasted this long was a real one: retry quickly again.
 * Shorter ones (a ser2net port in use accepts and closes) keep backing off. */
#define CONSOLE_TCP_STABLE_S 1.0

struct console_tcp {
	struct event_base *base;
	struct timeline *tl;
	char board[64];
	char address[160];
	char host[128];
	char port[8];
	bool telnet;
	struct bufferevent *bev;
	struct event *retry;
	double retry_s;
	bool connected;
	struct timespec connected_at;
	struct console_lines lines;
	struct telnet tn;
};

int console_tcp_parse_address(const char *text, char *host, size_t hostcap, uint16_t *ret_port)
{
	const char *colon, *h = text;
	size_t hlen;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		h = text + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || memchr(text, ':', (size_t)(colon - text)))
			return -EINVAL; /* a bare IPv6 address needs brackets */
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= hostcap)
		return -EINVAL;
	for (size_t i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_:%", h[i]))
			return -EINVAL;
	const char *p = colon + 1;
	char *end;
	errno = 0;
	unsigned long v = strtoul(p, &end, 10);
	if (!isdigit((unsigned char)p[0]) || *end || errno || v < 1 || v > 65535)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*ret_port = (uint16_t)v;
	return 0;
}

static void on_line(const char *line, size_t len, void *user)
{
	struct console_tcp *ct = user;
	(void)len;
	timeline_emit(ct->tl, ct->board, "console.line", "text", line, NULL);
}

static void try_connect(struct console_tcp *ct);

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	try_connect(arg);
}

/* Connection gone or never made: say so, try again later. */
static void lost(struct console_tcp *ct, const char *error)
{
	char retry[32];

	if (ct->bev) {
		bufferevent_free(ct->bev);
		ct->bev = NULL;
	}
	if (ct->connected) {
		/* what came before the end is still a line */
		console_lines_flush(&ct->lines, on_line, ct);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double lived = (double)(now.tv_sec - ct->connected_at.tv_sec) +
			       (double)(now.tv_nsec - ct->connected_at.tv_nsec) / 1e9;
		if (lived >= CONSOLE_TCP_STABLE_S)
			ct->retry_s = CONSOLE_TCP_RETRY_FIRST_S;
		ct->connected = false;
	}
	snprintf(retry, sizeof(retry), "%g", ct->retry_s);
	timeline_emit(ct->tl, ct->board, "console.error", "address", ct->address, "error", error,
		      "retry_s", retry, NULL);
	struct timeval tv = { (time_t)ct->retry_s,
			      (suseconds_t)((ct->retry_s - (double)(time_t)ct->retry_s) * 1e6) };
	evtimer_add(ct->retry, &tv);
	ct->retry_s *= 2;
	if (ct->retry_s > CONSOLE_TCP_RETRY_MAX_S)
		ct->retry_s = CONSOLE_TCP_RETRY_MAX_S;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct console_tcp *ct = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[4096], data[4096], reply[96];

	for (;;) {
		int n = evbuffer_remove(in, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (!ct->telnet) {
			console_lines_feed(&ct->lines, buf, (size_t)n, on_line, ct);
			continue;
		}
		for (size_t used = 0; used < (size_t)n;) {
			size_t dlen, rlen;
			used += telnet_filter(&ct->tn, buf + used, (size_t)n - used, data, &dlen, reply,
					      sizeof(reply), &rlen);
			if (rlen)
				bufferevent_write(bev, reply, rlen);
			console_lines_feed(&ct->lines, data, dlen, on_line, ct);
		}
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct console_tcp *ct = arg;
	char error[128];
	(void)bev;

	if (what & BEV_EVENT_CONNECTED) {
		ct->connected = true;
		clock_gettime(CLOCK_MONOTONIC, &ct->connected_at);
		console_lines_init(&ct->lines);
		telnet_init(&ct->tn);
		timeline_emit(ct->tl, ct->board, "console.connected", "address", ct->address, NULL);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		read_cb(bev, ct); /* the last bytes before the close */
		snprintf(error, sizeof(error), "connection closed by the other end");
	} else {
		int e = EVUTIL_SOCKET_ERROR();
		snprintf(error, sizeof(error), "%s", e ? evutil_socket_error_to_string(e) : "connection failed");
	}
	lost(ct, error);
}

static void try_connect(struct console_tcp *ct)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST };
	struct addrinfo *ai = NULL;
	char error[192];

	/* Numeric addresses need no lookup; names may (rarely) wait on DNS. */
	int g = getaddrinfo(ct->host, ct->port, &hints, &ai);
	if (g == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV;
		g = getaddrinfo(ct->host, ct->port, &hints, &ai);
	}
	if (g != 0) {
		snprintf(error, sizeof(error), "cannot resolve %s: %s", ct->host, gai_strerror(g));
		lost(ct, error);
		return;
	}
	ct->bev = bufferevent_socket_new(ct->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!ct->bev) {
		freeaddrinfo(ai);
		lost(ct, "out of memory");
		return;
	}
	bufferevent_setcb(ct->bev, read_cb, NULL, event_cb, ct);
	bufferevent_enable(ct->bev, EV_READ | EV_WRITE);
	int rc = bufferevent_socket_connect(ct->bev, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0) {
		int e = EVUTIL_SOCKET_ERROR();
		snprintf(error, sizeof(error), "%s", e ? evutil_socket_error_to_string(e) : "cannot connect");
		lost(ct, error);
	}
}

int console_tcp_new(struct event_base *base, struct timeline *tl, const char *board,
		    const char *address, bool telnet, struct console_tcp **ret)
{
	uint16_t port;

	if (!base || !tl || !board || !address || !ret)
		return -EINVAL;
	struct console_tcp *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return -ENOMEM;
	if (console_tcp_parse_address(address, ct->host, sizeof(ct->host), &port) < 0 ||
	    strlen(board) >= sizeof(ct->board) || strlen(address) >= sizeof(ct->address)) {
		free(ct);
		return -EINVAL;
	}
	ct->base = base;
	ct->tl = tl;
	snprintf(ct->board, sizeof(ct->board), "%s", board);
	snprintf(ct->address, sizeof(ct->address), "%s", address);
	snprintf(ct->port, sizeof(ct->port), "%u", port);
	ct->telnet = telnet;
	ct->retry_s = CONSOLE_TCP_RETRY_FIRST_S;
	console_lines_init(&ct->lines);
	telnet_init(&ct->tn);
	ct->retry = evtimer_new(base, retry_cb, ct);
	if (!ct->retry) {
		free(ct);
		return -ENOMEM;
	}
	try_connect(ct);
	*ret = ct;
	return 0;
}

void console_tcp_free(struct console_tcp *ct)
{
	if (!ct)
		return;
	if (ct->connected)
		console_lines_flush(&ct->lines, on_line, ct);
	if (ct->bev)
		bufferevent_free(ct->bev);
	event_free(ct->retry);
	free(ct);
}
