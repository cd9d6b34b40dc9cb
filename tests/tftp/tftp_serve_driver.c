/*
 * tftp_serve_driver.c - test-only: runs tftp_server + tftp_glue on libevent
 * until SIGINT/SIGTERM, for the peer tests and the benchmark.
 *
 *   tftp_serve_driver --root DIR --listen IPV4 [--port N (default 69)]
 *       [--events FILE] [--fault SPEC]... [--max-windowsize N]
 *
 * SPEC is a fault rule (server "tftp") as space-separated key=value pairs:
 * on action file block bytes rate code message delay count after
 * probability seed value. A word without "=" continues the previous value,
 * so `message=File gone` works. Prints "ready" on stdout once listening;
 * events go to FILE as JSON lines (flushed per line).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/fault.h"
#include "harness/timeline.h"
#include "servers/tftp_glue.h"
#include "servers/tftp_server.h"

#define MAX_RULES 32

static void usage(void)
{
	fprintf(stderr,
		"usage: tftp_serve_driver --root DIR --listen IPV4 [--port N] [--events FILE]\n"
		"  [--fault \"on=rrq|oack|data action=NAME [file=GLOB] [block=N] [bytes=N] [rate=N]\n"
		"   [code=N] [message=TEXT] [delay=S] [count=N] [after=N] [probability=P] [seed=N]\n"
		"   [value=V]\"]... [--max-windowsize N]\n");
	exit(2);
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "tftp_serve_driver: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static uint64_t number(const char *key, const char *v)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 0);
	if (errno || end == v || *end)
		die("bad number for", key);
	return n;
}

static void set_key(struct fault_rule *r, const char *k, const char *v)
{
	if (strcmp(k, "on") == 0) {
		snprintf(r->on, sizeof(r->on), "%s", v);
	} else if (strcmp(k, "action") == 0) {
		if (fault_action_from_name(v, &r->action) < 0)
			die("unknown fault action", v);
	} else if (strcmp(k, "file") == 0) {
		snprintf(r->file, sizeof(r->file), "%s", v);
	} else if (strcmp(k, "block") == 0) {
		r->block = (unsigned)number(k, v);
	} else if (strcmp(k, "bytes") == 0) {
		r->bytes = number(k, v);
	} else if (strcmp(k, "rate") == 0) {
		r->rate = number(k, v);
	} else if (strcmp(k, "code") == 0) {
		r->code = (int)number(k, v);
	} else if (strcmp(k, "message") == 0) {
		snprintf(r->message, sizeof(r->message), "%s", v);
	} else if (strcmp(k, "value") == 0) {
		snprintf(r->value, sizeof(r->value), "%s", v);
	} else if (strcmp(k, "delay") == 0) {
		char *end;
		r->delay_s = strtod(v, &end);
		if (end == v || *end || r->delay_s < 0)
			die("bad delay", v);
	} else if (strcmp(k, "count") == 0) {
		r->count = (unsigned)number(k, v);
	} else if (strcmp(k, "after") == 0) {
		r->after = (unsigned)number(k, v);
	} else if (strcmp(k, "probability") == 0) {
		char *end;
		r->probability = strtod(v, &end);
		if (end == v || *end || r->probability < 0 || r->probability > 1)
			die("bad probability", v);
	} else if (strcmp(k, "seed") == 0) {
		r->seed = number(k, v);
	} else {
		die("unknown fault key", k);
	}
}

static void parse_fault(const char *spec, struct fault_rule *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->server, sizeof(r->server), "tftp");
	r->probability = 1.0;
	r->action = FAULT_ACTION_COUNT;
	char buf[1024], key[32] = "", val[512] = "";
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *save, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		if (!eq) {
			if (!key[0])
				die("fault spec word without key", w);
			size_t l = strlen(val);
			snprintf(val + l, sizeof(val) - l, " %s", w);
			continue;
		}
		if (key[0])
			set_key(r, key, val);
		*eq = '\0';
		snprintf(key, sizeof(key), "%s", w);
		snprintf(val, sizeof(val), "%s", eq + 1);
	}
	if (key[0])
		set_key(r, key, val);
	if (!r->on[0] || r->action == FAULT_ACTION_COUNT)
		die("fault spec needs on= and action=", spec);
}

static void write_event(const struct event *ev, void *user)
{
	FILE *f = user;
	event_write_jsonl(ev, f);
	fflush(f);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	const char *root = NULL, *listen_ip = NULL, *events = NULL;
	unsigned long port = 69, max_window = 64;
	static struct fault_rule rules[MAX_RULES];
	size_t n_rules = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (strcmp(a, "--root") == 0) {
			root = v;
		} else if (strcmp(a, "--listen") == 0) {
			listen_ip = v;
		} else if (strcmp(a, "--port") == 0) {
			port = (unsigned long)number(a, v);
		} else if (strcmp(a, "--events") == 0) {
			events = v;
		} else if (strcmp(a, "--fault") == 0) {
			if (n_rules == MAX_RULES)
				die("too many --fault", NULL);
			parse_fault(v, &rules[n_rules++]);
		} else if (strcmp(a, "--max-windowsize") == 0) {
			max_window = (unsigned long)number(a, v);
		} else {
			usage();
		}
	}
	if (!root || !listen_ip || port > 65535 || max_window < 1 || max_window > 65535)
		usage();
	uint32_t ip;
	if (inet_pton(AF_INET, listen_ip, &ip) != 1)
		die("bad --listen address", listen_ip);

	FILE *ev_file = NULL;
	struct timeline *tl = NULL;
	if (events) {
		ev_file = fopen(events, "w");
		if (!ev_file)
			die(events, strerror(errno));
		tl = timeline_new();
		if (!tl)
			die("out of memory", NULL);
		timeline_add_listener(tl, write_event, ev_file);
	}
	struct fault_engine *faults = n_rules ? fault_engine_new(rules, n_rules, tl) : NULL;
	if (n_rules && !faults)
		die("out of memory", NULL);
	struct tftp_server_config cfg = {
		.time_scale = 1.0,
		.max_windowsize = (uint16_t)max_window,
	};
	if (strlen(root) >= sizeof(cfg.root))
		die("root path too long", NULL);
	snprintf(cfg.root, sizeof(cfg.root), "%s", root);
	struct tftp_server *srv = NULL;
	int r = tftp_server_new(&cfg, tl, faults, &srv);
	if (r < 0)
		die(root, strerror(-r));
	struct event_base *base = event_base_new();
	struct tftp_glue *glue = NULL;
	r = base ? tftp_glue_new(base, srv, ip, (uint16_t)port, &glue) : -ENOMEM;
	if (r < 0) {
		fprintf(stderr, "tftp_serve_driver: %s port %lu: %s\n", listen_ip, port, strerror(-r));
		return 1;
	}
	struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (!sigterm || !sigint || evsignal_add(sigterm, NULL) != 0 || evsignal_add(sigint, NULL) != 0)
		die("cannot handle signals", NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);

	tftp_glue_free(glue);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	tftp_server_free(srv);
	fault_engine_free(faults);
	timeline_free(tl);
	if (ev_file)
		fclose(ev_file);
	return 0;
}
