/*
 * dhcp_glue.h - the DHCP server on a libevent loop, bound to one interface.
 */
#ifndef PITEST_DHCP_GLUE_H
#define PITEST_DHCP_GLUE_H

#include <stdint.h>

struct event_base;
struct dhcp_server;
struct dhcp_glue;

/* The interface's first IPv4 address and netmask (network order). 0 or -errno. */
int dhcp_glue_iface_addr(const char *ifname, uint32_t *ret_ip, uint32_t *ret_mask);

/*
 * Opens UDP port `port` (67 normally) on `ifname` and serves `srv` on `base`.
 * Does not take ownership of srv. If lease_path is non-NULL leases are saved
 * there shortly after they change. Returns 0 or -errno (e.g. -EADDRINUSE).
 */
int dhcp_glue_new(struct event_base *base, struct dhcp_server *srv, const char *ifname,
		  uint16_t port, const char *lease_path, struct dhcp_glue **ret_glue);
/* Closes the socket, drops replies still held back, saves leases. Accepts NULL. */
void dhcp_glue_free(struct dhcp_glue *glue);

#endif
