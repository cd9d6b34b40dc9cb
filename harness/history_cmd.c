/*
 * history_cmd.c - `pitest compare`: loads two history files and prints a
 * line per phase slower than the limits allow (history.h says how).
 */
#include "harness/history_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/history.h"

static const char compare_usage[] =
	"usage: pitest compare BASELINE CURRENT [--max-slowdown R] [--slack S]\n"
	"                      [--budget PHASE=SECONDS]...\n"
	"Compares the phase durations of two history files (pitest run --history DIR):\n"
	"the p50 of each phase per case and board model in CURRENT against BASELINE.\n"
	"Either may be a history directory: its newest file.\n"
	"  --max-slowdown R  a phase fails above R times its baseline p50 (default 1.25)\n"
	"  --slack S         ... plus S seconds, so short phases don't flap (default 0.2)\n"
	"  --budget P=S      phase P fails above S seconds, baseline or not (repeatable)\n"
	"exit status: 0 nothing slower, 1 a phase slower, 2 usage error or unreadable file\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest compare: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
		compare_usage);
	return 2;
}

int history_compare_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "max-slowdown", required_argument, NULL, 'm' },
		{ "slack", required_argument, NULL, 'k' },
		{ "budget", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct history_limits lim = { 0 };
	char err[1024];
	int c, index = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, &index)) != -1) {
		switch (c) {
		case 'm':
		case 'k':
		case 'B': {
			const char *name = c == 'm' ? "max-slowdown" : c == 'k' ? "slack" : "budget";
			if (history_parse_option(name, optarg, &lim, err, sizeof(err)) != 0)
				return usage_error(err, NULL);
			break;
		}
		case 'h': fputs(compare_usage, stdout); return 0;
		default: return usage_error("unknown option", NULL);
		}
	}
	if (argc - optind != 2)
		return usage_error(argc - optind < 2 ? "give the BASELINE and the CURRENT history file"
						     : "unexpected argument",
				   argc - optind > 2 ? argv[optind + 2] : NULL);
	struct history_run *base = NULL, *cur = NULL;
	int rc = 2;
	if (history_load(argv[optind], NULL, NULL, &base, err, sizeof(err)) != 0 ||
	    history_load(argv[optind + 1], NULL, NULL, &cur, err, sizeof(err)) != 0) {
		fprintf(stderr, "pitest compare: %s\n", err);
		goto out;
	}
	int n = history_report(base, cur, &lim, stdout, stderr);
	if (n < 0) {
		fprintf(stderr, "pitest compare: out of memory\n");
		goto out;
	}
	printf("compared %s with the baseline %s: %d phase%s slower\n", cur->path, base->path, n,
	       n == 1 ? "" : "s");
	rc = n > 0 ? 1 : 0;
out:
	history_run_free(base);
	history_run_free(cur);
	return rc;
}
