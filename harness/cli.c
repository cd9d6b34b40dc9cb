/*
 * cli.c - option parsing and dispatch to the runner, the server or the
 * virtual board. Usage errors exit 2 with one message saying what to do.
 */
#include "harness/cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures/boot/boot_tree.h"
#include "fixtures/rootfs/root_tree.h"
#include "fixtures/vpi/vpi.h"
#include "harness/artifacts.h"
#include "harness/ctest_resources.h"
#include "harness/discover_cmd.h"
#include "harness/history_cmd.h"
#include "harness/lab.h"
#include "harness/lab_check_cmd.h"
#include "harness/nfsd_cmd.h"
#include "harness/report_cmd.h"
#include "harness/runner.h"

#define DEFAULT_LAB "fixtures/labs/virtual.yaml"

static const char usage_text[] =
	"usage: pitest [run] --suite NAME|FILE [--lab FILE] [--junit FILE] [--events FILE]\n"
	"              [--artifacts DIR|--no-artifacts]\n"
	"              [--case NAME] [--board NAME] [--time-scale F] [--repeat N] [--jobs N]\n"
	"              [--progress|--no-progress] [-q|-v]\n"
	"              [--history DIR] [--baseline FILE|DIR] [--max-slowdown R] [--slack S]\n"
	"              [--budget PHASE=SECONDS]...\n"
	"       pitest serve --lab FILE [--events FILE] [--leases FILE] [-q]\n"
	"       pitest vpi --model M --mac MAC --serial HEX --iface IF [--time-scale F]\n"
	"       pitest mktree [--lab FILE] [--server IP] [--model M]... [--force] DIR\n"
	"       pitest mkroot [--lab FILE] [--hostname NAME] [--force] DIR\n"
	"       pitest nfsd --export NAME=DIR[:ro] [--port N] [--pmap-port N] [-q]\n"
	"       pitest resources --lab FILE [--output FILE]\n"
	"       pitest discover --iface IF [--timeout SECONDS] [-q]\n"
	"       pitest lab check --lab FILE [--board NAME]... [--events FILE]\n"
	"       pitest compare BASELINE CURRENT [--max-slowdown R] [--slack S] [--budget P=S]...\n"
	"       pitest report --artifacts DIR --html OUT [--history DIR]\n"
	"\n"
	"  run      power the lab's boards and check each case of the suite (default)\n"
	"  serve    run the lab's DHCP server and print events until Ctrl-C\n"
	"  vpi      run one virtual Raspberry Pi on an interface (see pitest vpi --help)\n"
	"  mktree   write a TFTP boot tree the boards can fetch (see pitest mktree --help)\n"
	"  mkroot   write the NFS root trees the boards mount (see pitest mkroot --help)\n"
	"  resources print the lab's boards as a ctest resource spec (JSON); under ctest,\n"
	"           run drives only the boards ctest gave it (CTEST_RESOURCE_GROUP_*)\n"
	"  compare  compare two history files' phase durations (see pitest compare --help)\n"
	"  discover listen (never answer) for Raspberry Pis asking DHCP to netboot; print\n"
	"           each board and a lab-file stanza (see pitest discover --help)\n"
	"  report   write the HTML report of a run's artifacts (timelines, console logs)\n"
	"           and the trends of a history (see pitest report --help)\n"
	"  lab check power each board off and on: console, its DHCP DISCOVER, off really\n"
	"           off; one line per board (see pitest lab check --help)\n"
	"\n"
	"  --suite NAME|FILE  a suite file, or NAME for suites/NAME.yaml\n"
	"  --lab FILE         the lab (default: " DEFAULT_LAB ", the virtual lab)\n"
	"  --junit FILE       write a JUnit XML report\n"
	"  --events FILE      write every event as JSON Lines\n"
	"  --artifacts DIR    per case and board, DIR/CASE[#RUN]/BOARD/: console.log,\n"
	"                     events.jsonl, result.json; attached to the JUnit testcases.\n"
	"                     Default with --junit FILE: FILE without .xml + -artifacts;\n"
	"                     with --html DIR only: DIR/artifacts\n"
	"  --no-artifacts     none of them, even with --junit\n"
	"  --capture          with the artifacts, capture.pcapng: the lab network's packets\n"
	"                     of each board's run (a full boot is ~12 MB of TFTP data)\n"
	"  --html DIR         write the HTML report (summary, boot timelines, console logs)\n"
	"                     of the run's artifacts to DIR\n"
	"  --case NAME        run only this case; --board NAME: only on this board\n"
	"  --time-scale F     virtual boards run F times faster (overrides the lab)\n"
	"  --repeat N         run the suite N times; then print the pass ratio per case\n"
	"                     and board and the p50/p95 of every phase\n"
	"  --jobs N           boot at most N boards at once (default: every board of a case)\n"
	"  --progress         a live status per board (phase, elapsed, last event); on a\n"
	"                     terminal by default, in place of the event lines (-v shows\n"
	"                     them too); elsewhere one line per change. --no-progress: none\n"
	"  --history DIR      add this run's results to DIR as one JSON file\n"
	"  --baseline FILE|DIR  fail when a phase's p50 (per case and model) is slower\n"
	"                     than in this history file (a DIR: its newest of the suite/lab)\n"
	"  --max-slowdown R   ... by more than R times (default 1.25)\n"
	"  --slack S          ... plus S seconds (default 0.2)\n"
	"  --budget P=S       fail when phase P's p50 is above S seconds (repeatable)\n"
	"  -q, --quiet        print only results; -v, --verbose: diagnostics too\n"
	"exit status: 0 all passed, 1 a case failed (or a phase was slower than allowed),\n"
	"             2 usage or configuration error\n";

static const char *project_dir(void)
{
	const char *env = getenv("PITEST_HOME");
	return env && *env ? env : PITEST_SOURCE_DIR;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A suite given by name lives in suites/; a path is taken as it is. */
static int resolve_suite(const char *arg, char *out, size_t cap)
{
	if (strchr(arg, '/') || strstr(arg, ".yaml") || file_exists(arg)) {
		snprintf(out, cap, "%s", arg);
		return 0;
	}
	snprintf(out, cap, "%s/suites/%s.yaml", project_dir(), arg);
	if (!file_exists(out)) {
		fprintf(stderr, "pitest: no suite named '%s' (looked for %s)\n", arg, out);
		return -1;
	}
	return 0;
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", usage_text);
	return RUNNER_EXIT_USAGE;
}

static int parse_time_scale(const char *arg, double *ret)
{
	char *end;
	double v = strtod(arg, &end);
	if (end == arg || *end || !(v > 0) || v > 1000)
		return -1;
	*ret = v;
	return 0;
}

static const char *env_get(const char *name, void *user)
{
	(void)user;
	return getenv(name);
}

static int run_or_serve(int argc, char **argv, bool serve)
{
	static const struct option options[] = {
		{ "suite", required_argument, NULL, 's' },
		{ "lab", required_argument, NULL, 'l' },
		{ "junit", required_argument, NULL, 'j' },
		{ "events", required_argument, NULL, 'e' },
		{ "artifacts", required_argument, NULL, 'A' },
		{ "no-artifacts", no_argument, NULL, 'n' },
		{ "capture", no_argument, NULL, 'p' },
		{ "html", required_argument, NULL, 'W' },
		{ "case", required_argument, NULL, 'c' },
		{ "board", required_argument, NULL, 'b' },
		{ "leases", required_argument, NULL, 'L' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'N' },
		{ "history", required_argument, NULL, 'H' },
		{ "baseline", required_argument, NULL, 'C' },
		{ "max-slowdown", required_argument, NULL, 'm' },
		{ "slack", required_argument, NULL, 'k' },
		{ "budget", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct runner_options opts = { .verbosity = 1, .progress = -1 };
	const char *suite_arg = NULL, *artifacts_arg = NULL;
	bool no_artifacts = false;
	char suite_path[PATH_MAX], lab_path[PATH_MAX], self_exe[PATH_MAX], artifacts_dir[PATH_MAX];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:l:j:e:c:b:L:t:r:qvh", options, NULL)) != -1) {
		switch (c) {
		case 's': suite_arg = optarg; break;
		case 'l': opts.lab_path = optarg; break;
		case 'j': opts.junit_path = optarg; break;
		case 'e': opts.events_path = optarg; break;
		case 'A': artifacts_arg = optarg; break;
		case 'n': no_artifacts = true; break;
		case 'p': opts.capture = true; break;
		case 'W': opts.html_dir = optarg; break;
		case 'c': opts.only_case = optarg; break;
		case 'b': opts.only_board = optarg; break;
		case 'L': opts.lease_file = optarg; break;
		case 't':
			if (parse_time_scale(optarg, &opts.time_scale) != 0)
				return usage_error("--time-scale wants a number above 0 (at most 1000)",
						   optarg);
			break;
		case 'r': {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end || errno || n < 1 || n > 10000)
				return usage_error("--repeat wants a number of runs from 1 to 10000", optarg);
			opts.repeat = (unsigned)n;
			break;
		}
		case 'J': {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end || errno || n < 1 || n > 4096)
				return usage_error("--jobs wants how many boards may boot at once, from 1 to 4096",
						   optarg);
			opts.jobs = (unsigned)n;
			break;
		}
		case 'P': opts.progress = 1; break;
		case 'N': opts.progress = 0; break;
		case 'H': opts.history_dir = optarg; break;
		case 'C': opts.baseline = optarg; break;
		case 'm':
		case 'k':
		case 'B': {
			char err[256];
			const char *name = c == 'm' ? "max-slowdown" : c == 'k' ? "slack" : "budget";
			if (history_parse_option(name, optarg, &opts.limits, err, sizeof(err)) != 0)
				return usage_error(err, NULL);
			break;
		}
		case 'q': opts.verbosity = 0; break;
		case 'v': opts.verbosity = 2; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	/* Per-run files: asked for, or beside the JUnit report by default. */
	if (artifacts_arg && no_artifacts)
		return usage_error("--artifacts DIR and --no-artifacts contradict each other", NULL);
	if (artifacts_arg && !*artifacts_arg)
		return usage_error("--artifacts wants a directory", NULL);
	if (opts.html_dir && (!*opts.html_dir || no_artifacts))
		return usage_error(*opts.html_dir ? "--html reports the artifacts: not with --no-artifacts"
						  : "--html wants a directory", NULL);
	if (artifacts_arg)
		opts.artifacts_dir = artifacts_arg;
	else if (opts.junit_path && !no_artifacts) {
		artifacts_default_dir(opts.junit_path, artifacts_dir, sizeof(artifacts_dir));
		opts.artifacts_dir = artifacts_dir;
	} else if (opts.html_dir) {
		snprintf(artifacts_dir, sizeof(artifacts_dir), "%s/artifacts", opts.html_dir);
		opts.artifacts_dir = artifacts_dir;
	}
	if (opts.capture && !opts.artifacts_dir)
		return usage_error("--capture writes into the artifacts: give --artifacts DIR, --junit FILE or --html DIR", NULL);
	if (!opts.lab_path) {
		if (serve)
			return usage_error("serve needs --lab FILE", NULL);
		snprintf(lab_path, sizeof(lab_path), "%s/%s", project_dir(), DEFAULT_LAB);
		opts.lab_path = lab_path;
	}
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return usage_error("cannot find the pitest binary (/proc/self/exe)", NULL);
	self_exe[n] = '\0';
	opts.self_exe = self_exe;
	if (serve)
		return runner_serve(&opts);
	if (!suite_arg)
		return usage_error("which suite? give --suite NAME (e.g. --suite dhcp-phase)", NULL);
	if (resolve_suite(suite_arg, suite_path, sizeof(suite_path)) != 0)
		return RUNNER_EXIT_USAGE;
	opts.suite_path = suite_path;
	/* Under `ctest -j` with a resource spec, other tests drive the other boards. */
	static struct ctest_allocation ctest_boards;
	char err[1024] = "";
	int got = ctest_allocation_read(env_get, NULL, &ctest_boards, err, sizeof(err));
	if (got < 0) {
		fprintf(stderr, "pitest: %s\n", err);
		return RUNNER_EXIT_USAGE;
	}
	opts.ctest_boards = got ? &ctest_boards : NULL;
	return runner_run_suite(&opts);
}

static const char resources_usage[] =
	"usage: pitest resources --lab FILE [--output FILE]\n"
	"Prints the ctest resource spec (JSON) of the lab: one resource of type \"boards\"\n"
	"with 1 slot per board, its id the board's name with characters other than\n"
	"a-z and 0-9 written as _XX (hex). Give it to ctest (--resource-spec-file or\n"
	"CTEST_RESOURCE_SPEC_FILE; pitest_add_suite() in cmake/PitestSuite.cmake does)\n"
	"and tests with RESOURCE_GROUPS \"N,boards:1\" get N boards no other test has.\n"
	"  --output FILE  write the spec to FILE (replaced whole) instead of stdout\n"
	"exit status: 0 printed, 2 usage or configuration error\n";

static int resources(int argc, char **argv)
{
	static const struct option options[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *lab_path = NULL, *out_path = NULL;
	char err[1024] = "";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:o:h", options, NULL)) != -1) {
		switch (c) {
		case 'l': lab_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'h': fputs(resources_usage, stdout); return 0;
		default:
			fprintf(stderr, "pitest resources: unknown option\n%s", resources_usage);
			return RUNNER_EXIT_USAGE;
		}
	}
	if (!lab_path || optind < argc) {
		fprintf(stderr, "pitest resources: %s\n%s",
			lab_path ? "unexpected argument" : "which lab? give --lab FILE", resources_usage);
		return RUNNER_EXIT_USAGE;
	}
	struct lab *lab = NULL;
	if (lab_load(lab_path, &lab, err, sizeof(err)) < 0) {
		fprintf(stderr, "pitest: %s\n", err);
		return RUNNER_EXIT_USAGE;
	}
	/* 256 boards of 93-character ids fit with room to spare. */
	static char spec[64 * 1024];
	int n = ctest_resources_spec(lab, spec, sizeof(spec));
	lab_free(lab);
	if (n < 0) {
		fprintf(stderr, "pitest resources: the spec does not fit %zu bytes\n", sizeof(spec));
		return RUNNER_EXIT_FAILED;
	}
	if (!out_path) {
		fputs(spec, stdout);
		return 0;
	}
	/* Whole or not at all: ctest must never read half a spec. */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	FILE *f = fopen(tmp, "w");
	bool ok = f && fputs(spec, f) >= 0;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, out_path) != 0) {
		fprintf(stderr, "pitest resources: cannot write %s: %s\n", out_path, strerror(errno));
		unlink(tmp);
		return RUNNER_EXIT_FAILED;
	}
	return 0;
}

static const char mktree_usage[] =
	"usage: pitest mktree [--lab FILE] [--server IP] [--model M]... [--force] DIR\n"
	"Writes a TFTP root into DIR: firmware, device trees, overlays and kernels under\n"
	"their real names with generated contents, a real config.txt and cmdline.txt.\n"
	"  --lab FILE    boards with `tftp_prefix: true` get a serial folder (%08x/);\n"
	"                the lab's network address is the default NFS server\n"
	"  --server IP   NFS server in cmdline.txt (default: the lab's address, else "
	BOOT_TREE_DEFAULT_SERVER ")\n"
	"  --model M     only this model's files (repeatable): pi2, pi3b, pi3b+, pi4b, pi5\n"
	"  --force       write into a non-empty DIR (replaces the tree's files)\n"
	"exit status: 0 written, 1 could not write, 2 usage or configuration error\n";

static int mktree_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest mktree: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", mktree_usage);
	return RUNNER_EXIT_USAGE;
}

static int mktree(int argc, char **argv)
{
	static const struct option options[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "server", required_argument, NULL, 's' },
		{ "model", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *lab_path = NULL, *server = NULL;
	unsigned models = 0;
	bool force = false;
	char err[1024] = "";
	enum boot_tree_model m;
	struct in_addr a;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:s:m:fh", options, NULL)) != -1) {
		switch (c) {
		case 'l': lab_path = optarg; break;
		case 's':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return mktree_usage_error("--server wants an IPv4 address", optarg);
			server = optarg;
			break;
		case 'm':
			if (boot_tree_model_from_name(optarg, &m) < 0)
				return mktree_usage_error("--model wants pi2, pi3b, pi3b+, pi4b or pi5", optarg);
			models |= 1u << m;
			break;
		case 'f': force = true; break;
		case 'h': fputs(mktree_usage, stdout); return 0;
		default: return mktree_usage_error("unknown option", NULL);
		}
	}
	if (optind >= argc)
		return mktree_usage_error("where to? give the directory DIR", NULL);
	if (optind + 1 < argc)
		return mktree_usage_error("unexpected argument", argv[optind + 1]);
	const char *dir = argv[optind];

	if (lab_path) {
		struct lab *lab = NULL;
		if (lab_load(lab_path, &lab, err, sizeof(err)) < 0) {
			fprintf(stderr, "pitest: %s\n", err);
			return RUNNER_EXIT_USAGE;
		}
		r = boot_tree_write_for_lab(dir, lab, models, server, force, err, sizeof(err));
		lab_free(lab);
	} else {
		struct boot_tree_options opt = { .server = server, .models = models, .force = force };
		r = boot_tree_write(dir, &opt, err, sizeof(err));
	}
	if (r < 0) {
		fprintf(stderr, "pitest mktree: %s\n", err);
		return r == -EEXIST || r == -EINVAL ? RUNNER_EXIT_USAGE : RUNNER_EXIT_FAILED;
	}
	return 0;
}

static const char mkroot_usage[] =
	"usage: pitest mkroot [--lab FILE] [--hostname NAME] [--force] DIR\n"
	"Writes DIR/" ROOT_TREE_SHARED ", a small Raspberry Pi OS (Debian 12, arm64) root the boards\n"
	"mount over NFS: merged /usr, /sbin/init -> systemd, stand-in ELF binaries, /etc.\n"
	"DIR stands for " BOOT_TREE_NFS_BASE ", the NFS base of the boot trees' cmdline.txt.\n"
	"  --lab FILE       also DIR/<board> for each board of the lab (hostname: the\n"
	"                   board's name; binaries hard-linked to DIR/" ROOT_TREE_SHARED "'s)\n"
	"  --hostname NAME  /etc/hostname of DIR/" ROOT_TREE_SHARED " (default " ROOT_TREE_DEFAULT_HOSTNAME ")\n"
	"  --force          write into a non-empty DIR (replaces the trees' entries)\n"
	"exit status: 0 written, 1 could not write, 2 usage or configuration error\n";

static int mkroot_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest mkroot: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", mkroot_usage);
	return RUNNER_EXIT_USAGE;
}

static int mkroot(int argc, char **argv)
{
	static const struct option options[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "hostname", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *lab_path = NULL, *hostname = NULL;
	bool force = false;
	char err[1024] = "";
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:n:fh", options, NULL)) != -1) {
		switch (c) {
		case 'l': lab_path = optarg; break;
		case 'n':
			if (root_tree_check_hostname(optarg) < 0)
				return mkroot_usage_error("--hostname wants 1-63 letters, digits or '-'", optarg);
			hostname = optarg;
			break;
		case 'f': force = true; break;
		case 'h': fputs(mkroot_usage, stdout); return 0;
		default: return mkroot_usage_error("unknown option", NULL);
		}
	}
	if (optind >= argc)
		return mkroot_usage_error("where to? give the directory DIR", NULL);
	if (optind + 1 < argc)
		return mkroot_usage_error("unexpected argument", argv[optind + 1]);
	const char *dir = argv[optind];

	if (lab_path) {
		struct lab *lab = NULL;
		if (lab_load(lab_path, &lab, err, sizeof(err)) < 0) {
			fprintf(stderr, "pitest mkroot: %s\n", err);
			return RUNNER_EXIT_USAGE;
		}
		r = root_tree_write_for_lab(dir, lab, hostname, force, err, sizeof(err));
		lab_free(lab);
	} else {
		struct root_tree_options opt = { .hostname = hostname, .force = force };
		r = root_tree_write(dir, &opt, err, sizeof(err));
	}
	if (r < 0) {
		fprintf(stderr, "pitest mkroot: %s\n", err);
		return r == -EEXIST || r == -EINVAL ? RUNNER_EXIT_USAGE : RUNNER_EXIT_FAILED;
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	/* Console lines and results must show up as they happen, also in a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "vpi") == 0)
		return vpi_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "mktree") == 0)
		return mktree(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "mkroot") == 0)
		return mkroot(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return run_or_serve(argc - 1, argv + 1, true);
	if (argc >= 2 && strcmp(argv[1], "nfsd") == 0)
		return nfsd_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "discover") == 0)
		return discover_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "lab") == 0)
		return lab_check_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "resources") == 0)
		return resources(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "compare") == 0)
		return history_compare_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run_or_serve(argc - 1, argv + 1, false);
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0)) {
		printf("pitest %s\n", PITEST_VERSION);
		return 0;
	}
	return run_or_serve(argc, argv, false);
}
