/*
 * dhcp_leases.h - the DHCP server's lease table (internal to servers/).
 *
 * One entry per client MAC, found through an open-addressing hash, and an
 * index over the dynamic range (address -> entry, reserved and declined
 * marks) with a rotating cursor, so perfdhcp-style load with tens of
 * thousands of MACs costs O(1) per message. Pure: `now` is passed in.
 *
 * Pointers returned by dhcp_leases_get() stay valid until the next call of
 * dhcp_leases_get() (which may grow or compact the table).
 */
#ifndef PITEST_DHCP_LEASES_H
#define PITEST_DHCP_LEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum dhcp_lease_state {
	DHCP_LEASE_NONE = 0,  /* known client, no address held (ip is a hint) */
	DHCP_LEASE_OFFERED,   /* held for the client until `expires` */
	DHCP_LEASE_BOUND,     /* acknowledged until `expires` */
};

struct dhcp_lease {
	uint8_t mac[6];
	uint8_t state;        /* enum dhcp_lease_state */
	uint32_t ip;          /* network order; 0 = none */
	time_t expires;       /* absolute wall time */
};

/* Largest dynamic range the table indexes (a /12). */
#define DHCP_LEASES_MAX_RANGE (1u << 20)

struct dhcp_leases;

/* Range in network order (start 0 = no range). max_clients bounds entries. */
int dhcp_leases_new(uint32_t range_start, uint32_t range_end, size_t max_clients,
		    struct dhcp_leases **ret_tbl);
void dhcp_leases_free(struct dhcp_leases *tbl);

struct dhcp_lease *dhcp_leases_find(struct dhcp_leases *tbl, const uint8_t mac[6]);
/* Finds or creates the entry for `mac`. -ENOSPC when full of live leases. */
int dhcp_leases_get(struct dhcp_leases *tbl, const uint8_t mac[6], time_t now,
		    struct dhcp_lease **ret_lease);

bool dhcp_leases_in_range(const struct dhcp_leases *tbl, uint32_t ip);
bool dhcp_lease_active(const struct dhcp_lease *l, time_t now);
/* The entry actively holding range address `ip`, or NULL. */
struct dhcp_lease *dhcp_leases_holder(struct dhcp_leases *tbl, uint32_t ip, time_t now);
/* Never hand out `ip` from the range (reservations, the server itself). */
void dhcp_leases_reserve(struct dhcp_leases *tbl, uint32_t ip);
bool dhcp_leases_is_reserved(const struct dhcp_leases *tbl, uint32_t ip);
/* Marks a range address unusable until `until` (DHCPDECLINE). */
void dhcp_leases_decline(struct dhcp_leases *tbl, uint32_t ip, time_t until);
/* True if `ip` could be given to `l` now: in range, not reserved, not
 * declined, not actively held by someone else. */
bool dhcp_leases_available(struct dhcp_leases *tbl, const struct dhcp_lease *l, uint32_t ip,
			   time_t now);
/* Next free range address from the cursor. -ENOSPC when none. */
int dhcp_leases_alloc(struct dhcp_leases *tbl, time_t now, uint32_t *ret_ip);
/* Gives `ip` to `l` (0 to clear): updates the range index both ways. */
void dhcp_leases_assign(struct dhcp_leases *tbl, struct dhcp_lease *l, uint32_t ip,
			enum dhcp_lease_state state, time_t expires);

size_t dhcp_leases_count(const struct dhcp_leases *tbl);
const struct dhcp_lease *dhcp_leases_at(const struct dhcp_leases *tbl, size_t index);

#endif
