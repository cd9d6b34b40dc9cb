/*
 * nfs_storm.c - a metadata storm against an NFSv3 server, for bench/nfs-bench.sh:
 * mounts with libnfs, then keeps DEPTH nfs_stat64_async() calls in flight
 * over the given paths (each is LOOKUPs of its components plus GETATTR on
 * the wire) until COUNT calls have completed or SECONDS have passed.
 * Prints one line: "stats N seconds S stats/s R errors E".
 *
 * usage: nfs_storm [-n COUNT] [-t SECONDS] [-d DEPTH] URL PATH...
 *   URL is an nfs:// export URL (libnfs syntax, e.g.
 *   nfs://127.0.0.1/export?nfsport=2049&mountport=2049); PATHs are relative
 *   to the export root and start with '/'.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

struct storm {
	struct nfs_context *nfs;
	char **paths;
	int n_paths;
	uint64_t issued;
	uint64_t done;
	uint64_t errors;
	uint64_t limit;
	int in_flight;
	int stopping;
	int next_path;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int issue(struct storm *s);

static void stat_done(int err, struct nfs_context *nfs, void *data, void *priv)
{
	struct storm *s = priv;

	(void)nfs;
	(void)data;
	s->in_flight--;
	s->done++;
	if (err < 0) {
		/* Report the first few only: a broken server would flood. */
		if (s->errors++ < 3)
			fprintf(stderr, "nfs_storm: stat: %s\n", (char *)data);
	}
	if (!s->stopping && s->issued < s->limit)
		issue(s);
}

static int issue(struct storm *s)
{
	const char *path = s->paths[s->next_path];

	s->next_path = (s->next_path + 1) % s->n_paths;
	if (nfs_stat64_async(s->nfs, path, stat_done, s) != 0) {
		fprintf(stderr, "nfs_storm: stat64_async: %s\n", nfs_get_error(s->nfs));
		return -EIO;
	}
	s->issued++;
	s->in_flight++;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: nfs_storm [-n COUNT] [-t SECONDS] [-d DEPTH] URL PATH...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct storm s = { .limit = 1000000 };
	double seconds = 10, t0, t1, deadline;
	int depth = 16, opt, rc = 1;
	struct nfs_url *url = NULL;

	while ((opt = getopt(argc, argv, "n:t:d:")) != -1) {
		switch (opt) {
		case 'n': s.limit = strtoull(optarg, NULL, 10); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'd': depth = atoi(optarg); break;
		default: return usage();
		}
	}
	if (argc - optind < 2 || depth < 1 || depth > 1024 || seconds <= 0 || s.limit == 0)
		return usage();
	s.paths = argv + optind + 1;
	s.n_paths = argc - optind - 1;

	s.nfs = nfs_init_context();
	if (!s.nfs) {
		fprintf(stderr, "nfs_storm: out of memory\n");
		return 1;
	}
	url = nfs_parse_url_dir(s.nfs, argv[optind]);
	if (!url) {
		fprintf(stderr, "nfs_storm: %s\n", nfs_get_error(s.nfs));
		goto out;
	}
	if (nfs_mount(s.nfs, url->server, url->path) != 0) {
		fprintf(stderr, "nfs_storm: mount %s:%s: %s\n", url->server, url->path, nfs_get_error(s.nfs));
		goto out;
	}

	t0 = now_s();
	deadline = t0 + seconds;
	for (int i = 0; i < depth && s.issued < s.limit; i++)
		if (issue(&s) != 0)
			goto out;
	/* Bounded by the deadline: a silent server ends the run, not the bench. */
	while (s.in_flight > 0) {
		struct pollfd pfd = { .fd = nfs_get_fd(s.nfs), .events = (short)nfs_which_events(s.nfs) };
		int n = poll(&pfd, 1, 100);

		if (n < 0 && errno != EINTR) {
			perror("nfs_storm: poll");
			goto out;
		}
		if (nfs_service(s.nfs, n > 0 ? pfd.revents : 0) < 0) {
			fprintf(stderr, "nfs_storm: service: %s\n", nfs_get_error(s.nfs));
			goto out;
		}
		if (now_s() >= deadline) {
			if (!s.stopping)
				s.stopping = 1;
			else if (now_s() >= deadline + 5) {
				fprintf(stderr, "nfs_storm: %d calls unanswered\n", s.in_flight);
				goto out;
			}
		}
	}
	t1 = now_s();
	printf("stats %" PRIu64 " seconds %.3f stats/s %.0f errors %" PRIu64 "\n",
	       s.done, t1 - t0, s.done / (t1 - t0), s.errors);
	rc = s.errors ? 1 : 0;
out:
	if (url)
		nfs_destroy_url(url);
	nfs_destroy_context(s.nfs);
	return rc;
}
