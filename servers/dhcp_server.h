/*
 * dhcp_server.h - the embedded DHCP server's protocol engine (RFC 2131).
 *
 * One entry, dhcp_server_handle(), takes a received datagram and the time,
 * and returns at most one reply with where to send it and how long to hold
 * it (fault delays). The libevent glue (dhcp_glue.h), the unit tests and the
 * fuzzer all call it. No sockets, clocks or globals in here.
 *
 * Events: on receipt "dhcp.discover", "dhcp.request", "dhcp.decline",
 * "dhcp.release", "dhcp.inform", "dhcp.bootp", "dhcp.malformed"; for a reply,
 * dhcp_server_reply_sent() emits "dhcp.offer", "dhcp.ack" or "dhcp.nak" when
 * the glue actually sends it (a proxy offer carries proxy=true). A client
 * the config's `answer` leaves out gets no reply and no receipt events,
 * only "dhcp.ignored" {mac, vendor, reason}, once per MAC (rate-limited
 * when too many strangers were seen). Faults come from the shared engine
 * (fault.h).
 */
#ifndef PITEST_DHCP_SERVER_H
#define PITEST_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "servers/dhcp_wire.h"

struct timeline;
struct fault_engine;

/* A board known to the lab: attribution of events, and a reservation when ip != 0. */
struct dhcp_host {
	uint8_t mac[6];
	uint32_t ip;        /* network order; 0 = no reservation */
	uint32_t lease_s;   /* 0 = the server's default */
	char board[32];     /* name used on the timeline */
	char model[16];     /* for fault filters */
};

enum dhcp_pxe_spaces {
	DHCP_PXE_SPACES_AUTO,   /* add 3 trailing spaces for clients that look like the 3B ROM */
	DHCP_PXE_SPACES_ALWAYS,
	DHCP_PXE_SPACES_NEVER,
};

enum dhcp_mode {
	DHCP_MODE_SERVER,   /* hands out addresses */
	DHCP_MODE_PROXY,    /* proxy DHCP (dnsmasq's "dhcp-range=...,proxy"): answers PXE
			     * DISCOVERs with the boot hint only; another server gives addresses */
};

/* Whom the server answers; everyone else gets silence and one "dhcp.ignored". */
enum dhcp_answer {
	DHCP_ANSWER_ANY,           /* every client */
	DHCP_ANSWER_LAB,           /* only the hosts below */
	DHCP_ANSWER_RASPBERRY_PI,  /* the hosts and any Raspberry Pi (OUI or option 97 form) */
};

struct dhcp_server_config {
	enum dhcp_mode mode;
	enum dhcp_answer answer;
	uint32_t server_ip;     /* network order; the interface's address = server identifier */
	uint32_t netmask;       /* network order */
	uint32_t router;        /* 0 = none */
	uint32_t dns;           /* 0 = none */
	uint32_t range_start;   /* network order; 0 = no dynamic range */
	uint32_t range_end;
	uint32_t lease_s;       /* default lease for range addresses */
	char pxe_menu[64];      /* option 43 menu text; "" = no PXE replies */
	enum dhcp_pxe_spaces pxe_spaces;
	bool ignore_reservations;  /* answer reserved MACs from the range instead */
	double time_scale;      /* fault delays are in board seconds; wall = board / scale */
	const struct dhcp_host *hosts; /* copied */
	size_t n_hosts;
};

struct dhcp_reply {
	uint8_t buf[1500];
	size_t len;
	uint8_t type;           /* DHCPOFFER, DHCPACK, DHCPNAK or DHCP_NONE (BOOTP) */
	uint32_t dst_ip;        /* network order; INADDR_BROADCAST for broadcast */
	uint16_t dst_port;
	double delay_s;         /* wall seconds to hold the reply (fault delay) */
	uint8_t chaddr[6];
	uint32_t xid;
	uint32_t yiaddr;
	bool proxy;             /* a proxy offer (no address, only the boot hint) */
	char board[32];
};

struct dhcp_server;

/* Copies the config. tl and faults may be NULL. Returns 0, -EINVAL or -ENOMEM. */
int dhcp_server_new(const struct dhcp_server_config *cfg, struct timeline *tl,
		    struct fault_engine *faults, struct dhcp_server **ret_srv);
void dhcp_server_free(struct dhcp_server *srv);

/*
 * Handles one datagram received on the server port from `src_ip` at wall
 * time `now` (seconds since the epoch; lease expiry is absolute so it
 * survives restarts). Returns 1 and fills ret_reply when something must be
 * sent, 0 when nothing is (not for us, dropped by a fault, silent by RFC),
 * -EBADMSG for a malformed datagram (an event, not a crash).
 */
int dhcp_server_handle(struct dhcp_server *srv, const uint8_t *buf, size_t len,
		       uint32_t src_ip, time_t now, struct dhcp_reply *ret_reply);

/* Emits the sent-event for a reply; called by the glue when it leaves. */
void dhcp_server_reply_sent(struct dhcp_server *srv, const struct dhcp_reply *reply);

/*
 * The lab host using `ip` at wall time `now`: the one holding a lease on it,
 * else (proxy mode) the one last seen asking another server for it, else
 * the one it is reserved for. NULL for strangers. Lets the TFTP and NFS
 * servers attribute their events to boards.
 */
const struct dhcp_host *dhcp_server_host_for_ip(struct dhcp_server *srv, uint32_t ip, time_t now);

/* Lease persistence: true when leases changed since the last save. */
bool dhcp_server_leases_dirty(const struct dhcp_server *srv);
/* Writes the lease file atomically (temp file + rename). 0 or -errno. */
int dhcp_server_save_leases(struct dhcp_server *srv, const char *path, time_t now);
/* Loads leases saved earlier; unknown/expired/out-of-range entries are skipped. -ENOENT if no file. */
int dhcp_server_load_leases(struct dhcp_server *srv, const char *path, time_t now);

#endif
