/*
 * test_rpc_glue_faults.c - rpc_glue on a real libevent loop over loopback
 * (port 0, no portmapper): a reply delayed by a fault comes late, a
 * "close" fault closes the connection, "stall" silences it for a while or
 * for good (and the peer leaving still frees it), a record over the size
 * cap closes it, and UDP answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/nfs3_const.h"
#include "servers/nfs_fs.h"
#include "servers/rpc_glue.h"
#include "servers/rpc_server.h"
#include "tests/rpc_server/rpc_test_util.h"

struct gfx {
	char dir[64];
	struct nfs_fs *fs;
	struct fault_engine *faults;
	struct rpc_server *srv;
	struct event_base *base;
	struct rpc_glue *glue;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void gfx_start(struct gfx *g, const struct fault_rule *rules, size_t n)
{
	memset(g, 0, sizeof(*g));
	strcpy(g->dir, "/tmp/rpcglue-XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	static struct nfs_export_config x;
	strcpy(x.name, "/export");
	snprintf(x.dir, sizeof(x.dir), "%s", g->dir);
	struct nfs_fs_config fc = { .exports = &x, .n_exports = 1 };
	char err[256];
	assert_int_equal(nfs_fs_new(&fc, &g->fs, err, sizeof(err)), 0);
	if (n)
		assert_non_null(g->faults = fault_engine_new(rules, n, NULL));
	struct rpc_server_config sc = { .fs = g->fs, .time_scale = 10 };
	assert_int_equal(rpc_server_new(&sc, NULL, g->faults, &g->srv), 0);
	assert_non_null(g->base = event_base_new());
	struct rpc_glue_config gc = { .nfs_port = 0, .no_pmap = 1 };
	inet_pton(AF_INET, "127.0.0.1", &gc.bind_ip);
	assert_int_equal(rpc_glue_new(g->base, g->srv, NULL, &gc, &g->glue, err, sizeof(err)), 0);
	assert_int_not_equal(rpc_glue_nfs_port(g->glue), 0);
}

static void gfx_stop(struct gfx *g)
{
	rpc_glue_free(g->glue);
	event_base_free(g->base);
	rpc_server_free(g->srv);
	fault_engine_free(g->faults);
	nfs_fs_free(g->fs);
	rmdir(g->dir);
}

static int connect_to(struct gfx *g, int type)
{
	int fd = socket(AF_INET, type, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(rpc_glue_nfs_port(g->glue)),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Runs the loop until fd is readable or `secs` pass; true when readable. */
static bool pump(struct gfx *g, int fd, double secs)
{
	double end = mono() + secs;
	while (mono() < end) {
		event_base_loop(g->base, EVLOOP_NONBLOCK);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5) > 0)
			return true;
	}
	return false;
}

/* Runs the loop until the glue holds no connection (bounded). */
static void settle(struct gfx *g)
{
	for (int i = 0; i < 200 && rpc_glue_n_connections(g->glue) > 0; i++) {
		event_base_loop(g->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

static void send_null(int fd, uint32_t xid, bool tcp)
{
	struct rec r;
	rec_call(&r, xid, 2, RPC_PROG_NFS, 3, NFS3_NULL, 1);
	uint8_t buf[sizeof(r.b) + 4];
	size_t off = 0;
	if (tcp) {
		xdr_put_be32(buf, 0x80000000u | (uint32_t)r.n);
		off = 4;
	}
	memcpy(buf + off, r.b, r.n);
	assert_int_equal(send(fd, buf, off + r.n, 0), (ssize_t)(off + r.n));
}

/* Reads one TCP reply; returns its xid. */
static uint32_t recv_reply(int fd)
{
	uint8_t buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 28); /* mark + 24-byte accepted SUCCESS header */
	assert_int_equal(xdr_get_be32(buf), 0x80000000u | 24);
	assert_int_equal(xdr_get_be32(buf + 4 + 20), 0);
	return xdr_get_be32(buf + 4);
}

static struct fault_rule rule(enum fault_action a, double delay_s)
{
	struct fault_rule r = { .action = a, .probability = 1, .count = 1, .delay_s = delay_s };
	strcpy(r.server, "nfs");
	strcpy(r.on, "null");
	return r;
}

static void test_delay(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule(FAULT_DELAY, 2) }; /* 0.2 s at scale 10 */
	struct gfx g;
	gfx_start(&g, rules, 1);
	int fd = connect_to(&g, SOCK_STREAM);
	double t0 = mono();
	send_null(fd, 1, true);
	assert_false(pump(&g, fd, 0.1));
	assert_true(pump(&g, fd, 2));
	assert_true(mono() - t0 >= 0.19);
	assert_int_equal(recv_reply(fd), 1);
	send_null(fd, 2, true); /* rule used up: at once */
	assert_true(pump(&g, fd, 1));
	assert_int_equal(recv_reply(fd), 2);
	close(fd);
	gfx_stop(&g);
}

static void test_delay_then_close_frees(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule(FAULT_DELAY, 100) };
	struct gfx g;
	gfx_start(&g, rules, 1);
	int fd = connect_to(&g, SOCK_STREAM);
	send_null(fd, 1, true);
	pump(&g, fd, 0.1);
	assert_int_equal(rpc_glue_n_connections(g.glue), 1);
	close(fd);
	settle(&g);
	assert_int_equal(rpc_glue_n_connections(g.glue), 0); /* the delayed reply went with it */
	gfx_stop(&g);
}

static void test_close(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule(FAULT_CLOSE, 0) };
	struct gfx g;
	gfx_start(&g, rules, 1);
	int fd = connect_to(&g, SOCK_STREAM);
	send_null(fd, 1, true);
	assert_true(pump(&g, fd, 2));
	uint8_t b[8];
	assert_int_equal(recv(fd, b, sizeof(b), 0), 0);
	assert_int_equal(rpc_glue_n_connections(g.glue), 0);
	close(fd);
	gfx_stop(&g);
}

static void test_stall(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule(FAULT_STALL, 3) }; /* 0.3 s */
	struct gfx g;
	gfx_start(&g, rules, 1);
	int fd = connect_to(&g, SOCK_STREAM);
	send_null(fd, 1, true);  /* swallowed */
	send_null(fd, 2, true);  /* waits out the stall */
	double t0 = mono();
	assert_false(pump(&g, fd, 0.15));
	assert_true(pump(&g, fd, 2));
	assert_true(mono() - t0 >= 0.25);
	assert_int_equal(recv_reply(fd), 2);
	close(fd);
	gfx_stop(&g);
}

static void test_stall_for_good(void **state)
{
	(void)state;
	struct fault_rule rules[] = { rule(FAULT_STALL, 0) };
	struct gfx g;
	gfx_start(&g, rules, 1);
	int fd = connect_to(&g, SOCK_STREAM);
	send_null(fd, 1, true);
	send_null(fd, 2, true);
	assert_false(pump(&g, fd, 0.3));
	assert_int_equal(rpc_glue_n_connections(g.glue), 1);
	close(fd);
	settle(&g);
	assert_int_equal(rpc_glue_n_connections(g.glue), 0);
	gfx_stop(&g);
}

static void test_oversized_record_closes(void **state)
{
	(void)state;
	struct gfx g;
	gfx_start(&g, NULL, 0);
	int fd = connect_to(&g, SOCK_STREAM);
	uint8_t mark[4];
	xdr_put_be32(mark, 0x80000000u | (RPC_RM_MAX_RECORD + 1));
	assert_int_equal(send(fd, mark, 4, 0), 4);
	assert_true(pump(&g, fd, 2));
	uint8_t b[8];
	assert_true(recv(fd, b, sizeof(b), 0) <= 0);
	close(fd);
	gfx_stop(&g);
}

static void test_udp(void **state)
{
	(void)state;
	struct gfx g;
	gfx_start(&g, NULL, 0);
	int fd = connect_to(&g, SOCK_DGRAM);
	send_null(fd, 77, false);
	assert_true(pump(&g, fd, 2));
	uint8_t b[64];
	assert_int_equal(recv(fd, b, sizeof(b), 0), 24);
	assert_int_equal(xdr_get_be32(b), 77);
	close(fd);
	gfx_stop(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_delay_then_close_frees),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_stall_for_good),
		cmocka_unit_test(test_oversized_record_closes),
		cmocka_unit_test(test_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
