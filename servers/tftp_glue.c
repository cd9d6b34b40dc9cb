/*
 * tftp_glue.c - serves a struct tftp_server on a libevent loop.
 *
 * The server port's socket only receives requests. Each transfer the
 * engine starts gets its own struct: an ephemeral UDP socket bound to the
 * address the request came in on and connected to the client's address
 * and port (RFC 1350 TIDs: the kernel then filters strangers for us), a
 * read event and a timer. gx_free() is its single free path. Datagrams of
 * a step go out with send() (one) or sendmmsg() (a window); a failed send
 * is a lost packet and the engine's retransmission recovers it.
 *
 * Protocol decisions all live in tftp_server.c; this file only moves bytes.
 */
#include "servers/tftp_glue.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "servers/tftp_server.h"

#define GLUE_BATCH 64          /* datagrams read or sent per system call at most */
#define GLUE_RBUF 65536        /* larger than any UDP payload */
#define GLUE_SNDBUF (1 << 20)  /* a whole window fits in the socket buffer */

struct gxfer {
	TAILQ_ENTRY(gxfer) link;
	struct tftp_glue *g;
	struct tftp_transfer *x;
	int fd;
	struct event *ev_read;
	struct event *ev_timer;
};

struct tftp_glue {
	struct event_base *base;
	struct tftp_server *srv;
	uint32_t bind_ip;
	uint16_t port;
	int fd;
	struct event *ev_read;
	TAILQ_HEAD(, gxfer) active;
	size_t n_active;
	struct mmsghdr mm[GLUE_BATCH];
	struct iovec iov[GLUE_BATCH];
	uint8_t rbuf[GLUE_RBUF];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The single free path of a transfer: engine state, events, socket. */
static void gx_free(struct gxfer *t)
{
	if (!t)
		return;
	TAILQ_REMOVE(&t->g->active, t, link);
	t->g->n_active--;
	if (t->ev_read)
		event_free(t->ev_read);
	if (t->ev_timer)
		event_free(t->ev_timer);
	if (t->fd >= 0)
		close(t->fd);
	tftp_transfer_free(t->x);
	free(t);
}

static void send_outs(struct tftp_glue *g, int fd, const struct tftp_out *out, size_t n)
{
	if (n == 1) {
		(void)send(fd, out[0].buf, out[0].len, MSG_DONTWAIT);
		return;
	}
	while (n > 0) {
		size_t k = n < GLUE_BATCH ? n : GLUE_BATCH;
		for (size_t i = 0; i < k; i++) {
			g->iov[i] = (struct iovec){ (void *)out[i].buf, out[i].len };
			g->mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &g->iov[i], .msg_iovlen = 1 } };
		}
		int r = sendmmsg(fd, g->mm, (unsigned)k, MSG_DONTWAIT);
		if (r <= 0)
			return; /* lost: the engine retransmits */
		out += r;
		n -= (size_t)r;
	}
}

/* Carries out a step. Returns false when the transfer is gone. */
static bool apply(struct gxfer *t, const struct tftp_step *s, double now)
{
	send_outs(t->g, t->fd, s->out, s->n_out);
	if (s->done) {
		gx_free(t);
		return false;
	}
	if (s->wake > 0) {
		double d = s->wake - now;
		if (d < 0)
			d = 0;
		if (d > 86400)
			d = 86400;
		struct timeval tv = { (time_t)d, (suseconds_t)((d - (double)(time_t)d) * 1e6) };
		evtimer_add(t->ev_timer, &tv);
	} else {
		evtimer_del(t->ev_timer);
	}
	return true;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct gxfer *t = arg;
	struct tftp_step s;
	double now = now_s();
	tftp_transfer_timer(t->x, now, &s);
	apply(t, &s, now);
}

static void on_xfer_read(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct gxfer *t = arg;
	struct tftp_glue *g = t->g;
	/* One datagram per wake-up: in lock-step there is never a second one,
	 * and trying for it would cost a recv() returning EAGAIN per block.
	 * The event is level-triggered, so anything queued wakes us again. */
	ssize_t n = recv(fd, g->rbuf, sizeof(g->rbuf), MSG_DONTWAIT);
	if (n < 0)
		return; /* EAGAIN, or ECONNREFUSED from an ICMP: the timer decides */
	struct tftp_step s;
	double now = now_s();
	tftp_transfer_handle(t->x, g->rbuf, (size_t)n, now, &s);
	apply(t, &s, now);
}

static int open_xfer_socket(uint32_t local_ip, const struct sockaddr_in *peer)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int sz = GLUE_SNDBUF;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr.s_addr = local_ip };
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0 ||
	    connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) != 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Gives a new engine transfer its socket and events, then runs its first step. */
static void start_transfer(struct tftp_glue *g, struct tftp_transfer *x, const struct tftp_step *s,
			   uint32_t local_ip, const struct sockaddr_in *peer, double now)
{
	struct gxfer *t = calloc(1, sizeof(*t));
	if (!t) {
		tftp_transfer_free(x);
		return;
	}
	t->g = g;
	t->x = x;
	t->fd = -1;
	TAILQ_INSERT_TAIL(&g->active, t, link);
	g->n_active++;
	tftp_transfer_set_user(x, t);
	int fd = open_xfer_socket(local_ip, peer);
	if (fd < 0) {
		/* Reported like any aborted transfer; nothing can reach the client. */
		struct tftp_step ab;
		tftp_transfer_abort(x, "No socket", now, &ab);
		gx_free(t);
		return;
	}
	t->fd = fd;
	t->ev_read = event_new(g->base, fd, EV_READ | EV_PERSIST, on_xfer_read, t);
	t->ev_timer = evtimer_new(g->base, on_timer, t);
	if (!t->ev_read || !t->ev_timer || event_add(t->ev_read, NULL) != 0) {
		struct tftp_step ab;
		tftp_transfer_abort(x, "Out of memory", now, &ab);
		apply(t, &ab, now);
		return;
	}
	apply(t, s, now);
}

/* The address the request was sent to, so the answer comes from it. */
static uint32_t dest_addr(struct msghdr *mh, uint32_t fallback)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return pi.ipi_addr.s_addr;
		}
	}
	return fallback;
}

static void on_request(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct tftp_glue *g = arg;
	for (int i = 0; i < GLUE_BATCH; i++) {
		struct sockaddr_in peer;
		uint8_t ctrl[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = { g->rbuf, sizeof(g->rbuf) };
		struct msghdr mh = {
			.msg_name = &peer,
			.msg_namelen = sizeof(peer),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctrl,
			.msg_controllen = sizeof(ctrl),
		};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue;
		}
		if (mh.msg_namelen < sizeof(peer) || peer.sin_family != AF_INET ||
		    (mh.msg_flags & MSG_TRUNC))
			continue;
		struct tftp_transfer *x = NULL;
		struct tftp_step s;
		double now = now_s();
		if (tftp_server_request(g->srv, g->rbuf, (size_t)n, peer.sin_addr.s_addr,
					ntohs(peer.sin_port), now, &x, &s) < 0 || !x)
			continue;
		start_transfer(g, x, &s, dest_addr(&mh, g->bind_ip), &peer, now);
	}
}

static int open_listener(uint32_t bind_ip, uint16_t port, uint16_t *ret_port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	int rcv = 4 << 20; /* a lab powering up sends its RRQs in a burst */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = bind_ip,
	};
	socklen_t sl = sizeof(sa);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

int tftp_glue_new(struct event_base *base, struct tftp_server *srv, uint32_t bind_ip,
		  uint16_t port, struct tftp_glue **ret_glue)
{
	if (!base || !srv || !ret_glue)
		return -EINVAL;
	struct tftp_glue *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->base = base;
	g->srv = srv;
	g->bind_ip = bind_ip;
	g->fd = -1;
	TAILQ_INIT(&g->active);
	int r = open_listener(bind_ip, port, &g->port);
	if (r < 0)
		goto fail;
	g->fd = r;
	g->ev_read = event_new(base, g->fd, EV_READ | EV_PERSIST, on_request, g);
	if (!g->ev_read || event_add(g->ev_read, NULL) != 0) {
		r = -ENOMEM;
		goto fail;
	}
	*ret_glue = g;
	return 0;
fail:
	tftp_glue_free(g);
	return r;
}

void tftp_glue_free(struct tftp_glue *g)
{
	if (!g)
		return;
	double now = now_s();
	while (!TAILQ_EMPTY(&g->active)) {
		struct gxfer *t = TAILQ_FIRST(&g->active);
		struct tftp_step s;
		tftp_transfer_abort(t->x, "Server shutting down", now, &s);
		apply(t, &s, now); /* sends the ERROR, then frees: s.done is set */
	}
	if (g->ev_read)
		event_free(g->ev_read);
	if (g->fd >= 0)
		close(g->fd);
	free(g);
}

uint16_t tftp_glue_port(const struct tftp_glue *g)
{
	return g ? g->port : 0;
}

size_t tftp_glue_n_active(const struct tftp_glue *g)
{
	return g ? g->n_active : 0;
}
