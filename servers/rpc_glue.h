/*
 * rpc_glue.h - the RPC server on a libevent loop: the portmapper on UDP
 * and TCP (port 111 normally), NFS and MOUNT sharing one TCP listener and
 * one UDP socket (2049 normally; calls are dispatched by program), a
 * bufferevent per TCP connection with record-marking reassembly, delayed
 * replies on timers, stalled and closed connections as rpc_server says.
 * Emits rpc.connect / rpc.disconnect (ip, port) on the timeline.
 */
#ifndef PITEST_RPC_GLUE_H
#define PITEST_RPC_GLUE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct timeline;
struct rpc_server;
struct rpc_glue;

struct rpc_glue_config {
	uint32_t bind_ip;   /* network order */
	uint16_t pmap_port; /* 111; 0 = a free port */
	uint16_t nfs_port;  /* 2049; 0 = a free port */
	int no_pmap;        /* nonzero: no portmapper listener (clients given port=/mountport=) */
};

/*
 * Binds the sockets, gives rpc_server the port map (portmap, MOUNT and NFS
 * v3 on TCP and UDP at the bound ports) and serves `srv` (borrowed; must outlive the glue).
 * `tl` may be NULL. Returns 0 or -errno (-EADDRINUSE with port 111 taken
 * by the host's rpcbind, -EACCES without privileges) with one line in err.
 */
int rpc_glue_new(struct event_base *base, struct rpc_server *srv, struct timeline *tl,
		 const struct rpc_glue_config *cfg, struct rpc_glue **ret_glue, char *err,
		 size_t errcap);
/* Closes every connection and socket. Accepts NULL. */
void rpc_glue_free(struct rpc_glue *glue);

uint16_t rpc_glue_pmap_port(const struct rpc_glue *glue);
uint16_t rpc_glue_nfs_port(const struct rpc_glue *glue);
size_t rpc_glue_n_connections(const struct rpc_glue *glue);

#endif
