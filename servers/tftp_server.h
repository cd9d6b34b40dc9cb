/*
 * tftp_server.h - the embedded TFTP server's protocol engine (RFC 1350,
 * 2347, 2348, 2349, 7440): read requests only, many transfers at once.
 *
 * Pure engine: no sockets and no clocks. The glue (tftp_glue.h) hands it
 * each datagram with the time, and it answers with what to send and when
 * to wake it up; unit tests and the fuzzer call the same entries. A
 * transfer is a struct of its own (one per RRQ); the glue gives each one
 * its own UDP socket (the TID of RFC 1350) and timer.
 *
 * Files are read from the lab's root (or a board's own root) only; every
 * path is resolved one component at a time under that root: no "..", no
 * absolute escape, no symlink leading out, regular files only. WRQ is
 * refused with ERROR 2.
 *
 * Events (board attributed through the `who` callback):
 *   tftp.rrq     file, options ("tsize=0 blksize=1024"), port
 *   tftp.oack    file, options
 *   tftp.probe   file, bytes (the client ended with ERROR 0 after the first
 *                DATA or the OACK: the Pi firmware's existence check)
 *   tftp.done    file, bytes, blocks, blksize, windowsize, duration, rate
 *                (bytes per second), retransmits
 *   tftp.error   file, code, message, sent ("server" or "client")
 *   tftp.timeout file, block, retries
 *   tftp.refused file, reason (path outside the root, WRQ, device...)
 *   tftp.malformed ip, port, len (a datagram on port 69 that is no TFTP)
 * Faults (fault.h, server "tftp"): on "rrq" (error, missing, drop, delay,
 * truncate, rate, ignore-options), "oack" (drop, delay), "data" (drop,
 * delay, duplicate, corrupt, stall; `block:` selects one block, counted
 * from 1 without wrapping). Delays and rates are board time (divided by
 * time_scale). The "data" faults are asked once per block, at its first
 * transmission.
 *
 * Decisions (details in tftp_server.c and tftp_path.h):
 *  - octet only: netascii/mail get ERROR 2 "Only octet mode is supported";
 *  - a leading "/" is refused, not stripped; symlinks are followed only
 *    while they stay inside the root;
 *  - truncate: the OACK's tsize still reports the real size;
 *  - corrupt: `value` at file offset `bytes`, or 4 inverted bytes at
 *    `bytes` (else at the start of the block the rule fired on), for the
 *    rest of the transfer;
 *  - block numbers wrap from 65535 to 0 (as tftpd-hpa and atftp);
 *  - a request the codec rejects gets ERROR 4 (ERROR 2 for an empty or
 *    over-long name) and tftp.refused, so hostile clients hear a refusal.
 */
#ifndef PITEST_TFTP_SERVER_H
#define PITEST_TFTP_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/tftp_wire.h"

struct timeline;
struct fault_engine;

/*
 * Who is at `ip`: fills board name and model ("" when unknown) and, when the
 * board has a root of its own, ret_root (else leaves it ""). Returns true if
 * the address belongs to a known board.
 */
typedef bool (*tftp_who_fn)(void *ctx, uint32_t ip, char board[32], char model[16],
			    char ret_root[PATH_MAX]);

struct tftp_server_config {
	char root[PATH_MAX];        /* the lab's TFTP root (must exist) */
	double time_scale;          /* fault delays/rates are board time; wall = board / scale */
	unsigned timeout_ms;        /* retransmission timeout, board ms, when the client asks none (default 1000) */
	unsigned max_retries;       /* retransmissions before giving up a transfer (default 5) */
	unsigned max_transfers;     /* concurrent transfers (default 1024) */
	uint16_t max_blksize;       /* cap on negotiated blksize (default 65464) */
	uint16_t max_windowsize;    /* cap on negotiated windowsize (default 64) */
	tftp_who_fn who;            /* may be NULL */
	void *who_ctx;
};

/* One datagram to send on the transfer's socket, now. */
struct tftp_out {
	const uint8_t *buf;         /* owned by the engine, valid until the next engine call for it */
	size_t len;
};

/*
 * What an engine call asks of the glue for one transfer: send these
 * datagrams in order, then arm the timer for `wake` (absolute, the same
 * clock as `now`; 0 = no timer), and free the transfer when `done`.
 * Fault delays and rate pacing are the engine's own: it holds data back
 * and asks to be woken, so every datagram here goes out at once.
 */
struct tftp_step {
	const struct tftp_out *out;
	size_t n_out;
	double wake;
	bool done;
};

enum tftp_unique_root {
	TFTP_UNIQUE_ROOT_NONE,
	TFTP_UNIQUE_ROOT_IP,        /* root/192.168.1.100/ when that directory exists */
	TFTP_UNIQUE_ROOT_MAC,       /* root/dc-a6-32-01-36-c2/ (needs the `mac` callback) */
};

/* The client's MAC address for dnsmasq-style unique roots. Returns true if known. */
typedef bool (*tftp_mac_fn)(void *ctx, uint32_t ip, uint8_t ret_mac[6]);

/* Optional settings beyond tftp_server_config (zero = off). */
struct tftp_server_extra {
	enum tftp_unique_root unique_root;
	tftp_mac_fn mac;
	void *mac_ctx;
};

struct tftp_server;
struct tftp_transfer;

/* Copies cfg and opens cfg->root. tl and faults may be NULL. Returns 0,
 * -EINVAL (bad config) or -errno from opening the root. */
int tftp_server_new(const struct tftp_server_config *cfg, struct timeline *tl,
		    struct fault_engine *faults, struct tftp_server **ret_srv);
/* Sets the optional settings (copied). */
void tftp_server_set_extra(struct tftp_server *srv, const struct tftp_server_extra *extra);
/* Frees the server; transfers must have been freed first. Accepts NULL. */
void tftp_server_free(struct tftp_server *srv);
/* Transfers currently alive (including those only sending an ERROR). */
size_t tftp_server_n_transfers(const struct tftp_server *srv);

/*
 * Handles one datagram received on the server port (69) from ip:port
 * (network order / host order) at time `now` (seconds, any monotonic
 * clock; the glue, tests and fuzzer choose). An RRQ, and any request that
 * gets an ERROR back (WRQ, refused or missing file), makes a transfer:
 * *ret_xfer is set and *ret_step holds its first datagrams; the glue gives
 * it a socket connected to ip:port (RFC 1350: a new TID) and from then on
 * feeds it with tftp_transfer_handle()/tftp_transfer_timer(). Returns 0
 * (with *ret_xfer NULL when nothing is to be done: malformed, duplicate
 * RRQ, dropped by a fault, not a request), or -ENOMEM.
 */
int tftp_server_request(struct tftp_server *srv, const uint8_t *buf, size_t len, uint32_t ip,
			uint16_t port, double now, struct tftp_transfer **ret_xfer,
			struct tftp_step *ret_step);

/* A datagram from the client on the transfer's own socket. */
void tftp_transfer_handle(struct tftp_transfer *xfer, const uint8_t *buf, size_t len, double now,
			  struct tftp_step *ret_step);
/* The timer asked for by the last step fired (early or late calls are harmless). */
void tftp_transfer_timer(struct tftp_transfer *xfer, double now, struct tftp_step *ret_step);
/*
 * Ends a transfer that is not done (server shutting down, socket failure):
 * emits tftp.error (sent=server) and returns an ERROR for the client
 * (message `why`). The step is always done.
 */
void tftp_transfer_abort(struct tftp_transfer *xfer, const char *why, double now,
			 struct tftp_step *ret_step);
/* The single free path (closes the file). Accepts NULL. */
void tftp_transfer_free(struct tftp_transfer *xfer);

/* Glue's own pointer for the transfer (its socket and timer). */
void tftp_transfer_set_user(struct tftp_transfer *xfer, void *user);
void *tftp_transfer_get_user(const struct tftp_transfer *xfer);

#endif
