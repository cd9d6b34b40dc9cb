/*
 * tftp_glue.h - the TFTP server on a libevent loop: one UDP socket on the
 * server port, and per transfer an ephemeral UDP socket connected to the
 * client (its TID) with its own read event and timer.
 */
#ifndef PITEST_TFTP_GLUE_H
#define PITEST_TFTP_GLUE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct tftp_server;
struct tftp_glue;

/*
 * Binds UDP bind_ip:port (network-order address, host-order port; 69
 * normally, 0 picks a free port) and serves `srv` on `base`. Does not take
 * ownership of srv, which must outlive the glue. Returns 0 or -errno
 * (e.g. -EADDRINUSE, -EACCES for port 69 without privileges).
 */
int tftp_glue_new(struct event_base *base, struct tftp_server *srv, uint32_t bind_ip,
		  uint16_t port, struct tftp_glue **ret_glue);
/* Aborts active transfers (each client gets ERROR 0 "Server shutting down"),
 * closes every socket and frees. Accepts NULL. */
void tftp_glue_free(struct tftp_glue *glue);

/* The bound port (useful with port 0). */
uint16_t tftp_glue_port(const struct tftp_glue *glue);
/* Transfers with a socket right now. */
size_t tftp_glue_n_active(const struct tftp_glue *glue);

#endif
