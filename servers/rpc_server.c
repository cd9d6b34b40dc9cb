/*
 * rpc_server.c - the RPC dispatcher of the NFS phase: one record in, one
 * verdict out. Order per call (see rpc_server.h): header, credential,
 * program and version, duplicate-request cache, fault rules, the program.
 * Every call that reaches a program is reported as an rpc.call event.
 */
#include "servers/rpc_server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/nfs3_const.h"
#include "servers/rpc_drc.h"

#define SMALL_REPLY (64u * 1024u)   /* every reply but READ / READDIR(PLUS) fits */
#define REPLY_HEADROOM 4096u        /* RPC header, attributes and status around data */
#define MAX_MOUNTS 1024

struct mount_rec {
	uint32_t ip;
	char path[MNT3_PATH_MAX];
};

struct rpc_server {
	struct rpc_server_config cfg;
	struct timeline *tl;
	struct fault_engine *faults;
	struct nfs_progs *progs;
	struct rpc_drc *drc;
	struct mount_rec *mounts;
	size_t n_mounts;
	bool defer_events;
	struct pending_call *pending;   /* the deferred rpc.call event, when set */
};

int rpc_server_new(const struct rpc_server_config *cfg, struct timeline *tl,
		   struct fault_engine *faults, struct rpc_server **ret_srv)
{
	struct rpc_server *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!(s->cfg.time_scale > 0))
		s->cfg.time_scale = 1.0;
	s->tl = tl;
	s->faults = faults;
	int r = nfs_progs_new(cfg->fs, &s->progs);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	s->drc = rpc_drc_new(cfg->drc_entries, 0);
	s->mounts = calloc(MAX_MOUNTS, sizeof(*s->mounts));
	if (!s->drc || !s->mounts)
		goto fail;
	*ret_srv = s;
	return 0;
fail:
	rpc_server_free(s);
	return r;
}

void rpc_server_free(struct rpc_server *srv)
{
	if (!srv)
		return;
	rpc_server_flush_events(srv);
	free(srv->pending);
	nfs_progs_free(srv->progs);
	rpc_drc_free(srv->drc);
	free(srv->mounts);
	free(srv);
}

int rpc_server_set_map(struct rpc_server *srv, const struct pmap_mapping *map, size_t n_map)
{
	return nfs_progs_set_map(srv->progs, map, n_map);
}

void rpc_server_sent(struct rpc_server *srv, uint64_t token)
{
	if (srv && token)
		rpc_drc_sent(srv->drc, token);
}

size_t rpc_server_n_mounts(const struct rpc_server *srv)
{
	return srv->n_mounts;
}

static void mount_add(struct rpc_server *s, uint32_t ip, const char *path)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].ip == ip && strcmp(s->mounts[i].path, path) == 0)
			return;
	if (s->n_mounts == MAX_MOUNTS)
		return;
	s->mounts[s->n_mounts].ip = ip;
	snprintf(s->mounts[s->n_mounts].path, sizeof(s->mounts[0].path), "%s", path);
	s->n_mounts++;
}

/* path NULL: every mount of ip (UMNTALL). */
static void mount_remove(struct rpc_server *s, uint32_t ip, const char *path)
{
	for (size_t i = 0; i < s->n_mounts;) {
		if (s->mounts[i].ip == ip && (!path || strcmp(s->mounts[i].path, path) == 0))
			s->mounts[i] = s->mounts[--s->n_mounts];
		else
			i++;
	}
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A reply buffer: small for most calls, data-sized for READ/READDIR(PLUS). */
static uint8_t *reply_alloc(size_t cap, struct xdr_enc *e)
{
	uint8_t *buf = malloc(cap);
	if (buf)
		xdr_enc_init(e, buf, cap);
	return buf;
}

/* The count a READ / maxcount a READDIR(PLUS) asks for, from its
 * arguments (fh, then fixed fields; the count is the last word). */
static size_t data_reply_cap(const struct nfs_fs *fs, const struct rpc_call *c)
{
	if (c->prog != RPC_PROG_NFS ||
	    (c->proc != NFS3_READ && c->proc != NFS3_READDIR && c->proc != NFS3_READDIRPLUS))
		return SMALL_REPLY;
	if (c->args_len < 4)
		return SMALL_REPLY;
	size_t fhlen = xdr_pad_len(xdr_get_be32(c->args));
	size_t tail = c->proc == NFS3_READ ? 12 : c->proc == NFS3_READDIR ? 20 : 24;
	if (fhlen > NFS3_FHSIZE || c->args_len < 4 + fhlen + tail)
		return SMALL_REPLY;
	uint32_t count = xdr_get_be32(c->args + 4 + fhlen + tail - 4);
	uint32_t max = nfs_fs_rtmax(fs);
	if (max < SMALL_REPLY)
		max = SMALL_REPLY;
	if (count > max)
		count = max;
	size_t cap = (size_t)count + REPLY_HEADROOM;
	return cap > SMALL_REPLY ? cap : SMALL_REPLY;
}

static void lower_copy(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static const char *accept_name(enum rpc_accept_stat st)
{
	switch (st) {
	case RPC_ACCEPT_SUCCESS: return "SUCCESS";
	case RPC_ACCEPT_PROG_UNAVAIL: return "PROG_UNAVAIL";
	case RPC_ACCEPT_PROG_MISMATCH: return "PROG_MISMATCH";
	case RPC_ACCEPT_PROC_UNAVAIL: return "PROC_UNAVAIL";
	case RPC_ACCEPT_GARBAGE_ARGS: return "GARBAGE_ARGS";
	case RPC_ACCEPT_SYSTEM_ERR: return "SYSTEM_ERR";
	}
	return "?";
}

static const char *status_name(uint32_t prog, uint32_t status, char buf[16])
{
	const char *n = NULL;
	if (prog == RPC_PROG_NFS)
		n = nfs3_stat_name(status);
	else if (prog == RPC_PROG_MOUNT)
		n = mount3_stat_name(status);
	if (n)
		return n;
	snprintf(buf, 16, "%u", status);
	return buf;
}

/* What one call did, gathered for its rpc.call event. */
struct call_report {
	const char *status;
	uint64_t bytes;
	bool has_bytes;
	const char *fault;
	const char *drc;
	double latency;
};

/* Decimal digits of v at p; returns the end (no NUL). */
static char *put_dec(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Every call is an event: its numbers are formatted without stdio. */
static void fmt_dec(char *buf, uint64_t v)
{
	*put_dec(buf, v) = '\0';
}

static void fmt_xid(char buf[11], uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < 8; i++)
		buf[2 + i] = hex[(v >> (28 - 4 * i)) & 0xf];
	buf[10] = '\0';
}

/* Seconds with 6 decimals, as "%.6f" would print a non-negative value. */
static void fmt_seconds(char *buf, double s)
{
	uint64_t us = s > 0 ? (uint64_t)(s * 1e6 + 0.5) : 0;
	char *p = put_dec(buf, us / 1000000);
	*p++ = '.';
	uint64_t frac = us % 1000000;
	for (uint64_t d = 100000; d; d /= 10)
		*p++ = (char)('0' + frac / d % 10);
	*p = '\0';
}

/* An rpc.call event held until rpc_server_flush_events(). */
struct pending_call {
	bool set;
	char board[32];
	struct rpc_call c;              /* prog, vers, proc, xid only */
	struct rpc_peer peer;
	char path[1024];
	struct call_report rep;
	char status[16];                /* rep.status when it was not a constant */
};

static void emit_call_now(struct rpc_server *s, const char *board, const struct rpc_call *c,
			  const struct rpc_peer *peer, const char *path, const struct call_report *r)
{
	char prog[16], vers[12], xid[12], lat[32], bytes[24];
	const char *keys[EVENT_MAX_FIELDS], *vals[EVENT_MAX_FIELDS];
	size_t n = 0;
	const char *proc = nfs_progs_proc_name(c->prog, c->proc);
	char procbuf[12];
	if (!proc || !*proc || strcmp(proc, "?") == 0) {
		fmt_dec(procbuf, c->proc);
		proc = procbuf;
	}
	fmt_dec(vers, c->vers);
	fmt_xid(xid, c->xid);
	fmt_seconds(lat, r->latency);
	keys[n] = "prog"; vals[n++] = nfs_progs_prog_name(c->prog, prog);
	keys[n] = "vers"; vals[n++] = vers;
	keys[n] = "proc"; vals[n++] = proc;
	keys[n] = "xid"; vals[n++] = xid;
	keys[n] = "transport"; vals[n++] = peer->tcp ? "tcp" : "udp";
	keys[n] = "path"; vals[n++] = path ? path : "";
	keys[n] = "status"; vals[n++] = r->status ? r->status : "";
	keys[n] = "latency"; vals[n++] = lat;
	if (r->has_bytes) {
		fmt_dec(bytes, r->bytes);
		keys[n] = "bytes"; vals[n++] = bytes;
	}
	if (r->fault) {
		keys[n] = "fault"; vals[n++] = r->fault;
	}
	if (r->drc) {
		keys[n] = "drc"; vals[n++] = r->drc;
	}
	timeline_emitv(s->tl, board, "rpc.call", n, keys, vals);
}

void rpc_server_flush_events(struct rpc_server *srv)
{
	struct pending_call *p = srv ? srv->pending : NULL;
	if (!p || !p->set)
		return;
	p->set = false;
	emit_call_now(srv, p->board, &p->c, &p->peer, p->path, &p->rep);
}

void rpc_server_set_defer_events(struct rpc_server *srv, bool defer)
{
	if (defer && !srv->pending)
		srv->pending = calloc(1, sizeof(*srv->pending)); /* NULL: events stay immediate */
	if (!defer)
		rpc_server_flush_events(srv);
	srv->defer_events = defer;
}

/* statbuf: where r->status may point besides constants. */
static void emit_call(struct rpc_server *s, const char *board, const struct rpc_call *c,
		      const struct rpc_peer *peer, const char *path, const struct call_report *r,
		      const char *statbuf)
{
	if (!s->tl)
		return;
	if (!s->defer_events || !s->pending) {
		emit_call_now(s, board, c, peer, path, r);
		return;
	}
	struct pending_call *p = s->pending;
	rpc_server_flush_events(s); /* one is never left over; if so, order is kept */
	p->set = true;
	snprintf(p->board, sizeof(p->board), "%s", board);
	p->c = (struct rpc_call){ .xid = c->xid, .prog = c->prog, .vers = c->vers, .proc = c->proc };
	p->peer = *peer;
	snprintf(p->path, sizeof(p->path), "%s", path ? path : "");
	p->rep = *r;
	if (statbuf && r->status == statbuf) {
		snprintf(p->status, sizeof(p->status), "%s", statbuf);
		p->rep.status = p->status;
	}
}

static void emit_garbage(struct rpc_server *s, const char *board, const struct rpc_peer *peer,
			 size_t len, const char *reason)
{
	if (!s->tl)
		return;
	char ip[INET_ADDRSTRLEN], port[8], l[24];
	struct in_addr a = { .s_addr = peer->ip };
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(port, sizeof(port), "%u", peer->port);
	snprintf(l, sizeof(l), "%zu", len);
	timeline_emit(s->tl, board, "rpc.garbage", "ip", ip, "port", port, "len", l,
		      "reason", reason, NULL);
}

/* A reply made of a header only (errors before a program runs). */
static int header_only(struct rpc_result *ret, int (*put)(struct xdr_enc *, uint32_t, uint32_t, uint32_t),
		       uint32_t xid, uint32_t a, uint32_t b)
{
	struct xdr_enc e;
	uint8_t *buf = reply_alloc(64, &e);
	if (!buf)
		return -ENOMEM;
	put(&e, xid, a, b);
	ret->verdict = RPC_VERDICT_SEND;
	ret->reply = buf;
	ret->len = e.pos;
	return 0;
}

static int put_accept(struct xdr_enc *e, uint32_t xid, uint32_t stat, uint32_t unused)
{
	(void)unused;
	return rpc_wire_put_accepted(e, xid, (enum rpc_accept_stat)stat);
}

static int put_auth(struct xdr_enc *e, uint32_t xid, uint32_t stat, uint32_t unused)
{
	(void)unused;
	return rpc_wire_put_auth_error(e, xid, (enum rpc_auth_stat)stat);
}

static void cred_from_call(const struct rpc_call *c, struct nfs_cred *cred, const char *board)
{
	memset(cred, 0, sizeof(*cred));
	if (c->cred_flavor == RPC_AUTH_FLAVOR_SYS) {
		cred->uid = c->sys.uid;
		cred->gid = c->sys.gid;
		cred->n_gids = c->sys.n_gids;
		memcpy(cred->gids, c->sys.gids, sizeof(uint32_t) * c->sys.n_gids);
	} else {
		cred->uid = cred->gid = 65534; /* AUTH_NONE: nobody */
	}
	cred->board = board;
}

int rpc_server_handle(struct rpc_server *srv, const uint8_t *rec, size_t len,
		      const struct rpc_peer *peer, double now, struct rpc_result *ret)
{
	(void)now;
	memset(ret, 0, sizeof(*ret));
	ret->verdict = RPC_VERDICT_NONE;

	char board[32] = "", model[16] = "";
	if (srv->cfg.who && !srv->cfg.who(srv->cfg.who_ctx, peer->ip, board, model))
		board[0] = model[0] = '\0';
	board[sizeof(board) - 1] = model[sizeof(model) - 1] = '\0';

	struct rpc_call c;
	int r = rpc_wire_parse_call(rec, len, &c);
	if (r == -EBADMSG) {
		emit_garbage(srv, board, peer, len, "not a call");
		return 0;
	}
	if (r == -EPROTONOSUPPORT) {
		emit_garbage(srv, board, peer, len, "rpc version");
		return header_only(ret, rpc_wire_put_rpc_mismatch, c.xid, RPC_VERSION, RPC_VERSION);
	}
	if (r == -EACCES)
		return header_only(ret, put_auth, c.xid, c.auth_err, 0);
	if (r < 0) {
		emit_garbage(srv, board, peer, len, "unparsable");
		return 0;
	}
	if (c.cred_flavor != RPC_AUTH_FLAVOR_SYS && c.cred_flavor != RPC_AUTH_FLAVOR_NONE)
		return header_only(ret, put_auth, c.xid, RPC_AUTH_TOOWEAK, 0);

	struct call_report rep = { 0 };
	char statbuf[16] = "";
	uint32_t low = 0, high = 0;
	switch (nfs_progs_lookup(c.prog, c.vers, &low, &high)) {
	case NFS_PROGS_SERVED:
		break;
	case NFS_PROGS_BAD_VERSION:
		rep.status = accept_name(RPC_ACCEPT_PROG_MISMATCH);
		emit_call(srv, board, &c, peer, "", &rep, NULL);
		return header_only(ret, rpc_wire_put_prog_mismatch, c.xid, low, high);
	default:
		rep.status = accept_name(RPC_ACCEPT_PROG_UNAVAIL);
		emit_call(srv, board, &c, peer, "", &rep, NULL);
		return header_only(ret, put_accept, c.xid, RPC_ACCEPT_PROG_UNAVAIL, 0);
	}

	struct nfs_req req = { .call = &c, .peer_ip = peer->ip, .peer_port = peer->port,
			       .tcp = peer->tcp };
	cred_from_call(&c, &req.cred, board);
	/* The path only serves events and fault rules: no work without either. */
	char path[1024];
	path[0] = '\0';
	if (srv->tl || srv->faults)
		nfs_progs_describe(srv->progs, &req, path, sizeof(path));

	/* The duplicate-request cache answers retransmits first. */
	struct rpc_drc_key key = { .xid = c.xid, .prog = c.prog, .vers = c.vers, .proc = c.proc,
				   .ip = peer->ip, .port = peer->port, .tcp = peer->tcp,
				   .args_len = (uint32_t)c.args_len,
				   .args_sum = rpc_drc_checksum(c.args, c.args_len) };
	const uint8_t *cached;
	size_t cached_len;
	switch (rpc_drc_lookup(srv->drc, &key, &cached, &cached_len)) {
	case RPC_DRC_IN_PROGRESS:
		rep.drc = "in-progress";
		emit_call(srv, board, &c, peer, path, &rep, statbuf);
		return 0;
	case RPC_DRC_DONE: {
		uint8_t *copy = malloc(cached_len ? cached_len : 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, cached, cached_len);
		ret->verdict = RPC_VERDICT_SEND;
		ret->reply = copy;
		ret->len = cached_len;
		rep.drc = "replay";
		emit_call(srv, board, &c, peer, path, &rep, statbuf);
		return 0;
	}
	case RPC_DRC_MISS:
		break;
	}

	/* Fault rules. */
	const struct fault_rule *rule = NULL;
	if (srv->faults) {
		char what[32];
		lower_copy(what, sizeof(what), nfs_progs_proc_name(c.prog, c.proc));
		struct fault_query q = { .server = "nfs", .what = what, .file = path,
					 .board = board, .model = model };
		rule = fault_engine_query(srv->faults, &q);
	}
	double scale = srv->cfg.time_scale;
	if (rule) {
		rep.fault = fault_action_name(rule->action);
		switch (rule->action) {
		case FAULT_DROP:
			emit_call(srv, board, &c, peer, path, &rep, statbuf);
			return 0;
		case FAULT_CLOSE:
			ret->verdict = peer->tcp ? RPC_VERDICT_CLOSE : RPC_VERDICT_NONE;
			emit_call(srv, board, &c, peer, path, &rep, statbuf);
			return 0;
		case FAULT_STALL:
			ret->verdict = peer->tcp ? RPC_VERDICT_STALL : RPC_VERDICT_NONE;
			ret->stall_s = rule->delay_s > 0 ? rule->delay_s / scale : 0;
			emit_call(srv, board, &c, peer, path, &rep, statbuf);
			return 0;
		case FAULT_TRUNCATE:
			req.read_cap = rule->bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)rule->bytes;
			if (req.read_cap == 0)
				req.read_cap = 1; /* 0 means no cap: the shortest short read */
			break;
		default:
			break;
		}
	}

	/* Execute (or fail by rule). */
	double t0 = mono_s();
	struct xdr_enc e;
	size_t cap = data_reply_cap(srv->cfg.fs, &c);
	uint8_t *buf = reply_alloc(cap, &e);
	if (!buf)
		return -ENOMEM;
	struct nfs_call_info info = { 0 };
	enum rpc_accept_stat st;
	rpc_wire_put_accepted(&e, c.xid, RPC_ACCEPT_SUCCESS);
	if (rule && rule->action == FAULT_ERROR) {
		st = RPC_ACCEPT_SUCCESS;
		if (nfs_progs_encode_error(c.prog, c.proc, (uint32_t)rule->code, &e) < 0)
			st = RPC_ACCEPT_SYSTEM_ERR;
		info.has_status = true;
		info.status = (uint32_t)rule->code;
	} else {
		st = nfs_progs_call(srv->progs, &req, &e, &info);
		if (st == RPC_ACCEPT_SYSTEM_ERR && cap < RPC_RM_MAX_RECORD + REPLY_HEADROOM &&
		    !nfs_progs_non_idempotent(c.prog, c.proc)) {
			/* Did not fit the small buffer: once more with room for anything. */
			free(buf);
			cap = RPC_RM_MAX_RECORD + REPLY_HEADROOM;
			buf = reply_alloc(cap, &e);
			if (!buf)
				return -ENOMEM;
			rpc_wire_put_accepted(&e, c.xid, RPC_ACCEPT_SUCCESS);
			memset(&info, 0, sizeof(info));
			st = nfs_progs_call(srv->progs, &req, &e, &info);
		}
	}
	if (st != RPC_ACCEPT_SUCCESS) {
		e.pos = 0;
		rpc_wire_put_accepted(&e, c.xid, st);
		rep.status = accept_name(st);
	} else if (info.has_status) {
		rep.status = status_name(c.prog, info.status, statbuf);
	} else {
		rep.status = "OK";
	}
	if (c.prog == RPC_PROG_NFS && (c.proc == NFS3_READ || c.proc == NFS3_WRITE)) {
		rep.has_bytes = true;
		rep.bytes = info.bytes;
	}

	/* MOUNT bookkeeping and events. */
	if (c.prog == RPC_PROG_MOUNT && st == RPC_ACCEPT_SUCCESS) {
		const char *mp = info.mount_path[0] ? info.mount_path : path;
		if (c.proc == MNT3_MNT) {
			if (info.mounted)
				mount_add(srv, peer->ip, mp);
			if (srv->tl)
				timeline_emit(srv->tl, board, "nfs.mount", "path", mp, "status",
					      rep.status ? rep.status : "", NULL);
		} else if (info.unmounted || c.proc == MNT3_UMNT || c.proc == MNT3_UMNTALL) {
			bool all = c.proc == MNT3_UMNTALL;
			mount_remove(srv, peer->ip, all ? NULL : mp);
			if (srv->tl)
				timeline_emit(srv->tl, board, "nfs.umount", "path", all ? "*" : mp, NULL);
		}
	}

	ret->verdict = RPC_VERDICT_SEND;
	ret->reply = buf;
	ret->len = e.pos;
	bool keep = nfs_progs_non_idempotent(c.prog, c.proc) && st == RPC_ACCEPT_SUCCESS;
	if (rule && rule->action == FAULT_DELAY && rule->delay_s > 0) {
		ret->delay_s = rule->delay_s / scale;
		if (rpc_drc_insert(srv->drc, &key, keep ? buf : NULL, e.pos, true, &ret->token) < 0)
			ret->token = 0;
	} else if (keep) {
		(void)rpc_drc_insert(srv->drc, &key, buf, e.pos, false, NULL);
	}
	if (rule && rule->action == FAULT_DROP_REPLY) {
		free(ret->reply);
		ret->reply = NULL;
		ret->len = 0;
		ret->verdict = RPC_VERDICT_NONE;
	}
	rep.latency = mono_s() - t0 + ret->delay_s;
	emit_call(srv, board, &c, peer, path, &rep, statbuf);
	return 0;
}
