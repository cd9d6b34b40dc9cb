/*
 * rpc_glue.c - serves a struct rpc_server on a libevent loop: the
 * portmapper's TCP listener and UDP socket, NFS and MOUNT sharing another
 * pair (calls are told apart by program number in rpc_server). A TCP
 * connection reads with its own event and recv() (one syscall per
 * wake-up), reassembles records (RFC 5531 §11) and writes each reply as
 * one fragment: straight to the socket when nothing waits before it, else
 * through a bufferevent used for output only.
 *
 * Replies are malloc'd by rpc_server and handed to the output evbuffer by
 * reference (freed once written), so a 1 MiB READ is copied only by the
 * kernel. A connection stops reading while more than GLUE_OUT_HIGH bytes
 * wait to be written, and resumes under GLUE_OUT_LOW. conn_free() is the
 * single free path of a connection: its delayed replies go with it.
 *
 * UDP replies over GLUE_UDP_MAX are not sent (they would not fit a
 * datagram); NFS over UDP needs a client that honours a small rsize.
 */
#include "servers/rpc_glue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/timeline.h"
#include "servers/nfs3_const.h"
#include "servers/rpc_server.h"
#include "servers/rpc_wire.h"

#define GLUE_OUT_HIGH (8u << 20)  /* stop reading above this much unsent output */
#define GLUE_OUT_LOW (2u << 20)   /* and resume below this */
#define GLUE_UDP_MAX 65507u       /* largest UDP payload over IPv4 */
#define GLUE_UDP_BATCH 64         /* datagrams handled per wake-up at most */
#define GLUE_IO_CHUNK (4u << 20)  /* bufferevent write size per call */
#define GLUE_IN_BUF (256u << 10)  /* recv size per call */

struct rconn;

/* A reply waiting for its fault delay. */
struct delayed {
	TAILQ_ENTRY(delayed) link;
	struct rpc_glue *g;
	struct rconn *conn;       /* NULL for UDP */
	int udp_fd;
	struct sockaddr_in to;
	struct event *timer;
	uint8_t *reply;
	size_t len;
	uint64_t token;
};
TAILQ_HEAD(delayed_list, delayed);

struct rconn {
	TAILQ_ENTRY(rconn) link;
	struct rpc_glue *g;
	struct bufferevent *bev;
	uint64_t id;
	struct rpc_peer peer;
	struct rpc_rm rm;
	uint8_t *rmbuf;
	struct event *rd;         /* readable: our own recv (on_conn_readable) */
	uint8_t *in;              /* received, not yet fed to rm: in[in_off, in_len) */
	size_t in_off, in_len;
	bool stalled;
	bool reading_paused;      /* backpressure */
	struct event *stall_timer;
	struct event *closed_ev;  /* stalled for good: still notice the peer leaving */
	struct delayed_list delayed;
};

struct udp_sock {
	struct rpc_glue *g;
	int fd;
	struct event *ev;
};

struct rpc_glue {
	struct event_base *base;
	struct rpc_server *srv;
	struct timeline *tl;
	struct evconnlistener *lis[2];  /* portmapper, NFS+MOUNT */
	struct udp_sock udp[2];
	uint16_t pmap_port, nfs_port;
	TAILQ_HEAD(, rconn) conns;
	size_t n_conns;
	uint64_t next_id;
	struct delayed_list udp_delayed;
	uint8_t rbuf[65536];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timeval tv_of(double s)
{
	if (s < 0)
		s = 0;
	if (s > 86400 * 365)
		s = 86400 * 365;
	struct timeval tv = { (time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6) };
	return tv;
}

static void emit_conn(struct rpc_glue *g, const char *name, const struct rpc_peer *p)
{
	if (!g->tl)
		return;
	char ip[INET_ADDRSTRLEN], port[8];
	struct in_addr a = { .s_addr = p->ip };
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(port, sizeof(port), "%u", p->port);
	timeline_emit(g->tl, "", name, "ip", ip, "port", port, NULL);
}

static void delayed_free(struct delayed *d)
{
	struct delayed_list *list = d->conn ? &d->conn->delayed : &d->g->udp_delayed;
	TAILQ_REMOVE(list, d, link);
	if (d->timer)
		event_free(d->timer);
	rpc_server_sent(d->g->srv, d->token);
	free(d->reply);
	free(d);
}

/* The single free path of a connection. */
static void conn_free(struct rconn *c)
{
	struct rpc_glue *g = c->g;
	while (!TAILQ_EMPTY(&c->delayed))
		delayed_free(TAILQ_FIRST(&c->delayed));
	if (c->stall_timer)
		event_free(c->stall_timer);
	if (c->closed_ev)
		event_free(c->closed_ev);
	if (c->rd)
		event_free(c->rd);
	if (c->bev)
		bufferevent_free(c->bev);
	emit_conn(g, "rpc.disconnect", &c->peer);
	TAILQ_REMOVE(&g->conns, c, link);
	g->n_conns--;
	free(c->rmbuf);
	free(c->in);
	free(c);
}

static void free_reply_cb(const void *data, size_t len, void *extra)
{
	(void)data;
	(void)len;
	free(extra);
}

/*
 * Queues one reply as a one-fragment record; takes ownership of reply.
 * With nothing queued before it, the reply is written at once (one
 * sendmsg instead of arming and disarming the write event per call);
 * whatever the socket does not take is queued by reference.
 */
static int conn_send(struct rconn *c, uint8_t *reply, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t mark[4];
	size_t done = 0; /* bytes of mark + reply written */
	rpc_rm_mark(mark, (uint32_t)len);
	if (!c->stalled && evbuffer_get_length(out) == 0) {
		struct iovec iov[2] = { { mark, sizeof(mark) }, { reply, len } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n = sendmsg(bufferevent_getfd(c->bev), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			done = (size_t)n;
		if (done == sizeof(mark) + len) {
			free(reply);
			return 0;
		}
	}
	if ((done < sizeof(mark) && evbuffer_add(out, mark + done, sizeof(mark) - done) != 0) ||
	    (done < sizeof(mark) + len &&
	     evbuffer_add_reference(out, reply + (done > sizeof(mark) ? done - sizeof(mark) : 0),
				    len - (done > sizeof(mark) ? done - sizeof(mark) : 0),
				    free_reply_cb, reply) != 0)) {
		free(reply);
		return -ENOMEM;
	}
	return 0;
}

static void conn_process(struct rconn *c);

static void on_delayed_tcp(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delayed *d = arg;
	struct rconn *c = d->conn;
	uint8_t *reply = d->reply;
	d->reply = NULL;
	if (conn_send(c, reply, d->len) != 0) {
		delayed_free(d);
		conn_free(c);
		return;
	}
	delayed_free(d);
}

static void on_delayed_udp(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delayed *d = arg;
	(void)sendto(d->udp_fd, d->reply, d->len, MSG_DONTWAIT, (struct sockaddr *)&d->to,
		     sizeof(d->to));
	delayed_free(d);
}

/* Holds a reply for delay_s; takes ownership of reply. */
static int add_delayed(struct rpc_glue *g, struct rconn *c, int udp_fd,
		       const struct sockaddr_in *to, const struct rpc_result *res)
{
	struct delayed *d = calloc(1, sizeof(*d));
	if (!d) {
		free(res->reply);
		rpc_server_sent(g->srv, res->token);
		return -ENOMEM;
	}
	d->g = g;
	d->conn = c;
	d->udp_fd = udp_fd;
	if (to)
		d->to = *to;
	d->reply = res->reply;
	d->len = res->len;
	d->token = res->token;
	TAILQ_INSERT_TAIL(c ? &c->delayed : &g->udp_delayed, d, link);
	d->timer = evtimer_new(g->base, c ? on_delayed_tcp : on_delayed_udp, d);
	if (!d->timer) {
		delayed_free(d);
		return -ENOMEM;
	}
	struct timeval tv = tv_of(res->delay_s);
	evtimer_add(d->timer, &tv);
	return 0;
}

static void on_stall_end(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct rconn *c = arg;
	c->stalled = false;
	bufferevent_enable(c->bev, EV_WRITE);
	if (!c->reading_paused)
		event_add(c->rd, NULL);
	conn_process(c);
}

static void on_stalled_close(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

static void conn_stall(struct rconn *c, double stall_s)
{
	c->stalled = true;
	event_del(c->rd);
	bufferevent_disable(c->bev, EV_WRITE);
	if (stall_s > 0) {
		if (!c->stall_timer)
			c->stall_timer = evtimer_new(c->g->base, on_stall_end, c);
		if (c->stall_timer) {
			struct timeval tv = tv_of(stall_s);
			evtimer_add(c->stall_timer, &tv);
		}
		return;
	}
	/* For good: no reads, but EV_CLOSED still tells us when the peer gives up. */
	if (!c->closed_ev)
		c->closed_ev = event_new(c->g->base, bufferevent_getfd(c->bev),
					 EV_CLOSED | EV_PERSIST, on_stalled_close, c);
	if (c->closed_ev)
		event_add(c->closed_ev, NULL);
}

/* Carries out one verdict. Returns false when the connection is gone. */
static bool conn_apply(struct rconn *c, struct rpc_result *res)
{
	switch (res->verdict) {
	case RPC_VERDICT_SEND:
		if (res->delay_s > 0)
			return add_delayed(c->g, c, -1, NULL, res) == 0 || (conn_free(c), false);
		if (conn_send(c, res->reply, res->len) != 0) {
			conn_free(c);
			return false;
		}
		rpc_server_sent(c->g->srv, res->token);
		return true;
	case RPC_VERDICT_CLOSE:
		free(res->reply);
		conn_free(c);
		return false;
	case RPC_VERDICT_STALL:
		free(res->reply);
		conn_stall(c, res->stall_s);
		return true;
	case RPC_VERDICT_NONE:
		free(res->reply);
		return true;
	}
	return true;
}

/* Handles every whole record received, as far as stalls and
 * backpressure allow. */
static void conn_process(struct rconn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	while (!c->stalled && c->in_off < c->in_len) {
		if (evbuffer_get_length(out) > GLUE_OUT_HIGH) {
			c->reading_paused = true;
			event_del(c->rd);
			return;
		}
		size_t used = 0;
		int r = rpc_rm_feed(&c->rm, c->in + c->in_off, c->in_len - c->in_off, &used);
		c->in_off += used;
		if (r < 0) {
			conn_free(c); /* -EMSGSIZE: a record over the cap */
			return;
		}
		if (r == 0)
			continue;
		struct rpc_result res;
		struct rpc_server *srv = c->g->srv;
		if (rpc_server_handle(srv, c->rm.buf, c->rm.len, &c->peer, now_s(), &res) != 0) {
			rpc_server_flush_events(srv);
			conn_free(c);
			return;
		}
		/* Reply first, then the call's event (deferred, see rpc_glue_new). */
		bool alive = conn_apply(c, &res);
		rpc_server_flush_events(srv);
		if (!alive)
			return;
	}
}

/*
 * Reads with one recv per wake-up (the bufferevent's reader would ask
 * FIONREAD first: a second syscall per call). Only once everything
 * received before has been handled; the read event is off meanwhile.
 */
static void on_conn_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct rconn *c = arg;
	if (c->stalled || c->in_off < c->in_len) {
		conn_process(c);
		return;
	}
	ssize_t n = recv(fd, c->in, GLUE_IN_BUF, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(c); /* EOF or error */
		return;
	}
	c->in_off = 0;
	c->in_len = (size_t)n;
	conn_process(c);
}

static void on_conn_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct rconn *c = arg;
	if (c->reading_paused && evbuffer_get_length(bufferevent_get_output(c->bev)) <= GLUE_OUT_LOW) {
		c->reading_paused = false;
		if (!c->stalled)
			event_add(c->rd, NULL);
		conn_process(c);
	}
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	(void)lis;
	(void)salen;
	struct rpc_glue *g = arg;
	struct rconn *c = calloc(1, sizeof(*c));
	if (c) {
		c->rmbuf = malloc(RPC_RM_MAX_RECORD);
		c->in = malloc(GLUE_IN_BUF);
	}
	if (!c || !c->rmbuf || !c->in) {
		if (c) {
			free(c->rmbuf);
			free(c->in);
			free(c);
		}
		close(fd);
		return;
	}
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	c->g = g;
	c->id = ++g->next_id;
	c->peer = (struct rpc_peer){ .ip = sin->sin_addr.s_addr, .port = ntohs(sin->sin_port),
				     .tcp = true, .conn = c->id };
	TAILQ_INIT(&c->delayed);
	rpc_rm_init(&c->rm, c->rmbuf, RPC_RM_MAX_RECORD);
	TAILQ_INSERT_TAIL(&g->conns, c, link);
	g->n_conns++;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(g->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		conn_free(c);
		return;
	}
	c->rd = event_new(g->base, fd, EV_READ | EV_PERSIST, on_conn_readable, c);
	if (!c->rd || event_add(c->rd, NULL) != 0) {
		conn_free(c);
		return;
	}
	emit_conn(g, "rpc.connect", &c->peer);
	bufferevent_set_max_single_write(c->bev, GLUE_IO_CHUNK);
	bufferevent_setwatermark(c->bev, EV_WRITE, GLUE_OUT_LOW, 0);
	/* The bufferevent only writes; reading is on_conn_readable's. */
	bufferevent_setcb(c->bev, NULL, on_conn_write, on_conn_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct udp_sock *u = arg;
	struct rpc_glue *g = u->g;
	for (int i = 0; i < GLUE_UDP_BATCH; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, g->rbuf, sizeof(g->rbuf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (fl < sizeof(from) || from.sin_family != AF_INET)
			continue;
		struct rpc_peer p = { .ip = from.sin_addr.s_addr, .port = ntohs(from.sin_port) };
		struct rpc_result res;
		if (rpc_server_handle(g->srv, g->rbuf, (size_t)n, &p, now_s(), &res) != 0) {
			rpc_server_flush_events(g->srv);
			continue;
		}
		if (res.verdict != RPC_VERDICT_SEND || res.len > GLUE_UDP_MAX) {
			free(res.reply);
			rpc_server_sent(g->srv, res.token);
		} else if (res.delay_s > 0) {
			add_delayed(g, NULL, fd, &from, &res);
		} else {
			(void)sendto(fd, res.reply, res.len, MSG_DONTWAIT, (struct sockaddr *)&from,
				     sizeof(from));
			free(res.reply);
			rpc_server_sent(g->srv, res.token);
		}
		rpc_server_flush_events(g->srv);
	}
}

static int bind_socket(int type, uint32_t ip, uint16_t port, uint16_t *ret_port)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = ip };
	socklen_t sl = sizeof(sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) != 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

/* A TCP listener and a UDP socket on one port (port 0: a free one for both). */
static int open_pair(struct rpc_glue *g, int idx, uint32_t ip, uint16_t port, uint16_t *ret_port,
		     char *err, size_t errcap)
{
	const char *what = idx == 0 ? "portmapper" : "NFS";
	for (int attempt = 0; attempt < 16; attempt++) {
		uint16_t got = 0, got_udp = 0;
		int tfd = bind_socket(SOCK_STREAM, ip, port, &got);
		if (tfd < 0) {
			snprintf(err, errcap, "%s: cannot listen on TCP port %u: %s%s", what, port,
				 strerror(-tfd),
				 tfd == -EADDRINUSE && port == PMAP_PORT ? " (is rpcbind running?)" : "");
			return tfd;
		}
		int ufd = bind_socket(SOCK_DGRAM, ip, got, &got_udp);
		if (ufd < 0) {
			close(tfd);
			if (port == 0 && ufd == -EADDRINUSE)
				continue; /* the free TCP port is taken on UDP: another one */
			snprintf(err, errcap, "%s: cannot bind UDP port %u: %s%s", what, got,
				 strerror(-ufd),
				 ufd == -EADDRINUSE && got == PMAP_PORT ? " (is rpcbind running?)" : "");
			return ufd;
		}
		g->lis[idx] = evconnlistener_new(g->base, on_accept, g, LEV_OPT_CLOSE_ON_FREE, 0, tfd);
		g->udp[idx].g = g;
		g->udp[idx].fd = ufd;
		g->udp[idx].ev = event_new(g->base, ufd, EV_READ | EV_PERSIST, on_udp, &g->udp[idx]);
		if (!g->lis[idx]) {
			close(tfd);
			snprintf(err, errcap, "%s: out of memory", what);
			return -ENOMEM;
		}
		if (!g->udp[idx].ev || event_add(g->udp[idx].ev, NULL) != 0) {
			snprintf(err, errcap, "%s: out of memory", what);
			return -ENOMEM;
		}
		*ret_port = got;
		return 0;
	}
	snprintf(err, errcap, "%s: no free port for both TCP and UDP", what);
	return -EADDRINUSE;
}

int rpc_glue_new(struct event_base *base, struct rpc_server *srv, struct timeline *tl,
		 const struct rpc_glue_config *cfg, struct rpc_glue **ret_glue, char *err,
		 size_t errcap)
{
	struct rpc_glue *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	g->base = base;
	g->srv = srv;
	g->tl = tl;
	g->udp[0].fd = g->udp[1].fd = -1;
	TAILQ_INIT(&g->conns);
	TAILQ_INIT(&g->udp_delayed);
	/* Each call's event after its reply is on its way (flushed per record). */
	rpc_server_set_defer_events(srv, true);
	int r = open_pair(g, 1, cfg->bind_ip, cfg->nfs_port, &g->nfs_port, err, errcap);
	if (r == 0 && !cfg->no_pmap)
		r = open_pair(g, 0, cfg->bind_ip, cfg->pmap_port, &g->pmap_port, err, errcap);
	if (r < 0) {
		rpc_glue_free(g);
		return r;
	}
	struct pmap_mapping map[6];
	size_t n = 0;
	if (!cfg->no_pmap) {
		map[n++] = (struct pmap_mapping){ RPC_PROG_PMAP, PMAP_VERS, IPPROTO_TCP_NUM, g->pmap_port };
		map[n++] = (struct pmap_mapping){ RPC_PROG_PMAP, PMAP_VERS, IPPROTO_UDP_NUM, g->pmap_port };
	}
	map[n++] = (struct pmap_mapping){ RPC_PROG_MOUNT, MOUNT3_VERS, IPPROTO_TCP_NUM, g->nfs_port };
	map[n++] = (struct pmap_mapping){ RPC_PROG_MOUNT, MOUNT3_VERS, IPPROTO_UDP_NUM, g->nfs_port };
	map[n++] = (struct pmap_mapping){ RPC_PROG_NFS, NFS3_VERS, IPPROTO_TCP_NUM, g->nfs_port };
	map[n++] = (struct pmap_mapping){ RPC_PROG_NFS, NFS3_VERS, IPPROTO_UDP_NUM, g->nfs_port };
	r = rpc_server_set_map(srv, map, n);
	if (r < 0) {
		snprintf(err, errcap, "cannot set the port map: %s", strerror(-r));
		rpc_glue_free(g);
		return r;
	}
	*ret_glue = g;
	return 0;
}

void rpc_glue_free(struct rpc_glue *glue)
{
	if (!glue)
		return;
	rpc_server_set_defer_events(glue->srv, false);
	while (!TAILQ_EMPTY(&glue->conns))
		conn_free(TAILQ_FIRST(&glue->conns));
	while (!TAILQ_EMPTY(&glue->udp_delayed))
		delayed_free(TAILQ_FIRST(&glue->udp_delayed));
	for (int i = 0; i < 2; i++) {
		if (glue->lis[i])
			evconnlistener_free(glue->lis[i]);
		if (glue->udp[i].ev)
			event_free(glue->udp[i].ev);
		if (glue->udp[i].fd >= 0)
			close(glue->udp[i].fd);
	}
	free(glue);
}

uint16_t rpc_glue_pmap_port(const struct rpc_glue *glue)
{
	return glue->pmap_port;
}

uint16_t rpc_glue_nfs_port(const struct rpc_glue *glue)
{
	return glue->nfs_port;
}

size_t rpc_glue_n_connections(const struct rpc_glue *glue)
{
	return glue->n_conns;
}
