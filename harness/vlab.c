/*
 * vlab.c - the virtual lab's network: namespaces, a bridge, a veth per board.
 *
 * Layout, all private to this process tree:
 *
 *   lab netns (this process lives in it from vlab_new() on)
 *     lo, BRIDGE (the servers' address), vb0, vb1, ... (bridge ports)
 *   board netns, one per board, held only by an fd
 *     lo, eth0 (the board's MAC; veth peer of vbN)
 *
 * Links are made with libnl-route-3. Two things libnl 3.7 has no setter
 * for are sent as libnl-built messages (bridge STP state and forward delay);
 * tx checksum offload goes through the ethtool ioctl and rp_filter through
 * /proc/sys, which is per network namespace for whoever opens it.
 *
 * The process must be single-threaded: setns() and unshare() move only the
 * calling thread, and unshare(CLONE_NEWUSER) refuses threaded callers.
 */
#include "harness/vlab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/close_range.h>
#include <linux/ethtool.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/sockios.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

#define VLAB_MAX_BOARDS 1024
#define VLAB_BOARD_NAME_MAX 64
#define VLAB_BOARD_IFNAME "eth0"
/* Bound on waiting for a new bridge port to forward (carrier goes through linkwatch). */
#define VLAB_FORWARD_WAIT_MS 3000

struct vlab_board {
	char name[VLAB_BOARD_NAME_MAX];
	uint8_t mac[6];
	int ns_fd;
	char host_ifname[IFNAMSIZ];
	int host_ifindex;
};

struct vlab {
	int lab_ns_fd;
	struct nl_sock *sk;          /* route socket in the lab namespace */
	char bridge[IFNAMSIZ];
	int bridge_ifindex;
	struct vlab_board *boards;
	size_t n_boards, cap_boards;
};

static void set_err(char *err, size_t errcap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	if (!err || errcap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

/* libnl returns its own codes; callers of this module get -errno. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0: return 0;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOACCESS: return -EACCES;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: return -ENODEV;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	default: return -EIO;
	}
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int rc = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return rc;
}

static int read_long(const char *path, long *ret)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*ret = strtol(buf, NULL, 10);
	return 0;
}

/* /proc/sys/net is per network namespace: this writes the caller's. */
static int sysctl_net(const char *rel, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "/proc/sys/net/%s", rel);
	return write_file(path, value);
}

/* proto/conf/IFNAME/key, e.g. ipv4/conf/eth0/rp_filter. */
static int sysctl_dev(const char *proto, const char *ifname, const char *key, const char *value)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "%s/conf/%s/%s", proto, ifname, key);
	return sysctl_net(rel, value);
}

/*
 * Raw-socket clients (the virtual board's DHCP, the servers' replies to
 * addressless boards) must not be dropped by reverse-path filtering.
 */
static int rp_filter_off(const char *ifname)
{
	int rc = sysctl_net("ipv4/conf/all/rp_filter", "0");
	if (rc == 0)
		rc = sysctl_net("ipv4/conf/default/rp_filter", "0");
	if (rc == 0 && ifname)
		rc = sysctl_dev("ipv4", ifname, "rp_filter", "0");
	return rc;
}

/*
 * Checksum offload on veths leaves packets with partial checksums that raw
 * sockets (and captures) see as wrong; compute them in software instead.
 */
static int tx_csum_off(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr;
	int rc = 0;

	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int nl_open(struct nl_sock **ret_sk)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	int rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(sk);
		return nlerr_to_errno(rc);
	}
	*ret_sk = sk;
	return 0;
}

static int link_up(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *link = NULL, *change = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (rc < 0)
		return nlerr_to_errno(rc);
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return -ENOMEM;
	}
	rtnl_link_set_flags(change, IFF_UP);
	rc = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return nlerr_to_errno(rc);
}

static int link_ifindex(struct nl_sock *sk, const char *ifname, int *ret_ifindex)
{
	struct rtnl_link *link = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (rc < 0)
		return nlerr_to_errno(rc);
	*ret_ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

static int link_delete(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	int rc = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	return nlerr_to_errno(rc);
}

static struct nl_addr *mac_addr(const uint8_t mac[6])
{
	return nl_addr_build(AF_LLC, mac, 6);
}

/*
 * STP off so a new port forwards at once instead of after listening and
 * learning; forward delay 0 in case something turns STP on. libnl 3.7
 * has no setters for these IFLA_BR_* attributes, so the changelink
 * request is put together with libnl's message API.
 */
static int bridge_no_stp(struct nl_sock *sk, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlattr *info, *data;
	int rc = -ENOMEM;

	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto out;
	if (!(info = nla_nest_start(msg, IFLA_LINKINFO)))
		goto out;
	if (nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0)
		goto out;
	if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)))
		goto out;
	if (nla_put_u32(msg, IFLA_BR_STP_STATE, 0) < 0 ||
	    nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, 0) < 0)
		goto out;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	rc = nl_send_auto(sk, msg);
	if (rc >= 0)
		rc = nl_wait_for_ack(sk);
	rc = nlerr_to_errno(rc < 0 ? rc : 0);
out:
	nlmsg_free(msg);
	return rc;
}

static int bridge_create(struct vlab *v, uint32_t addr, uint8_t prefix_len, char *err,
			 size_t errcap)
{
	/*
	 * A fixed, locally administered MAC: a bridge otherwise takes the
	 * lowest port MAC, so adding a board could change the server's MAC
	 * under the boards' ARP caches.
	 */
	static const uint8_t bridge_mac[6] = { 0x02, 0x70, 0x69, 0x74, 0x00, 0x01 };
	struct rtnl_link *link = rtnl_link_bridge_alloc();
	struct nl_addr *lladdr = mac_addr(bridge_mac);
	struct rtnl_addr *ra = NULL;
	struct nl_addr *local = NULL, *bcast = NULL;
	int rc;

	if (!link || !lladdr) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, v->bridge);
	rtnl_link_set_addr(link, lladdr);
	rc = rtnl_link_add(v->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0) {
		set_err(err, errcap, "cannot create bridge %s: %s", v->bridge, nl_geterror(rc));
		rc = nlerr_to_errno(rc);
		goto out;
	}
	rc = link_ifindex(v->sk, v->bridge, &v->bridge_ifindex);
	if (rc == 0)
		rc = bridge_no_stp(v->sk, v->bridge_ifindex);
	if (rc < 0) {
		set_err(err, errcap, "cannot turn STP off on bridge %s: %s", v->bridge,
			strerror(-rc));
		goto out;
	}

	uint32_t mask = prefix_len ? htonl(~0u << (32 - prefix_len)) : 0;
	uint32_t bc = addr | ~mask;
	ra = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &addr, 4);
	bcast = nl_addr_build(AF_INET, &bc, 4);
	if (!ra || !local || !bcast) {
		rc = -ENOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, prefix_len);
	rtnl_addr_set_ifindex(ra, v->bridge_ifindex);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_broadcast(ra, bcast);
	rc = rtnl_addr_add(v->sk, ra, 0);
	if (rc < 0) {
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr, text, sizeof(text));
		set_err(err, errcap, "cannot give bridge %s the address %s/%u: %s", v->bridge,
			text, prefix_len, nl_geterror(rc));
		rc = nlerr_to_errno(rc);
		goto out;
	}
	rc = tx_csum_off(v->bridge);
	if (rc == 0)
		rc = rp_filter_off(v->bridge);
	if (rc == 0)
		rc = link_up(v->sk, v->bridge);
	if (rc < 0)
		set_err(err, errcap, "cannot configure bridge %s: %s", v->bridge, strerror(-rc));
out:
	nl_addr_put(bcast);
	nl_addr_put(local);
	if (ra)
		rtnl_addr_put(ra);
	nl_addr_put(lladdr);
	if (link)
		rtnl_link_put(link);
	return rc;
}

/* Names the knob that stopped an unprivileged user namespace, for the message. */
static void explain_userns_failure(int errnum, char *err, size_t errcap)
{
	long v = -1; /* read_long leaves it alone on failure */

	if (read_long("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0) {
		set_err(err, errcap,
			"cannot create a user namespace (%s): unprivileged user namespaces are "
			"disabled; run as root or set the sysctl kernel.unprivileged_userns_clone=1",
			strerror(errnum));
	} else if (read_long("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0) {
		set_err(err, errcap,
			"cannot create a user namespace (%s): user namespaces are disabled; run as "
			"root or set the sysctl user.max_user_namespaces to a positive number",
			strerror(errnum));
	} else if (read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 &&
		   v == 1) {
		set_err(err, errcap,
			"cannot create a user namespace (%s): AppArmor restricts unprivileged user "
			"namespaces; run as root or set the sysctl "
			"kernel.apparmor_restrict_unprivileged_userns=0",
			strerror(errnum));
	} else if (errnum == ENOSPC) {
		set_err(err, errcap,
			"cannot create a user namespace: the limit user.max_user_namespaces is "
			"reached; run as root or raise it");
	} else {
		set_err(err, errcap,
			"cannot create a user namespace (%s): run as root, or allow unprivileged "
			"user namespaces (sysctl kernel.unprivileged_userns_clone=1 where it exists, "
			"user.max_user_namespaces > 0)",
			strerror(errnum));
	}
}

/*
 * Enters a new user namespace (mapping the caller to root in it) together
 * with a new network namespace owned by it, so an ordinary user gets
 * CAP_NET_ADMIN over the lab network and nothing else.
 */
static int enter_userns(char *err, size_t errcap)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int rc;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		rc = -errno;
		explain_userns_failure(-rc, err, errcap);
		return rc;
	}
	/* Unprivileged writers must give up setgroups() before mapping gids. */
	rc = write_file("/proc/self/setgroups", "deny");
	if (rc < 0 && rc != -ENOENT) {
		set_err(err, errcap, "cannot write /proc/self/setgroups: %s", strerror(-rc));
		return rc;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	rc = write_file("/proc/self/uid_map", map);
	if (rc == 0) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		rc = write_file("/proc/self/gid_map", map);
	}
	if (rc < 0)
		set_err(err, errcap, "cannot map user %u into the user namespace: %s",
			(unsigned)uid, strerror(-rc));
	return rc;
}

static int enter_lab_namespace(char *err, size_t errcap)
{
	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNET) == 0)
			return 0;
		/* Root without CAP_SYS_ADMIN (a container): a user namespace may still do. */
		if (errno != EPERM) {
			int rc = -errno;
			set_err(err, errcap, "cannot create a network namespace: %s",
				strerror(-rc));
			return rc;
		}
	}
	return enter_userns(err, errcap);
}

int vlab_new(const char *bridge, uint32_t addr, uint8_t prefix_len, struct vlab **ret_vlab,
	     char *err, size_t errcap)
{
	struct vlab *v;
	int rc;

	if (!bridge || !bridge[0] || strlen(bridge) >= IFNAMSIZ || prefix_len > 32 ||
	    !ret_vlab) {
		set_err(err, errcap, "bridge name must be 1 to %d characters and prefix <= 32",
			IFNAMSIZ - 1);
		return -EINVAL;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->lab_ns_fd = -1;
	snprintf(v->bridge, sizeof(v->bridge), "%s", bridge);

	rc = enter_lab_namespace(err, errcap);
	if (rc < 0)
		goto fail;
	v->lab_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (v->lab_ns_fd < 0) {
		rc = -errno;
		set_err(err, errcap, "cannot open /proc/self/ns/net: %s", strerror(-rc));
		goto fail;
	}
	rc = nl_open(&v->sk);
	if (rc < 0) {
		set_err(err, errcap, "cannot open a netlink socket: %s", strerror(-rc));
		goto fail;
	}
	rc = link_up(v->sk, "lo");
	if (rc < 0) {
		set_err(err, errcap, "cannot bring lo up in the lab namespace: %s", strerror(-rc));
		goto fail;
	}
	/* Bridge ports need no IPv6 addresses of their own (and then send nothing). */
	(void)sysctl_net("ipv6/conf/default/disable_ipv6", "1");
	rc = rp_filter_off(NULL);
	if (rc < 0) {
		set_err(err, errcap, "cannot turn rp_filter off in the lab namespace: %s",
			strerror(-rc));
		goto fail;
	}
	rc = bridge_create(v, addr, prefix_len, err, errcap);
	if (rc < 0)
		goto fail;
	/* The bridge keeps IPv6 (a Pi 4 can boot over it); ports do not. */
	(void)sysctl_dev("ipv6", v->bridge, "disable_ipv6", "0");
	*ret_vlab = v;
	return 0;
fail:
	vlab_free(v);
	return rc;
}

void vlab_free(struct vlab *vlab)
{
	if (!vlab)
		return;
	for (size_t i = 0; i < vlab->n_boards; i++) {
		struct vlab_board *b = &vlab->boards[i];
		if (vlab->sk && b->host_ifname[0])
			(void)link_delete(vlab->sk, b->host_ifname);
		if (b->ns_fd >= 0)
			close(b->ns_fd);
	}
	if (vlab->sk && vlab->bridge_ifindex > 0)
		(void)link_delete(vlab->sk, vlab->bridge);
	nl_socket_free(vlab->sk);
	if (vlab->lab_ns_fd >= 0)
		close(vlab->lab_ns_fd);
	free(vlab->boards);
	free(vlab);
}

static struct vlab_board *find_board(const struct vlab *v, const char *name)
{
	if (!v || !name)
		return NULL;
	for (size_t i = 0; i < v->n_boards; i++)
		if (strcmp(v->boards[i].name, name) == 0)
			return &v->boards[i];
	return NULL;
}

/*
 * Setting ns back must not fail: the rest of the program would run in the
 * wrong namespace. It cannot fail once it succeeded at open time (same
 * fd, same credentials), so treat failure as a broken invariant.
 */
static void back_to_lab(const struct vlab *v)
{
	if (setns(v->lab_ns_fd, CLONE_NEWNET) < 0)
		abort();
}

int vlab_in_board_ns(struct vlab *vlab, const char *name, int (*fn)(void *arg), void *arg)
{
	struct vlab_board *b = find_board(vlab, name);
	if (!b || !fn)
		return -ENOENT;
	if (setns(b->ns_fd, CLONE_NEWNET) < 0)
		return -errno;
	int rc = fn(arg);
	back_to_lab(vlab);
	return rc;
}

/* A fresh netns with lo up and sysctls set, held by an fd only (never named). */
static int board_ns_create(struct vlab *v, int *ret_fd)
{
	struct nl_sock *sk = NULL;
	int fd, rc;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		back_to_lab(v);
		return rc;
	}
	rc = nl_open(&sk);
	if (rc == 0)
		rc = link_up(sk, "lo");
	/*
	 * The virtual Pi speaks IPv4 only, like the boot code; a kernel's
	 * IPv6 autoconfiguration on eth0 would put traffic on the wire that
	 * no real board sends. Set before eth0 exists so it inherits it.
	 */
	(void)sysctl_net("ipv6/conf/default/disable_ipv6", "1");
	if (rc == 0)
		rc = rp_filter_off(NULL);
	nl_socket_free(sk);
	back_to_lab(v);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*ret_fd = fd;
	return 0;
}

struct board_if_setup {
	int rc;
	const char *step;
};

static int board_if_configure(void *arg)
{
	struct board_if_setup *s = arg;
	struct nl_sock *sk = NULL;

	s->step = "netlink socket";
	s->rc = nl_open(&sk);
	if (s->rc == 0) {
		s->step = "eth0 up";
		s->rc = link_up(sk, VLAB_BOARD_IFNAME);
	}
	if (s->rc == 0) {
		s->step = "eth0 tx checksum offload off";
		s->rc = tx_csum_off(VLAB_BOARD_IFNAME);
	}
	if (s->rc == 0) {
		s->step = "eth0 rp_filter off";
		s->rc = rp_filter_off(VLAB_BOARD_IFNAME);
	}
	nl_socket_free(sk);
	return s->rc;
}

/* Port state comes only with AF_BRIDGE dumps (IFLA_PROTINFO). */
static int port_state(struct nl_sock *sk, int ifindex, int *ret_state)
{
	struct nl_cache *cache = NULL;
	int rc = rtnl_link_alloc_cache(sk, AF_BRIDGE, &cache);
	if (rc < 0)
		return nlerr_to_errno(rc);
	struct rtnl_link *link = rtnl_link_get(cache, ifindex);
	if (!link) {
		nl_cache_free(cache);
		return -ENOENT;
	}
	*ret_state = rtnl_link_bridge_get_port_state(link);
	rtnl_link_put(link);
	nl_cache_free(cache);
	return 0;
}

static int wait_forwarding(struct vlab *v, struct vlab_board *b)
{
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	int state = -1;

	for (int waited = 0; waited <= VLAB_FORWARD_WAIT_MS; waited += 5) {
		int rc = port_state(v->sk, b->host_ifindex, &state);
		if (rc < 0)
			return rc;
		if (state == BR_STATE_FORWARDING)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

static int veth_create(struct vlab *v, struct vlab_board *b)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	struct rtnl_link *peer = NULL;
	struct nl_addr *lladdr = mac_addr(b->mac);
	int rc = -ENOMEM;

	if (!link || !lladdr)
		goto out;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, b->host_ifname);
	rtnl_link_set_master(link, v->bridge_ifindex);
	/* The peer is born in the board's namespace, already named eth0. */
	rtnl_link_set_name(peer, VLAB_BOARD_IFNAME);
	rtnl_link_set_addr(peer, lladdr);
	rtnl_link_set_ns_fd(peer, b->ns_fd);
	rc = nlerr_to_errno(rtnl_link_add(v->sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	nl_addr_put(lladdr);
	if (peer)
		rtnl_link_put(peer);
	if (link)
		rtnl_link_put(link);
	return rc;
}

int vlab_add_board(struct vlab *vlab, const char *name, const uint8_t mac[6], char *err,
		   size_t errcap)
{
	struct vlab_board *b;
	struct board_if_setup setup = { 0, "" };
	int rc;

	if (!vlab || !name || !name[0] || strlen(name) >= VLAB_BOARD_NAME_MAX || !mac) {
		set_err(err, errcap, "board name must be 1 to %d characters",
			VLAB_BOARD_NAME_MAX - 1);
		return -EINVAL;
	}
	if (find_board(vlab, name)) {
		set_err(err, errcap, "board %s is already in the virtual lab", name);
		return -EEXIST;
	}
	if (vlab->n_boards >= VLAB_MAX_BOARDS) {
		set_err(err, errcap, "the virtual lab holds at most %d boards", VLAB_MAX_BOARDS);
		return -ENOSPC;
	}
	if (vlab->n_boards == vlab->cap_boards) {
		size_t cap = vlab->cap_boards ? vlab->cap_boards * 2 : 8;
		struct vlab_board *nb = realloc(vlab->boards, cap * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		vlab->boards = nb;
		vlab->cap_boards = cap;
	}
	/* Fill the slot but count it only once it is complete. */
	b = &vlab->boards[vlab->n_boards];
	memset(b, 0, sizeof(*b));
	b->ns_fd = -1;
	snprintf(b->name, sizeof(b->name), "%s", name);
	memcpy(b->mac, mac, 6);
	snprintf(b->host_ifname, sizeof(b->host_ifname), "vb%zu", vlab->n_boards);

	rc = board_ns_create(vlab, &b->ns_fd);
	if (rc < 0) {
		set_err(err, errcap, "board %s: cannot create its network namespace: %s", name,
			strerror(-rc));
		return rc;
	}
	rc = veth_create(vlab, b);
	if (rc < 0) {
		set_err(err, errcap, "board %s: cannot create veth %s/eth0: %s", name,
			b->host_ifname, strerror(-rc));
		close(b->ns_fd);
		return rc;
	}
	rc = link_ifindex(vlab->sk, b->host_ifname, &b->host_ifindex);
	if (rc == 0)
		rc = tx_csum_off(b->host_ifname);
	if (rc == 0)
		rc = rp_filter_off(b->host_ifname);
	if (rc == 0)
		rc = link_up(vlab->sk, b->host_ifname);
	if (rc < 0) {
		set_err(err, errcap, "board %s: cannot configure %s: %s", name, b->host_ifname,
			strerror(-rc));
		goto fail;
	}
	vlab->n_boards++;
	rc = vlab_in_board_ns(vlab, name, board_if_configure, &setup);
	if (rc < 0) {
		set_err(err, errcap, "board %s: %s in its namespace failed: %s", name, setup.step,
			strerror(-rc));
		vlab->n_boards--;
		goto fail;
	}
	rc = wait_forwarding(vlab, b);
	if (rc < 0) {
		set_err(err, errcap, "board %s: bridge port %s does not forward: %s", name,
			b->host_ifname, strerror(-rc));
		vlab->n_boards--;
		goto fail;
	}
	return 0;
fail:
	(void)link_delete(vlab->sk, b->host_ifname);
	close(b->ns_fd);
	return rc;
}

const char *vlab_board_ifname(const struct vlab *vlab, const char *name)
{
	return find_board(vlab, name) ? VLAB_BOARD_IFNAME : NULL;
}

/* Child side of vlab_board_spawn(): only async-signal-safe calls from here. */
static void spawn_child(int ns_fd, pid_t parent, int out_w, int err_w, int status_w,
			char *const argv[])
{
	sigset_t none;
	int e;

	/* Die with the runner, as a board loses power with its relay. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	if (getppid() != parent)
		_exit(127); /* the runner is already gone */
	if (setns(ns_fd, CLONE_NEWNET) < 0)
		goto fail;
	/* Own process group: Ctrl-C reaches the runner, which decides; power off kills the group. */
	(void)setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		goto fail;
	/* The runner's sockets and files are not the board's, whoever forgot O_CLOEXEC. */
	(void)close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	execv(argv[0], argv);
fail:
	e = errno;
	(void)!write(status_w, &e, sizeof(e));
	_exit(127);
}

int vlab_board_spawn(struct vlab *vlab, const char *name, char *const argv[],
		     pid_t *ret_pid, int *ret_stdout_fd, int *ret_stderr_fd)
{
	struct vlab_board *b = find_board(vlab, name);
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, status[2] = { -1, -1 };
	pid_t parent = getpid(), pid;
	int rc, e;
	ssize_t n;

	if (!b)
		return -ENOENT;
	if (!argv || !argv[0] || argv[0][0] != '/')
		return -EINVAL;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(status, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (pid == 0)
		spawn_child(b->ns_fd, parent, out[1], errp[1], status[1], argv);
	(void)setpgid(pid, pid); /* also here, so a power off right away hits the group */
	close(out[1]);
	close(errp[1]);
	close(status[1]);
	out[1] = errp[1] = status[1] = -1;

	/* The status pipe closes on exec; data on it means exec failed. */
	do
		n = read(status[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(status[0]);
	status[0] = -1;
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		rc = -e;
		goto fail;
	}
	if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
		/* Cannot happen on a fresh pipe; do not leave a half-made board running. */
		rc = -errno;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	*ret_pid = pid;
	*ret_stdout_fd = out[0];
	*ret_stderr_fd = errp[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (status[i] >= 0)
			close(status[i]);
	}
	return rc;
}
