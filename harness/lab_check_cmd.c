/*
 * lab_check_cmd.c - `pitest lab check`: options, then lab_check_run().
 */
#include "harness/lab_check_cmd.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/lab_check.h"

#define LAB_CHECK_MAX_BOARDS 256

static const char lab_check_usage[] =
	"usage: pitest lab check --lab FILE [--board NAME]... [--events FILE] [--time-scale F] [-q|-v]\n"
	"Checks the wiring of each board of the lab, one at a time, with the lab's\n"
	"servers up: power off, power on, then console lines and a DHCP DISCOVER from\n"
	"the board's MAC must come (within a time per model), and after power off\n"
	"nothing more of it. One line per board says what works and what to look at:\n"
	"  pi4b-1  power ok  console ok (14 lines)  network ok (DISCOVER from dc:a6:32:12:34:56)  off ok\n"
	"  --lab FILE        the lab to check\n"
	"  --board NAME      only this board (repeatable)\n"
	"  --events FILE     write every event as JSON Lines (labcheck.board per board)\n"
	"  --time-scale F    virtual boards run F times faster (overrides the lab)\n"
	"  -q, --quiet       only the board lines; -v, --verbose: every event too\n"
	"exit status: 0 every board wired, 1 one is not (or the lab could not be set\n"
	"             up), 2 usage or configuration error, 130 interrupted\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest lab check: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
		lab_check_usage);
	return 2;
}

int lab_check_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "board", required_argument, NULL, 'b' },
		{ "events", required_argument, NULL, 'e' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *boards[LAB_CHECK_MAX_BOARDS];
	struct lab_check_options o = { .boards = boards, .verbosity = 1 };
	char self_exe[PATH_MAX];
	int c;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(lab_check_usage, stdout);
			return 0;
		}
		return usage_error("which lab command? only `pitest lab check` is there", argc >= 2 ? argv[1] : NULL);
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:b:e:t:qvh", options, NULL)) != -1) {
		switch (c) {
		case 'l': o.lab_path = optarg; break;
		case 'b':
			if (o.n_boards == LAB_CHECK_MAX_BOARDS)
				return usage_error("too many --board options", optarg);
			boards[o.n_boards++] = optarg;
			break;
		case 'e': o.events_path = optarg; break;
		case 't': {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0) || v > 1000)
				return usage_error("--time-scale wants a number above 0 (at most 1000)", optarg);
			o.time_scale = v;
			break;
		}
		case 'q': o.verbosity = 0; break;
		case 'v': o.verbosity = 2; break;
		case 'h': fputs(lab_check_usage, stdout); return 0;
		default: return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!o.lab_path)
		return usage_error("which lab? give --lab FILE", NULL);
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return usage_error("cannot find the pitest binary (/proc/self/exe)", NULL);
	self_exe[n] = '\0';
	o.self_exe = self_exe;
	return lab_check_run(&o);
}
