/*
 * test_tftp_glue.c - the engine on a real libevent loop over loopback:
 * 32 concurrent clients (lock-step and windowed) on one loop, each getting
 * the file byte for byte from its own server TID, then tftp_glue_free()
 * with a transfer still running: the client hears ERROR 0 and every
 * transfer is freed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness/timeline.h"
#include "servers/tftp_glue.h"
#include "servers/tftp_server.h"

#define N_CLIENTS 32
#define FILE_SIZE (100 * 1024 + 17)

static char top[64];
static uint8_t content[FILE_SIZE];

struct client {
	int fd;
	struct event *ev;
	uint16_t window;
	uint16_t expect;
	unsigned since_ack;
	size_t got;
	uint8_t *buf;
	bool done;
	bool error;
	uint16_t error_code;
	struct sockaddr_in server; /* the transfer's TID once known */
	bool have_tid;
};

static struct event_base *base;
static size_t n_done;

static void send_ack(struct client *c, uint16_t block)
{
	uint8_t a[4] = { 0, 4, (uint8_t)(block >> 8), (uint8_t)block };
	sendto(c->fd, a, 4, 0, (struct sockaddr *)&c->server, sizeof(c->server));
}

static void on_client(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct client *c = arg;
	uint8_t pkt[2048];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
	if (n < 4 || c->done)
		return;
	if (!c->have_tid) {
		c->server = from; /* RFC 1350: the reply's source port is the TID */
		c->have_tid = true;
	}
	uint16_t op = (uint16_t)(pkt[0] << 8 | pkt[1]);
	uint16_t block = (uint16_t)(pkt[2] << 8 | pkt[3]);
	if (op == TFTP_OACK) {
		send_ack(c, 0);
		return;
	}
	if (op == TFTP_ERROR) {
		c->error = true;
		c->error_code = block;
		c->done = true;
		n_done++;
		return;
	}
	if (op != TFTP_DATA)
		return;
	if (block != c->expect) {
		/* RFC 7440: ACK the last block received in order, start again */
		send_ack(c, (uint16_t)(c->expect - 1));
		c->since_ack = 0;
		return;
	}
	size_t len = (size_t)n - 4;
	if (c->got + len > FILE_SIZE)
		fail_msg("too much data");
	memcpy(c->buf + c->got, pkt + 4, len);
	c->got += len;
	c->expect++;
	if (len < 512) {
		send_ack(c, block);
		c->done = true;
		n_done++;
	} else if (++c->since_ack == c->window) {
		send_ack(c, block);
		c->since_ack = 0;
	}
	if (n_done == N_CLIENTS)
		event_base_loopbreak(base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

static void client_start(struct client *c, uint16_t port, uint16_t window)
{
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	c->window = window;
	c->expect = 1;
	c->buf = malloc(FILE_SIZE);
	assert_non_null(c->buf);
	c->server = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &c->server.sin_addr);
	c->ev = event_new(base, c->fd, EV_READ | EV_PERSIST, on_client, c);
	event_add(c->ev, NULL);
	uint8_t rrq[128];
	struct tftp_option opt = { .name = "windowsize" };
	snprintf(opt.value, sizeof(opt.value), "%u", window);
	int n = tftp_wire_build_rrq(rrq, sizeof(rrq), "file.bin", "octet", &opt, window > 1);
	assert_true(n > 0);
	assert_int_equal(sendto(c->fd, rrq, (size_t)n, 0, (struct sockaddr *)&c->server,
				sizeof(c->server)),
			 n);
}

static void client_free(struct client *c)
{
	event_free(c->ev);
	close(c->fd);
	free(c->buf);
}

static size_t count(struct timeline *tl, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < timeline_count(tl); i++)
		if (strcmp(timeline_get(tl, i)->name, name) == 0)
			n++;
	return n;
}

static void run_for(double s)
{
	struct event *t = evtimer_new(base, on_deadline, NULL);
	struct timeval tv = { (time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6) };
	evtimer_add(t, &tv);
	event_base_dispatch(base);
	event_free(t);
}

static void test_concurrent_and_shutdown(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/pitest-tftp-glue-XXXXXX");
	assert_non_null(mkdtemp(top));
	for (size_t i = 0; i < FILE_SIZE; i++)
		content[i] = (uint8_t)(i * 31 + (i >> 8));
	char path[128];
	snprintf(path, sizeof(path), "%s/file.bin", top);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, FILE_SIZE, f), FILE_SIZE);
	fclose(f);

	base = event_base_new();
	struct timeline *tl = timeline_new();
	struct tftp_server_config cfg = { .time_scale = 1.0 };
	snprintf(cfg.root, sizeof(cfg.root), "%s", top);
	struct tftp_server *srv = NULL;
	assert_int_equal(tftp_server_new(&cfg, tl, NULL, &srv), 0);
	struct tftp_glue *g = NULL;
	uint32_t lo = htonl(INADDR_LOOPBACK);
	assert_int_equal(tftp_glue_new(base, srv, lo, 0, &g), 0);
	uint16_t port = tftp_glue_port(g);
	assert_true(port != 0);

	static struct client clients[N_CLIENTS];
	for (size_t i = 0; i < N_CLIENTS; i++)
		client_start(&clients[i], port, i % 2 ? 8 : 1);
	run_for(20);
	assert_int_equal(n_done, N_CLIENTS);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		assert_false(clients[i].error);
		assert_int_equal(clients[i].got, FILE_SIZE);
		assert_memory_equal(clients[i].buf, content, FILE_SIZE);
		assert_int_not_equal(ntohs(clients[i].server.sin_port), port); /* own TID */
	}
	/* the last ACKs reach the server on the next loop turns */
	for (int i = 0; i < 50 && tftp_glue_n_active(g) > 0; i++)
		run_for(0.01);
	assert_int_equal(count(tl, "tftp.done"), N_CLIENTS);
	assert_int_equal(tftp_glue_n_active(g), 0);
	for (size_t i = 0; i < N_CLIENTS; i++)
		client_free(&clients[i]);

	/* A transfer left running is aborted by tftp_glue_free(). */
	n_done = N_CLIENTS - 1;
	struct client *c = &clients[0];
	client_start(c, port, 1);
	c->window = 1000; /* never ACK: the transfer stays at block 1 */
	run_for(0.2);
	assert_int_equal(tftp_glue_n_active(g), 1);
	tftp_glue_free(g);
	assert_int_equal(tftp_server_n_transfers(srv), 0);
	run_for(0.2);
	assert_true(c->error);
	assert_int_equal(c->error_code, 0);
	assert_int_equal(count(tl, "tftp.error"), 1);
	client_free(c);
	tftp_server_free(srv);
	timeline_free(tl);
	event_base_free(base);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_and_shutdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
