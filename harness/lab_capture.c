/*
 * lab_capture.c - per-board pcapng files from one live capture (lab_capture.h).
 */
#include "harness/lab_capture.h"

#include <errno.h>
#include <event2/event.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/capture_filter.h"
#include "reports/pcapng.h"

/* The kernel's share of the capture: a burst of every board's TFTP
 * transfers must fit while the loop serves them. */
#define CAPTURE_BUFFER_BYTES (16 * 1024 * 1024)
/* Bound on draining at close: the loop is not held longer than this. */
#define DRAIN_ROUNDS_MAX 64
#define FILE_BUFFER_BYTES (64 * 1024)
#define NEVER UINT64_MAX

struct capture_board {
	char name[64];
	uint8_t mac[6];
	uint32_t ip;           /* network order; learnt from its frames */
	FILE *out;             /* NULL: not begun, or closed */
	uint64_t from_ns, until_ns; /* its run, on the kernel's clock */
	long frames;
	int error;             /* first write error (-errno) */
};

struct lab_capture {
	pcap_t *pcap;
	struct event *ev;
	char iface[64];
	bool nano;             /* stamps in ns (else us) */
	struct capture_board *boards;
	size_t n_boards, cap_boards;
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct lab_capture *c = (struct lab_capture *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u +
		      (uint64_t)h->ts.tv_usec * (c->nano ? 1u : 1000u);
	for (size_t i = 0; i < c->n_boards; i++) {
		struct capture_board *b = &c->boards[i];
		if (!b->out || ts < b->from_ns || ts > b->until_ns ||
		    !capture_frame_is_boards(bytes, h->caplen, b->mac, b->ip))
			continue;
		uint32_t ip = capture_frame_board_ip(bytes, h->caplen, b->mac);
		if (ip)
			b->ip = ip;
		int rc = pcapng_write_packet(b->out, ts, bytes, h->caplen, h->len);
		if (rc && !b->error)
			b->error = rc;
		b->frames += rc == 0;
	}
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct lab_capture *c = arg;
	if (pcap_dispatch(c->pcap, -1, on_frame, (u_char *)c) == PCAP_ERROR) {
		/* the interface went away: say so once, the run goes on without */
		fprintf(stderr, "pitest: capture on %s stopped: %s\n", c->iface, pcap_geterr(c->pcap));
		event_del(c->ev);
	}
}

struct lab_capture *lab_capture_open(struct event_base *base, const char *iface, char *err,
				     size_t errcap)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct lab_capture *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	snprintf(c->iface, sizeof(c->iface), "%s", iface);
	c->pcap = pcap_create(iface, errbuf);
	if (!c->pcap) {
		snprintf(err, errcap, "cannot capture on %s: %s", iface, errbuf);
		goto fail;
	}
	pcap_set_snaplen(c->pcap, LAB_CAPTURE_SNAPLEN);
	pcap_set_promisc(c->pcap, 0); /* the servers' traffic is the interface's own */
	pcap_set_immediate_mode(c->pcap, 1); /* a run's last frames are readable at its end */
	pcap_set_buffer_size(c->pcap, CAPTURE_BUFFER_BYTES);
	c->nano = pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;
	int r = pcap_activate(c->pcap);
	if (r < 0) {
		snprintf(err, errcap, "cannot capture on %s: %s%s", iface, pcap_geterr(c->pcap),
			 r == PCAP_ERROR_PERM_DENIED ? " (needs root or CAP_NET_RAW)" : "");
		goto fail;
	}
	int link = pcap_datalink(c->pcap);
	if (link != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(link);
		snprintf(err, errcap, "cannot capture on %s: not an Ethernet interface (%s)", iface,
			 name ? name : "unknown");
		goto fail;
	}
	c->nano = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	if (pcap_setnonblock(c->pcap, 1, errbuf) < 0 || pcap_get_selectable_fd(c->pcap) < 0) {
		snprintf(err, errcap, "cannot capture on %s without blocking: %s", iface, errbuf);
		goto fail;
	}
	c->ev = event_new(base, pcap_get_selectable_fd(c->pcap), EV_READ | EV_PERSIST, on_readable, c);
	if (!c->ev || event_add(c->ev, NULL) != 0) {
		snprintf(err, errcap, "out of memory");
		goto fail;
	}
	return c;
fail:
	lab_capture_free(c);
	return NULL;
}

void lab_capture_free(struct lab_capture *c)
{
	if (!c)
		return;
	/* A capture that missed frames misleads whoever reads it: say so. */
	struct pcap_stat st;
	if (c->pcap && pcap_stats(c->pcap, &st) == 0 && (st.ps_drop || st.ps_ifdrop))
		fprintf(stderr, "pitest: the packet capture on %s missed %u frames (pitest fell "
			"behind reading them): the runs' capture.pcapng files may lack some\n",
			c->iface, st.ps_drop + st.ps_ifdrop);
	for (size_t i = 0; i < c->n_boards; i++)
		if (c->boards[i].out)
			fclose(c->boards[i].out);
	free(c->boards);
	if (c->ev)
		event_free(c->ev);
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
}

static struct capture_board *find(struct lab_capture *c, const char *board)
{
	for (size_t i = 0; i < c->n_boards; i++)
		if (strcmp(c->boards[i].name, board) == 0)
			return &c->boards[i];
	return NULL;
}

int lab_capture_begin(struct lab_capture *c, const char *board, const uint8_t mac[6],
		      uint32_t ip, const char *path, char *err, size_t errcap)
{
	struct capture_board *b = find(c, board);
	if (!b) {
		if (c->n_boards == c->cap_boards) {
			size_t cap = c->cap_boards ? c->cap_boards * 2 : 16;
			struct capture_board *grown = realloc(c->boards, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			c->boards = grown;
			c->cap_boards = cap;
		}
		b = &c->boards[c->n_boards++];
		memset(b, 0, sizeof(*b));
		snprintf(b->name, sizeof(b->name), "%s", board);
	} else if (b->out) {
		fclose(b->out); /* a run that was never closed: its file ends here */
		b->out = NULL;
	}
	memcpy(b->mac, mac, 6);
	b->ip = ip;
	b->frames = 0;
	b->error = 0;
	b->out = fopen(path, "we");
	if (!b->out) {
		int e = errno;
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	setvbuf(b->out, NULL, _IOFBF, FILE_BUFFER_BYTES);
	if (pcapng_write_header(b->out, "pitest " PITEST_VERSION, c->iface, LAB_CAPTURE_SNAPLEN) != 0)
		b->error = -EIO;
	/* frames the kernel holds from before now are another run's */
	b->from_ns = realtime_ns();
	b->until_ns = NEVER;
	return 0;
}

void lab_capture_end(struct lab_capture *c, const char *board)
{
	struct capture_board *b = c ? find(c, board) : NULL;
	if (b && b->out && b->until_ns == NEVER)
		b->until_ns = realtime_ns();
}

long lab_capture_close(struct lab_capture *c, const char *board, char *err, size_t errcap)
{
	struct capture_board *b = find(c, board);
	if (!b || !b->out)
		return -ENOENT;
	lab_capture_end(c, board);
	for (int i = 0; i < DRAIN_ROUNDS_MAX; i++)
		if (pcap_dispatch(c->pcap, -1, on_frame, (u_char *)c) <= 0)
			break;
	int rc = b->error;
	if (fclose(b->out) != 0 && !rc)
		rc = -errno;
	b->out = NULL;
	if (rc) {
		snprintf(err, errcap, "%s", strerror(-rc));
		return rc;
	}
	return b->frames;
}
