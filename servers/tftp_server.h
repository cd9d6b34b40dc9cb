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
 * Faults (fault.h, server "tftp"): on "rrq" (error, missing, drop, delay,
 * truncate, rate, ignore-options), "oack" (drop, delay), "data" (drop,
 * delay, duplicate, corrupt, stall; `block:` selects one block).
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
	unsigned timeout_ms;        /* retransmission timeout when the client asks none (default 1000) */
	unsigned max_retries;       /* retransmissions before giving up a transfer (default 5) */
	unsigned max_transfers;     /* concurrent transfers (default 1024) */
	uint16_t max_blksize;       /* cap on negotiated blksize (default 65464) */
	uint16_t max_windowsize;    /* cap on negotiated windowsize (default 64) */
	tftp_who_fn who;            /* may be NULL */
	void *who_ctx;
};

/* One datagram the glue must send from the transfer's socket (or port 69 socket). */
struct tftp_out {
	uint8_t *buf;               /* owned by the engine, valid until the next engine call for it */
	size_t len;
	double delay_s;             /* wall seconds to hold it (fault delay / rate limit); 0 = now */
};

struct tftp_server;
struct tftp_transfer;

int tftp_server_new(const struct tftp_server_config *cfg, struct timeline *tl,
		    struct fault_engine *faults, struct tftp_server **ret_srv);
/* Frees the server; transfers must have been freed first. Accepts NULL. */
void tftp_server_free(struct tftp_server *srv);

#endif
