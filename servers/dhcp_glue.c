/*
 * dhcp_glue.c - serves a struct dhcp_server on a libevent loop: one UDP
 * socket bound to 0.0.0.0:67 and to one interface, a read event draining up
 * to GLUE_BATCH datagrams per wake-up with recvmmsg(), delayed replies each
 * owning their timer, and a lease-file save shortly after changes.
 *
 * The protocol decisions all live in dhcp_server.c; this file only moves
 * bytes, so anything a datagram can do to us is reachable by the fuzzer.
 */
#include "servers/dhcp_glue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "servers/dhcp_server.h"

#define GLUE_BATCH 64
#define GLUE_DGRAM 1600                /* larger than any Ethernet DHCP datagram */
#define GLUE_MAX_DELAYED 1024          /* replies held back at once (fault delays) */
#define GLUE_SAVE_DELAY_MS 1000

struct delayed_reply {
	TAILQ_ENTRY(delayed_reply) link;
	struct dhcp_glue *glue;
	struct event *timer;
	struct dhcp_reply reply;
};

TAILQ_HEAD(delayed_list, delayed_reply);

struct dhcp_glue {
	struct event_base *base;
	struct dhcp_server *srv;
	int fd;
	unsigned ifindex;
	struct event *ev_read;
	struct event *ev_save;
	char *lease_path;
	struct delayed_list delayed;
	size_t n_delayed;
	/* recvmmsg buffers, reused for every batch */
	struct mmsghdr msgs[GLUE_BATCH];
	struct iovec iov[GLUE_BATCH];
	struct sockaddr_in peers[GLUE_BATCH];
	uint8_t ctrl[GLUE_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	uint8_t bufs[GLUE_BATCH][GLUE_DGRAM];
	struct dhcp_reply reply;
};

int dhcp_glue_iface_addr(const char *ifname, uint32_t *ret_ip, uint32_t *ret_mask)
{
	struct ifaddrs *ifa, *i;
	if (!ifname)
		return -EINVAL;
	if (getifaddrs(&ifa) != 0)
		return -errno;
	int r = -EADDRNOTAVAIL;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, ifname) != 0)
			continue;
		const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
		const struct sockaddr_in *m = (const struct sockaddr_in *)i->ifa_netmask;
		*ret_ip = a->sin_addr.s_addr;
		*ret_mask = m ? m->sin_addr.s_addr : htonl(0xffffff00u);
		r = 0;
		break;
	}
	freeifaddrs(ifa);
	return r;
}

static void send_now(struct dhcp_glue *g, const struct dhcp_reply *reply)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(reply->dst_port),
		.sin_addr.s_addr = reply->dst_ip,
	};
	/* A failed send is like a lost packet: the client retries. */
	if (sendto(g->fd, reply->buf, reply->len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return;
	dhcp_server_reply_sent(g->srv, reply);
}

static void on_save(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct dhcp_glue *g = arg;
	/* On failure the leases stay dirty and the next change retries. */
	(void)dhcp_server_save_leases(g->srv, g->lease_path, time(NULL));
}

static void schedule_save(struct dhcp_glue *g)
{
	if (!g->lease_path || !g->ev_save || !dhcp_server_leases_dirty(g->srv) ||
	    evtimer_pending(g->ev_save, NULL))
		return;
	struct timeval tv = { GLUE_SAVE_DELAY_MS / 1000, (GLUE_SAVE_DELAY_MS % 1000) * 1000 };
	evtimer_add(g->ev_save, &tv);
}

/* The single free path of a held-back reply. */
static void delayed_free(struct delayed_reply *d)
{
	if (!d)
		return;
	TAILQ_REMOVE(&d->glue->delayed, d, link);
	d->glue->n_delayed--;
	if (d->timer)
		event_free(d->timer);
	free(d);
}

static void on_delayed(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delayed_reply *d = arg;
	send_now(d->glue, &d->reply);
	delayed_free(d);
}

static void hold_reply(struct dhcp_glue *g, const struct dhcp_reply *reply)
{
	if (g->n_delayed >= GLUE_MAX_DELAYED)
		return; /* bounded: beyond this a delay becomes a drop */
	struct delayed_reply *d = calloc(1, sizeof(*d));
	if (!d)
		return;
	d->glue = g;
	d->reply = *reply;
	TAILQ_INSERT_TAIL(&g->delayed, d, link);
	g->n_delayed++;
	d->timer = evtimer_new(g->base, on_delayed, d);
	double s = reply->delay_s > 3600 ? 3600 : reply->delay_s;
	struct timeval tv = { (time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6) };
	if (!d->timer || evtimer_add(d->timer, &tv) != 0)
		delayed_free(d);
}

static bool from_our_interface(const struct dhcp_glue *g, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return g->ifindex == 0 || (unsigned)pi.ipi_ifindex == g->ifindex;
		}
	}
	return true;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct dhcp_glue *g = arg;
	for (int i = 0; i < GLUE_BATCH; i++) {
		g->iov[i] = (struct iovec){ g->bufs[i], GLUE_DGRAM };
		g->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &g->peers[i],
			.msg_namelen = sizeof(g->peers[i]),
			.msg_iov = &g->iov[i],
			.msg_iovlen = 1,
			.msg_control = g->ctrl[i],
			.msg_controllen = sizeof(g->ctrl[i]),
		};
		g->msgs[i].msg_len = 0;
	}
	int n = recvmmsg(fd, g->msgs, GLUE_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	time_t now = time(NULL);
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &g->msgs[i].msg_hdr;
		if (mh->msg_flags & MSG_TRUNC || !from_our_interface(g, mh))
			continue;
		int r = dhcp_server_handle(g->srv, g->bufs[i], g->msgs[i].msg_len,
					   g->peers[i].sin_addr.s_addr, now, &g->reply);
		if (r != 1)
			continue;
		if (g->reply.delay_s > 0)
			hold_reply(g, &g->reply);
		else
			send_now(g, &g->reply);
	}
	schedule_save(g);
}

static int open_socket(const char *ifname, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	size_t iflen = strlen(ifname);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)iflen) != 0)
		goto fail;
	/* Bursts (perfdhcp, a lab powering up) should queue, not drop. */
	int rcvbuf = 4 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	return fd;
fail:;
	int r = -errno;
	close(fd);
	return r;
}

int dhcp_glue_new(struct event_base *base, struct dhcp_server *srv, const char *ifname,
		  uint16_t port, const char *lease_path, struct dhcp_glue **ret_glue)
{
	if (!base || !srv || !ifname || !ret_glue || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	struct dhcp_glue *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->base = base;
	g->srv = srv;
	g->fd = -1;
	TAILQ_INIT(&g->delayed);
	g->ifindex = if_nametoindex(ifname);
	int r = -ENOMEM;
	if (lease_path) {
		g->lease_path = strdup(lease_path);
		g->ev_save = evtimer_new(base, on_save, g);
		if (!g->lease_path || !g->ev_save)
			goto fail;
	}
	r = open_socket(ifname, port);
	if (r < 0)
		goto fail;
	g->fd = r;
	g->ev_read = event_new(base, g->fd, EV_READ | EV_PERSIST, on_read, g);
	if (!g->ev_read || event_add(g->ev_read, NULL) != 0) {
		r = -ENOMEM;
		goto fail;
	}
	*ret_glue = g;
	return 0;
fail:
	dhcp_glue_free(g);
	return r;
}

void dhcp_glue_free(struct dhcp_glue *g)
{
	if (!g)
		return;
	while (!TAILQ_EMPTY(&g->delayed))
		delayed_free(TAILQ_FIRST(&g->delayed));
	if (g->ev_read)
		event_free(g->ev_read);
	if (g->ev_save)
		event_free(g->ev_save);
	if (g->lease_path && dhcp_server_leases_dirty(g->srv))
		(void)dhcp_server_save_leases(g->srv, g->lease_path, time(NULL));
	if (g->fd >= 0)
		close(g->fd);
	free(g->lease_path);
	free(g);
}
