/*
 * vlab.h - the virtual lab's network: namespaces, a bridge, a veth per board.
 *
 * vlab_new() moves the calling process into a fresh network namespace (and
 * a user namespace first when not root), creates the bridge there with the
 * lab's server address, and brings it up. Each board gets its own network
 * namespace (held open by a file descriptor, never named in /run/netns) with
 * "eth0" carrying the board's MAC, its peer enslaved to the bridge. All
 * links are made with libnl-route-3. Because every namespace is private to
 * this process tree, nothing is left behind when the process exits, however
 * it exits; board processes get PR_SET_PDEATHSIG so they die with it.
 *
 * Call vlab_new() before opening any socket that must live in the lab
 * namespace (servers), and before starting threads (there are none).
 */
#ifndef PITEST_VLAB_H
#define PITEST_VLAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vlab;

/*
 * bridge: interface name; addr: network order; prefix_len: e.g. 24.
 * Returns 0 or -errno; err gets a message saying what to do (e.g. "user
 * namespaces are disabled: run as root or set kernel.unprivileged_userns_clone=1").
 */
int vlab_new(const char *bridge, uint32_t addr, uint8_t prefix_len, struct vlab **ret_vlab,
	     char *err, size_t errcap);
/* Kills nothing; closes namespace fds and deletes the links it made. Accepts NULL. */
void vlab_free(struct vlab *vlab);

/* Adds a board: its namespace, veth pair, MAC, links up, checksum offload off. */
int vlab_add_board(struct vlab *vlab, const char *name, const uint8_t mac[6], char *err,
		   size_t errcap);

/*
 * Starts argv[0] (a path) inside the board's namespace, with stdin from
 * /dev/null, stdout on a pipe returned in ret_stdout_fd and stderr on a
 * pipe in ret_stderr_fd (both non-blocking, close-on-exec). The child
 * dies with this process. Returns 0 or -errno.
 */
int vlab_board_spawn(struct vlab *vlab, const char *name, char *const argv[],
		     pid_t *ret_pid, int *ret_stdout_fd, int *ret_stderr_fd);

/* Name of the board's interface inside its namespace ("eth0"). */
const char *vlab_board_ifname(const struct vlab *vlab, const char *name);

/* Runs fn(arg) with the calling thread inside the board's namespace, then returns. */
int vlab_in_board_ns(struct vlab *vlab, const char *name, int (*fn)(void *arg), void *arg);

#endif
