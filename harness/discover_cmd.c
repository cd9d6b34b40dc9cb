/*
 * discover_cmd.c - `pitest discover`: a libpcap capture of DHCP on one
 * interface, read on the libevent loop (pcap_get_selectable_fd) like every
 * other socket of the project. Passive: libpcap only reads here, so no
 * board ever gets an answer from us. Each Raspberry Pi seen is printed
 * when first seen and again when a later packet tells more (discover.h);
 * at the end (--timeout, Ctrl-C, SIGTERM) every board's lab-file stanza
 * is printed once.
 */
#include "harness/discover_cmd.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/discover.h"

static const char discover_usage[] =
	"usage: pitest discover --iface IF [--timeout SECONDS] [-q]\n"
	"Listens on IF for Raspberry Pi netboot DHCP requests without answering them,\n"
	"prints each board seen (MAC, model guess, serial where the packet carries it)\n"
	"and, at the end, a lab-file stanza per board for the boards: list.\n"
	"  --iface IF         interface to listen on (needs root or CAP_NET_RAW)\n"
	"  --timeout SECONDS  stop after this long (default: at Ctrl-C)\n"
	"  -q, --quiet        print only the stanzas\n"
	"A '?' after a model marks a guess: the 3B+ ROM and bootcode.bin (pi2, and the\n"
	"second stage of a 3B/3B+) send the same DISCOVER; the 3B ROM sends no serial.\n"
	"exit status: 0 done, 1 cannot capture on IF, 2 usage error\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest discover: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", discover_usage);
	return 2;
}

struct discover_run {
	struct event_base *base;
	pcap_t *pcap;
	bool sll;        /* Linux cooked frames ("any") rather than Ethernet */
	bool quiet;
	int status;
	struct discover_table table;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct discover_run *d = (struct discover_run *)user;
	const uint8_t *payload;
	size_t len;
	static struct dhcp_msg msg; /* large; one capture at a time */
	struct discover_board seen;
	if (!discover_frame_payload(bytes, h->caplen, d->sll, &payload, &len) ||
	    dhcp_wire_parse(payload, len, &msg) < 0 || !discover_classify(&msg, &seen))
		return;
	enum discover_change change;
	int i = discover_table_add(&d->table, &seen, &change);
	if (i < 0) {
		static bool warned;
		if (!warned)
			fprintf(stderr, "pitest discover: more than %d boards; later ones are not listed\n",
				DISCOVER_MAX_BOARDS);
		warned = true;
		return;
	}
	if (change == DISCOVER_SAME || d->quiet)
		return;
	char line[256];
	discover_format_line(&d->table.boards[i], line, sizeof(line));
	printf("%-7s %s\n", change == DISCOVER_NEW ? "seen" : "update", line);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct discover_run *d = arg;
	if (pcap_dispatch(d->pcap, -1, on_frame, (u_char *)d) == PCAP_ERROR) {
		fprintf(stderr, "pitest discover: capture failed: %s\n", pcap_geterr(d->pcap));
		d->status = 1;
		event_base_loopbreak(d->base);
	}
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct discover_run *)arg)->base);
}

/* One line for the usual reasons a capture cannot start. */
static int open_capture(struct discover_run *d, const char *iface)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	d->pcap = pcap_create(iface, errbuf);
	if (!d->pcap) {
		fprintf(stderr, "pitest discover: cannot capture on %s: %s\n", iface, errbuf);
		return -1;
	}
	/* immediate: each DISCOVER is handed over as it arrives, not in batches */
	pcap_set_snaplen(d->pcap, 2048);
	pcap_set_promisc(d->pcap, 0); /* the requests are broadcast */
	pcap_set_immediate_mode(d->pcap, 1);
	int r = pcap_activate(d->pcap);
	const char *why = pcap_geterr(d->pcap);
	if (r == PCAP_ERROR_NO_SUCH_DEVICE) {
		fprintf(stderr, "pitest discover: no interface '%s' here (`ip link` lists them)\n", iface);
		return -1;
	}
	if (r == PCAP_ERROR_PERM_DENIED || (r < 0 && strstr(why, "not permitted"))) {
		fprintf(stderr,
			"pitest discover: no permission to capture on %s: run it as root or give pitest "
			"CAP_NET_RAW (setcap cap_net_raw+ep)\n",
			iface);
		return -1;
	}
	if (r == PCAP_ERROR_IFACE_NOT_UP) {
		fprintf(stderr, "pitest discover: interface %s is down (ip link set %s up)\n", iface, iface);
		return -1;
	}
	if (r < 0) {
		fprintf(stderr, "pitest discover: cannot capture on %s: %s\n", iface, why);
		return -1;
	}
	int link = pcap_datalink(d->pcap);
	if (link != DLT_EN10MB && link != DLT_LINUX_SLL) {
		fprintf(stderr, "pitest discover: %s is not an Ethernet interface (link type %s)\n", iface,
			pcap_datalink_val_to_name(link) ? pcap_datalink_val_to_name(link) : "unknown");
		return -1;
	}
	d->sll = link == DLT_LINUX_SLL;
	/* Only what a client sends to a server; replies are not needed. */
	struct bpf_program prog;
	if (pcap_compile(d->pcap, &prog, "udp and src port 68 and dst port 67", 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(d->pcap, &prog) < 0) {
		fprintf(stderr, "pitest discover: cannot filter DHCP on %s: %s\n", iface, pcap_geterr(d->pcap));
		return -1;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(d->pcap, 1, errbuf) < 0 || pcap_get_selectable_fd(d->pcap) < 0) {
		fprintf(stderr, "pitest discover: cannot poll the capture on %s: %s\n", iface,
			errbuf[0] ? errbuf : "no selectable descriptor");
		return -1;
	}
	return 0;
}

static void print_stanzas(const struct discover_run *d, const char *iface)
{
	if (d->table.n == 0) {
		fprintf(stderr, "pitest discover: no Raspberry Pi netboot request seen on %s\n", iface);
		return;
	}
	printf("# %zu board%s seen on %s: entries for the lab file's boards: list\n", d->table.n,
	       d->table.n == 1 ? "" : "s", iface);
	printf("boards:\n");
	for (size_t i = 0; i < d->table.n; i++) {
		char line[384];
		discover_format_stanza(&d->table.boards[i], line, sizeof(line));
		printf("%s\n", line);
	}
}

int discover_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *iface = NULL;
	double timeout_s = 0;
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 't': {
			char *end;
			errno = 0;
			timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(timeout_s > 0 && timeout_s <= 7 * 86400))
				return usage_error("--timeout wants seconds above 0 (at most a week)", optarg);
			break;
		}
		case 'q': quiet = true; break;
		case 'h': fputs(discover_usage, stdout); return 0;
		default: return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!iface)
		return usage_error("which interface? give --iface IF", NULL);
	if (!iface[0] || strlen(iface) >= 16)
		return usage_error("--iface wants an interface name of 1 to 15 characters", iface);

	struct discover_run *d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "pitest discover: out of memory\n");
		return 1;
	}
	d->quiet = quiet;
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines show up while it listens */
	struct event *rd = NULL, *timer = NULL, *sigint = NULL, *sigterm = NULL;
	int status = 1;
	if (open_capture(d, iface) < 0)
		goto out;
	d->base = event_base_new();
	if (!d->base)
		goto no_loop;
	rd = event_new(d->base, pcap_get_selectable_fd(d->pcap), EV_READ | EV_PERSIST, on_readable, d);
	sigint = evsignal_new(d->base, SIGINT, on_stop, d);
	sigterm = evsignal_new(d->base, SIGTERM, on_stop, d);
	if (!rd || !sigint || !sigterm || event_add(rd, NULL) < 0 || evsignal_add(sigint, NULL) < 0 ||
	    evsignal_add(sigterm, NULL) < 0)
		goto no_loop;
	if (timeout_s > 0) {
		struct timeval tv = { .tv_sec = (time_t)timeout_s,
				      .tv_usec = (suseconds_t)((timeout_s - (double)(time_t)timeout_s) * 1e6) };
		timer = evtimer_new(d->base, on_stop, d);
		if (!timer || evtimer_add(timer, &tv) < 0)
			goto no_loop;
	}
	fprintf(stderr, "pitest discover: listening on %s (nothing is sent)%s\n", iface,
		timeout_s > 0 ? "" : "; Ctrl-C stops");
	event_base_dispatch(d->base);
	/* Frames that arrived with the stop are still counted. */
	if (d->status == 0)
		on_readable(-1, 0, d);
	status = d->status;
	print_stanzas(d, iface);
	goto out;
no_loop:
	fprintf(stderr, "pitest discover: cannot set up the event loop\n");
out:
	if (rd)
		event_free(rd);
	if (timer)
		event_free(timer);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (d->base)
		event_base_free(d->base);
	if (d->pcap)
		pcap_close(d->pcap);
	free(d);
	return status;
}
