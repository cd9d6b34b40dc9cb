/*
 * nfsd_cmd.c - `pitest nfsd`: parses the exports and ports, builds
 * nfs_fs + rpc_server + rpc_glue on one libevent loop, prints the events
 * (and writes them as JSON Lines with --events) until SIGINT/SIGTERM.
 */
#include "harness/nfsd_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/timeline.h"
#include "servers/nfs_fs.h"
#include "servers/rpc_glue.h"
#include "servers/rpc_server.h"

#define NFSD_MAX_EXPORTS 64

static const char nfsd_usage[] =
	"usage: pitest nfsd --export NAME=DIR[:ro] [--export ...] [--bind IP] [--port N]\n"
	"                   [--pmap-port N] [--no-pmap] [--state DIR] [--events FILE]\n"
	"                   [--time-scale F] [-q]\n"
	"  --export NAME=DIR[:ro]  serve host directory DIR as NAME (e.g. /srv/pitest/rootfs)\n"
	"  --bind IP       address to listen on (default 127.0.0.1)\n"
	"  --port N        NFS and MOUNT port, TCP and UDP (default 2049; 0 = any free port)\n"
	"  --pmap-port N   portmapper port (default 111)\n"
	"  --no-pmap       no portmapper (clients need port= and mountport=)\n"
	"  --state DIR     where the file-handle key is kept\n"
	"                  (default $XDG_STATE_HOME/pitest or ~/.local/state/pitest)\n"
	"  --events FILE   write every event as a JSON line\n"
	"  --time-scale F  fault delays are board seconds divided by F (default 1)\n"
	"  -q              print only the ready line\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest nfsd: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", nfsd_usage);
	return 2;
}

#define NFSD_EVENTS_FLUSH_MS 20

struct nfsd {
	struct event_base *base;
	bool quiet;
	FILE *events;
	struct event *flush_ev;   /* flushes the events file shortly after a write */
	bool flush_pending;
};

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct nfsd *d = arg;
	d->flush_pending = false;
	fflush(d->events);
}

/*
 * Every event is written; the file is flushed NFSD_EVENTS_FLUSH_MS after
 * the first unflushed one (or when the buffer fills, or at exit) rather
 * than once per event, which would cost a write(2) per RPC call.
 */
static void on_event(const struct event *ev, void *user)
{
	struct nfsd *d = user;
	if (d->events) {
		event_write_jsonl(ev, d->events);
		if (!d->flush_ev) {
			fflush(d->events);
		} else if (!d->flush_pending) {
			struct timeval tv = { 0, NFSD_EVENTS_FLUSH_MS * 1000 };
			d->flush_pending = evtimer_add(d->flush_ev, &tv) == 0;
			if (!d->flush_pending)
				fflush(d->events);
		}
	}
	if (!d->quiet) {
		char line[2048];
		event_format_line(ev, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(((struct nfsd *)arg)->base);
}

static int parse_port(const char *s, uint16_t *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* NAME=DIR[:ro]: NAME absolute, DIR an existing directory. */
static int parse_export(const char *arg, struct nfs_export_config *x)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || arg[0] != '/' || (size_t)(eq - arg) >= sizeof(x->name))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	memcpy(x->name, arg, (size_t)(eq - arg));
	const char *dir = eq + 1;
	size_t dl = strlen(dir);
	if (dl > 3 && strcmp(dir + dl - 3, ":ro") == 0) {
		x->read_only = true;
		dl -= 3;
	}
	if (dl == 0 || dl >= sizeof(x->dir))
		return -EINVAL;
	memcpy(x->dir, dir, dl);
	struct stat st;
	if (stat(x->dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

static int default_state_dir(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && *xdg)
		n = snprintf(buf, cap, "%s/pitest", xdg);
	else if (home && *home)
		n = snprintf(buf, cap, "%s/.local/state/pitest", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int nfsd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "export", required_argument, NULL, 'e' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "pmap-port", required_argument, NULL, 'P' },
		{ "no-pmap", no_argument, NULL, 'N' },
		{ "state", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'E' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct nfs_export_config exports[NFSD_MAX_EXPORTS];
	size_t n_exports = 0;
	struct rpc_glue_config gcfg = { .pmap_port = 111, .nfs_port = 2049 };
	inet_pton(AF_INET, "127.0.0.1", &gcfg.bind_ip);
	const char *state = NULL, *events_path = NULL;
	double time_scale = 1.0;
	struct nfsd d = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'e': {
			if (n_exports == NFSD_MAX_EXPORTS)
				return usage_error("too many exports", optarg);
			int r = parse_export(optarg, &exports[n_exports]);
			if (r == -ENOTDIR)
				return usage_error("--export: DIR is not a directory", optarg);
			if (r < 0)
				return usage_error("--export wants NAME=DIR[:ro] with NAME starting with '/'",
						   optarg);
			n_exports++;
			break;
		}
		case 'b':
			if (inet_pton(AF_INET, optarg, &gcfg.bind_ip) != 1)
				return usage_error("--bind wants an IPv4 address", optarg);
			break;
		case 'p':
			if (parse_port(optarg, &gcfg.nfs_port) < 0)
				return usage_error("--port wants 0-65535", optarg);
			break;
		case 'P':
			if (parse_port(optarg, &gcfg.pmap_port) < 0)
				return usage_error("--pmap-port wants 0-65535", optarg);
			break;
		case 'N': gcfg.no_pmap = 1; break;
		case 's': state = optarg; break;
		case 'E': events_path = optarg; break;
		case 't': {
			char *end;
			time_scale = strtod(optarg, &end);
			if (end == optarg || *end || !(time_scale > 0) || time_scale > 1e6)
				return usage_error("--time-scale wants a positive number", optarg);
			break;
		}
		case 'q': d.quiet = true; break;
		case 'h': fputs(nfsd_usage, stdout); return 0;
		default: return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (n_exports == 0)
		return usage_error("what to serve? give --export NAME=DIR", NULL);

	static struct nfs_fs_config fcfg;
	memset(&fcfg, 0, sizeof(fcfg));
	fcfg.exports = exports;
	fcfg.n_exports = n_exports;
	if (state) {
		if (snprintf(fcfg.state_dir, sizeof(fcfg.state_dir), "%s", state) >=
		    (int)sizeof(fcfg.state_dir))
			return usage_error("--state: path too long", state);
	} else if (default_state_dir(fcfg.state_dir, sizeof(fcfg.state_dir)) < 0) {
		fcfg.state_dir[0] = '\0'; /* no home: a key for this run only */
	}

	int status = 1;
	char err[512] = "";
	struct timeline *tl = NULL;
	struct nfs_fs *fs = NULL;
	struct rpc_server *srv = NULL;
	struct rpc_glue *glue = NULL;
	struct event *sigint = NULL, *sigterm = NULL;
	if (events_path && !(d.events = fopen(events_path, "we"))) {
		fprintf(stderr, "pitest nfsd: cannot write %s: %s\n", events_path, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	tl = timeline_new();
	d.base = event_base_new();
	if (d.base && d.events) {
		d.flush_ev = evtimer_new(d.base, on_flush, &d);
		setvbuf(d.events, NULL, _IOFBF, 64 << 10);
		/* One thread writes it: no stdio locking per character written. */
		__fsetlocking(d.events, FSETLOCKING_BYCALLER);
	}
	if (!tl || !d.base || timeline_add_listener(tl, on_event, &d) != 0) {
		fprintf(stderr, "pitest nfsd: out of memory\n");
		goto out;
	}
	int r = nfs_fs_new(&fcfg, &fs, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pitest nfsd: %s\n", err[0] ? err : strerror(-r));
		status = r == -EINVAL ? 2 : 1;
		goto out;
	}
	struct rpc_server_config scfg = { .fs = fs, .time_scale = time_scale };
	r = rpc_server_new(&scfg, tl, NULL, &srv);
	if (r < 0) {
		fprintf(stderr, "pitest nfsd: %s\n", strerror(-r));
		goto out;
	}
	r = rpc_glue_new(d.base, srv, tl, &gcfg, &glue, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pitest nfsd: %s\n", err);
		goto out;
	}
	sigint = evsignal_new(d.base, SIGINT, on_signal, &d);
	sigterm = evsignal_new(d.base, SIGTERM, on_signal, &d);
	if (!sigint || !sigterm || evsignal_add(sigint, NULL) != 0 ||
	    evsignal_add(sigterm, NULL) != 0) {
		fprintf(stderr, "pitest nfsd: cannot handle signals\n");
		goto out;
	}
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = gcfg.bind_ip };
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	fprintf(stderr, "pitest nfsd: serving");
	for (size_t i = 0; i < n_exports; i++)
		fprintf(stderr, "%s %s (%s)", i ? "," : "", exports[i].name, exports[i].dir);
	fprintf(stderr, " on %s:%u", ip, rpc_glue_nfs_port(glue));
	if (gcfg.no_pmap)
		fprintf(stderr, ", no portmapper\n");
	else
		fprintf(stderr, ", portmapper on %s:%u\n", ip, rpc_glue_pmap_port(glue));
	event_base_dispatch(d.base);
	status = 0;
out:
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	rpc_glue_free(glue);
	rpc_server_free(srv);
	nfs_fs_free(fs);
	if (d.flush_ev)
		event_free(d.flush_ev);
	if (d.base)
		event_base_free(d.base);
	timeline_free(tl);
	if (d.events)
		fclose(d.events);
	return status;
}
