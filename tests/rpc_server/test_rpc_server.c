/*
 * test_rpc_server.c - the RPC dispatcher on hand-built records: RPC and
 * program version mismatches, credentials, unserved programs and
 * procedures, the duplicate-request cache (a MKDIR retransmitted gets the
 * same bytes and is not executed twice), every NFS fault action with
 * count/after, and the fields of the events. A temporary export backs it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/nfs3_const.h"
#include "servers/nfs_fs.h"
#include "servers/rpc_server.h"
#include "tests/rpc_server/rpc_test_util.h"

struct fx {
	char dir[64];
	struct nfs_fs *fs;
	struct timeline *tl;
	struct fault_engine *faults;
	struct rpc_server *srv;
	struct nfs_fh root;
};

static const struct rpc_peer peer_tcp = { .ip = 0x0100007f, .port = 800, .tcp = true, .conn = 1 };

static bool who(void *ctx, uint32_t ip, char board[32], char model[16])
{
	(void)ctx;
	(void)ip;
	strcpy(board, "pi4-01");
	strcpy(model, "pi4b");
	return true;
}

static void fx_start(struct fx *f, const struct fault_rule *rules, size_t n_rules)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/rpcsrv-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char p[128];
	snprintf(p, sizeof(p), "%s/file", f->dir);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("0123456789abcdefghijklmnopqrstuvwxyz", fp);
	fclose(fp);
	static struct nfs_export_config x;
	memset(&x, 0, sizeof(x));
	strcpy(x.name, "/export");
	snprintf(x.dir, sizeof(x.dir), "%s", f->dir);
	struct nfs_fs_config fc = { .exports = &x, .n_exports = 1 };
	char err[256];
	assert_int_equal(nfs_fs_new(&fc, &f->fs, err, sizeof(err)), 0);
	f->tl = timeline_new();
	assert_non_null(f->tl);
	if (n_rules) {
		f->faults = fault_engine_new(rules, n_rules, f->tl);
		assert_non_null(f->faults);
	}
	struct rpc_server_config sc = { .fs = f->fs, .time_scale = 10, .who = who };
	assert_int_equal(rpc_server_new(&sc, f->tl, f->faults, &f->srv), 0);
}

static void fx_stop(struct fx *f)
{
	rpc_server_free(f->srv);
	fault_engine_free(f->faults);
	timeline_free(f->tl);
	nfs_fs_free(f->fs);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void handle(struct fx *f, const struct rec *r, struct rpc_result *res)
{
	assert_int_equal(rpc_server_handle(f->srv, r->b, r->n, &peer_tcp, 1.0, res), 0);
}

static uint32_t word(const struct rpc_result *res, size_t i)
{
	assert_true(res->len >= 4 * (i + 1));
	return xdr_get_be32(res->reply + 4 * i);
}

/* Accepted reply: returns accept_stat (word 5). */
static uint32_t accept_stat(const struct rpc_result *res)
{
	assert_int_equal(res->verdict, RPC_VERDICT_SEND);
	assert_int_equal(word(res, 1), 1); /* REPLY */
	assert_int_equal(word(res, 2), 0); /* MSG_ACCEPTED */
	return word(res, 5);
}

static const struct event *last_event(struct fx *f, const char *name)
{
	for (size_t i = timeline_count(f->tl); i-- > 0;) {
		const struct event *ev = timeline_get(f->tl, i);
		if (strcmp(ev->name, name) == 0)
			return ev;
	}
	return NULL;
}

static size_t count_events(struct fx *f, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < timeline_count(f->tl); i++)
		n += strcmp(timeline_get(f->tl, i)->name, name) == 0;
	return n;
}

/* MNT /export: the root handle. */
static void mount_root(struct fx *f)
{
	struct rec r;
	rec_call(&r, 1, 2, RPC_PROG_MOUNT, 3, MNT3_MNT, 1);
	rec_string(&r, "/export");
	struct rpc_result res;
	handle(f, &r, &res);
	assert_int_equal(accept_stat(&res), 0);
	assert_int_equal(word(&res, 6), MNT3_OK);
	f->root.len = word(&res, 7);
	assert_true(f->root.len <= NFS3_FHSIZE);
	memcpy(f->root.data, res.reply + 32, f->root.len);
	free(res.reply);
	const struct event *ev = last_event(f, "nfs.mount");
	assert_non_null(ev);
	assert_string_equal(event_get(ev, "status"), "MNT3_OK");
	assert_string_equal(event_get(ev, "path"), "/export");
	assert_string_equal(ev->board, "pi4-01");
	assert_int_equal(rpc_server_n_mounts(f->srv), 1);
}

static void mkdir_call(struct fx *f, struct rec *r, uint32_t xid, const char *name)
{
	rec_call(r, xid, 2, RPC_PROG_NFS, 3, NFS3_MKDIR, 1);
	rec_opaque(r, f->root.data, f->root.len);
	rec_string(r, name);
	for (int i = 0; i < 6; i++)
		rec_u32(r, 0); /* sattr3: nothing set */
}

static bool exists(struct fx *f, const char *name)
{
	char p[160];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return stat(p, &st) == 0;
}

static void test_rpc_mismatch(void **state)
{
	(void)state;
	struct fx f;
	fx_start(&f, NULL, 0);
	struct rec r;
	rec_call(&r, 7, 3, RPC_PROG_NFS, 3, 0, 1);
	struct rpc_result res;
	handle(&f, &r, &res);
	assert_int_equal(res.verdict, RPC_VERDICT_SEND);
	assert_int_equal(res.len, 24);
	assert_int_equal(word(&res, 0), 7);
	assert_int_equal(word(&res, 2), 1); /* MSG_DENIED */
	assert_int_equal(word(&res, 3), 0); /* RPC_MISMATCH */
	assert_int_equal(word(&res, 4), 2);
	assert_int_equal(word(&res, 5), 2);
	free(res.reply);
	fx_stop(&f);
}

static void test_auth_errors(void **state)
{
	(void)state;
	struct fx f;
	fx_start(&f, NULL, 0);
	struct rec r;
	struct rpc_result res;
	/* Flavor 6 (RPCSEC_GSS): too weak for us. */
	rec_call(&r, 8, 2, RPC_PROG_NFS, 3, 0, 6);
	handle(&f, &r, &res);
	assert_int_equal(word(&res, 2), 1);
	assert_int_equal(word(&res, 3), 1); /* AUTH_ERROR */
	assert_int_equal(word(&res, 4), RPC_AUTH_TOOWEAK);
	free(res.reply);
	/* AUTH_SYS whose body length disagrees with its fields. */
	rec_call(&r, 9, 2, RPC_PROG_NFS, 3, 0, 1);
	xdr_put_be32(r.b + 28, 28);
	handle(&f, &r, &res);
	assert_int_equal(word(&res, 2), 1);
	assert_int_equal(word(&res, 3), 1);
	assert_int_equal(word(&res, 4), RPC_AUTH_BADCRED);
	free(res.reply);
	/* AUTH_NONE is served (as nobody). */
	rec_call(&r, 10, 2, RPC_PROG_NFS, 3, 0, 0);
	handle(&f, &r, &res);
	assert_int_equal(accept_stat(&res), RPC_ACCEPT_SUCCESS);
	free(res.reply);
	fx_stop(&f);
}

static void test_programs(void **state)
{
	(void)state;
	struct fx f;
	fx_start(&f, NULL, 0);
	struct rec r;
	struct rpc_result res;
	const uint32_t unavail[] = { RPC_PROG_NFSACL, 0x20000002 };
	for (size_t i = 0; i < 2; i++) {
		rec_call(&r, 20, 2, unavail[i], 3, 0, 1);
		handle(&f, &r, &res);
		assert_int_equal(accept_stat(&res), RPC_ACCEPT_PROG_UNAVAIL);
		free(res.reply);
		assert_string_equal(event_get(last_event(&f, "rpc.call"), "status"), "PROG_UNAVAIL");
	}
	const uint32_t bad_vers[] = { 2, 4 };
	for (size_t i = 0; i < 2; i++) {
		rec_call(&r, 21, 2, RPC_PROG_NFS, bad_vers[i], 0, 1);
		handle(&f, &r, &res);
		assert_int_equal(accept_stat(&res), RPC_ACCEPT_PROG_MISMATCH);
		assert_int_equal(word(&res, 6), 3);
		assert_int_equal(word(&res, 7), 3);
		free(res.reply);
	}
	rec_call(&r, 22, 2, RPC_PROG_NFS, 3, 99, 1);
	handle(&f, &r, &res);
	assert_int_equal(accept_stat(&res), RPC_ACCEPT_PROC_UNAVAIL);
	free(res.reply);
	/* MNT whose dirpath is cut short. */
	rec_call(&r, 23, 2, RPC_PROG_MOUNT, 3, MNT3_MNT, 1);
	rec_u32(&r, 100);
	handle(&f, &r, &res);
	assert_int_equal(accept_stat(&res), RPC_ACCEPT_GARBAGE_ARGS);
	free(res.reply);
	/* Not a call at all: nothing to send, an rpc.garbage event. */
	uint8_t junk[6] = { 1, 2, 3, 4, 5, 6 };
	assert_int_equal(rpc_server_handle(f.srv, junk, sizeof(junk), &peer_tcp, 1.0, &res), 0);
	assert_int_equal(res.verdict, RPC_VERDICT_NONE);
	assert_null(res.reply);
	const struct event *ev = last_event(&f, "rpc.garbage");
	assert_non_null(ev);
	assert_string_equal(event_get(ev, "ip"), "127.0.0.1");
	assert_string_equal(event_get(ev, "len"), "6");
	fx_stop(&f);
}

static void test_drc_replays_mkdir(void **state)
{
	(void)state;
	struct fx f;
	fx_start(&f, NULL, 0);
	mount_root(&f);
	struct rec r;
	struct rpc_result a, b, c;
	mkdir_call(&f, &r, 100, "d");
	handle(&f, &r, &a);
	assert_int_equal(accept_stat(&a), 0);
	assert_int_equal(word(&a, 6), NFS3_OK);
	assert_true(exists(&f, "d"));
	const struct event *ev = last_event(&f, "rpc.call");
	assert_string_equal(event_get(ev, "prog"), "nfs");
	assert_string_equal(event_get(ev, "vers"), "3");
	assert_string_equal(event_get(ev, "proc"), "MKDIR");
	assert_string_equal(event_get(ev, "xid"), "0x00000064");
	assert_string_equal(event_get(ev, "transport"), "tcp");
	assert_string_equal(event_get(ev, "status"), "NFS3_OK");
	assert_non_null(strstr(event_get(ev, "path"), "d"));
	assert_non_null(event_get(ev, "latency"));
	assert_null(event_get(ev, "drc"));
	/* The retransmit: same bytes, not executed (it would say EXIST). */
	handle(&f, &r, &b);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.reply, a.reply, a.len);
	assert_string_equal(event_get(last_event(&f, "rpc.call"), "drc"), "replay");
	/* Another xid executes. */
	mkdir_call(&f, &r, 101, "d");
	handle(&f, &r, &c);
	assert_int_equal(word(&c, 6), NFS3ERR_EXIST);
	free(a.reply);
	free(b.reply);
	free(c.reply);
	fx_stop(&f);
}

static struct fault_rule rule(const char *on, enum fault_action a)
{
	struct fault_rule r = { .action = a, .probability = 1 };
	strcpy(r.server, "nfs");
	snprintf(r.on, sizeof(r.on), "%s", on);
	return r;
}

static void test_delay_in_progress(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule("mkdir", FAULT_DELAY) };
	rules[0].delay_s = 5;
	struct fx f;
	fx_start(&f, rules, 1);
	mount_root(&f);
	struct rec r;
	struct rpc_result a, b, c;
	mkdir_call(&f, &r, 200, "slow");
	handle(&f, &r, &a);
	assert_int_equal(a.verdict, RPC_VERDICT_SEND);
	assert_true(a.delay_s > 0.49 && a.delay_s < 0.51); /* 5 board s at scale 10 */
	assert_int_not_equal(a.token, 0);
	assert_string_equal(event_get(last_event(&f, "rpc.call"), "fault"), "delay");
	/* A duplicate while the reply waits: dropped. */
	handle(&f, &r, &b);
	assert_int_equal(b.verdict, RPC_VERDICT_NONE);
	assert_null(b.reply);
	assert_string_equal(event_get(last_event(&f, "rpc.call"), "drc"), "in-progress");
	rpc_server_sent(f.srv, a.token);
	/* Once sent, the cache replays it. */
	handle(&f, &r, &c);
	assert_int_equal(c.verdict, RPC_VERDICT_SEND);
	assert_int_equal(c.len, a.len);
	assert_memory_equal(c.reply, a.reply, a.len);
	free(a.reply);
	free(c.reply);
	fx_stop(&f);
}

static void test_drop_and_drop_reply(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule("mkdir", FAULT_DROP), rule("mkdir", FAULT_DROP_REPLY) };
	rules[0].count = 1;
	rules[1].count = 1;
	struct fx f;
	fx_start(&f, rules, 2);
	mount_root(&f);
	struct rec r;
	struct rpc_result res;
	mkdir_call(&f, &r, 300, "x");
	handle(&f, &r, &res);
	assert_int_equal(res.verdict, RPC_VERDICT_NONE);
	assert_false(exists(&f, "x")); /* drop: never executed */
	handle(&f, &r, &res);             /* drop-reply: executed, lost */
	assert_int_equal(res.verdict, RPC_VERDICT_NONE);
	assert_true(exists(&f, "x"));
	assert_string_equal(event_get(last_event(&f, "rpc.call"), "fault"), "drop-reply");
	handle(&f, &r, &res);             /* the retransmit: from the cache, OK */
	assert_int_equal(accept_stat(&res), 0);
	assert_int_equal(word(&res, 6), NFS3_OK);
	assert_string_equal(event_get(last_event(&f, "rpc.call"), "drc"), "replay");
	free(res.reply);
	assert_int_equal(count_events(&f, "fault.applied"), 2);
	fx_stop(&f);
}

static void test_error_truncate(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule("mnt", FAULT_ERROR), rule("read", FAULT_TRUNCATE),
				      rule("getattr", FAULT_ERROR) };
	rules[0].code = MNT3ERR_ACCES;
	rules[0].count = 1;
	rules[1].bytes = 10;
	rules[2].code = NFS3ERR_IO;
	rules[2].after = 1;
	rules[2].count = 1;
	struct fx f;
	fx_start(&f, rules, 3);
	struct rec r;
	struct rpc_result res;
	rec_call(&r, 400, 2, RPC_PROG_MOUNT, 3, MNT3_MNT, 1);
	rec_string(&r, "/export");
	handle(&f, &r, &res);
	assert_int_equal(accept_stat(&res), 0);
	assert_int_equal(word(&res, 6), MNT3ERR_ACCES);
	free(res.reply);
	assert_string_equal(event_get(last_event(&f, "nfs.mount"), "status"), "MNT3ERR_ACCES");
	assert_int_equal(rpc_server_n_mounts(f.srv), 0);
	mount_root(&f);
	/* LOOKUP file, then READ it: 10 bytes only. */
	rec_call(&r, 401, 2, RPC_PROG_NFS, 3, NFS3_LOOKUP, 1);
	rec_opaque(&r, f.root.data, f.root.len);
	rec_string(&r, "file");
	handle(&f, &r, &res);
	assert_int_equal(word(&res, 6), NFS3_OK);
	struct nfs_fh fh = { .len = word(&res, 7) };
	memcpy(fh.data, res.reply + 32, fh.len);
	free(res.reply);
	rec_call(&r, 402, 2, RPC_PROG_NFS, 3, NFS3_READ, 1);
	rec_opaque(&r, fh.data, fh.len);
	rec_u64(&r, 0);
	rec_u32(&r, 4096);
	handle(&f, &r, &res);
	assert_int_equal(word(&res, 6), NFS3_OK);
	assert_int_equal(word(&res, 7), 1);        /* post_op_attr present */
	assert_int_equal(word(&res, 8 + 21), 10);  /* count after the 84-byte fattr3 */
	free(res.reply);
	const struct event *ev = last_event(&f, "rpc.call");
	assert_string_equal(event_get(ev, "bytes"), "10");
	assert_string_equal(event_get(ev, "fault"), "truncate");
	/* GETATTR: the first passes (after 1), the second fails with IO, the third passes. */
	uint32_t want[] = { NFS3_OK, NFS3ERR_IO, NFS3_OK };
	for (int i = 0; i < 3; i++) {
		rec_call(&r, 410 + (uint32_t)i, 2, RPC_PROG_NFS, 3, NFS3_GETATTR, 1);
		rec_opaque(&r, f.root.data, f.root.len);
		handle(&f, &r, &res);
		assert_int_equal(word(&res, 6), want[i]);
		free(res.reply);
	}
	assert_string_equal(event_get(last_event(&f, "fault.applied"), "on"), "getattr");
	fx_stop(&f);
}

static void test_stall_close(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule("getport", FAULT_STALL), rule("null", FAULT_CLOSE),
				      rule("getport", FAULT_STALL) };
	rules[0].delay_s = 20;
	rules[0].count = 1;
	rules[1].count = 1;
	rules[2].count = 1;
	struct fx f;
	fx_start(&f, rules, 3);
	struct rec r;
	struct rpc_result res;
	rec_call(&r, 500, 2, RPC_PROG_PMAP, 2, PMAP_GETPORT, 1);
	rec_u32(&r, RPC_PROG_NFS);
	rec_u32(&r, 3);
	rec_u32(&r, 6);
	rec_u32(&r, 0);
	handle(&f, &r, &res);
	assert_int_equal(res.verdict, RPC_VERDICT_STALL);
	assert_true(res.stall_s > 1.99 && res.stall_s < 2.01);
	handle(&f, &r, &res);
	assert_int_equal(res.verdict, RPC_VERDICT_STALL);
	assert_true(res.stall_s == 0); /* for good */
	handle(&f, &r, &res);               /* rules used up: an answer */
	assert_int_equal(accept_stat(&res), 0);
	free(res.reply);
	rec_call(&r, 501, 2, RPC_PROG_NFS, 3, NFS3_NULL, 1);
	handle(&f, &r, &res);
	assert_int_equal(res.verdict, RPC_VERDICT_CLOSE);
	assert_string_equal(event_get(last_event(&f, "rpc.call"), "fault"), "close");
	handle(&f, &r, &res);
	assert_int_equal(accept_stat(&res), 0);
	free(res.reply);
	fx_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpc_mismatch),
		cmocka_unit_test(test_auth_errors),
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_drc_replays_mkdir),
		cmocka_unit_test(test_delay_in_progress),
		cmocka_unit_test(test_drop_and_drop_reply),
		cmocka_unit_test(test_error_truncate),
		cmocka_unit_test(test_stall_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
