/*
 * lab_servers.h - the lab's servers for one case (or for `pitest serve`):
 * DHCP and TFTP on one event loop, sharing the case's fault engine, with
 * TFTP events attributed to boards through the DHCP server's leases.
 *
 * Also owns the TFTP root of a virtual lab that names none: a boot tree
 * generated for the lab into a private temporary directory, removed again
 * by lab_root_release(); likewise its NFS roots (`pitest mkroot --lab`).
 *
 * NFS (portmapper, MOUNT and NFSv3) is served when the lab has exports or
 * is virtual; its events are attributed to boards through the DHCP leases.
 */
#ifndef PITEST_LAB_SERVERS_H
#define PITEST_LAB_SERVERS_H

#include <limits.h>
#include <stdbool.h>

struct event_base;
struct timeline;
struct fault_engine;
struct lab;
struct suite_case;
struct dhcp_server;

struct lab_root {
	char path[PATH_MAX];  /* "" = no TFTP root: TFTP is not served */
	bool generated;       /* a temporary tree of ours, to remove */
	/* NFS roots generated for a virtual lab without nfs.exports ("" = none):
	 * nfs_path/rootfs served as /srv/pitest/rootfs, nfs_path/<board> as
	 * /srv/pitest/<board> to that board only. */
	char nfs_path[PATH_MAX];
	bool nfs_generated;
	char nfs_state[PATH_MAX]; /* handle keys: the lab's nfs.state, else per run */
};

/*
 * Decides the lab's TFTP root: the lab's tftp.root, or for a virtual lab a
 * tree generated now. Prints one message and returns -errno on failure.
 */
int lab_root_prepare(const struct lab *lab, struct lab_root *ret_root);
/* Removes a generated tree. Safe on a zeroed struct. */
void lab_root_release(struct lab_root *root);

struct lab_servers;

/*
 * Starts DHCP (port 67 on the lab's interface), TFTP when root->path is set
 * (the interface's address, the lab's TFTP port) and NFS when the lab has
 * exports or root->nfs_path is set (ports 111 and 2049 by default). `kase` may be NULL
 * (serve). lease_file may be NULL. Prints one message and returns -errno on
 * failure.
 */
int lab_servers_start(struct event_base *base, struct timeline *tl, const struct lab *lab,
		      const struct lab_root *root, const struct suite_case *kase,
		      double time_scale, struct fault_engine *faults, const char *lease_file,
		      struct lab_servers **ret_servers);
/*
 * Stops one server ("nfs" or "tftp"), dropping its connections and
 * transfers, and starts it again with the same configuration and state
 * (NFS handle keys persist, so handles stay valid). Emits server.stop and
 * server.start. Must not be called from inside that server's callbacks.
 * Returns 0, -ENOENT when that server is not served, or -errno.
 */
int lab_servers_restart(struct lab_servers *s, const char *server);
/* Stops and frees everything. Accepts NULL. */
void lab_servers_stop(struct lab_servers *s);

/* The DHCP server (to load leases before serving, or for tests). */
struct dhcp_server *lab_servers_dhcp(struct lab_servers *s);
/* Whether NFS is served. */
bool lab_servers_nfs(const struct lab_servers *s);
/* The server address as text, for messages. */
const char *lab_servers_address(const struct lab_servers *s);

#endif
