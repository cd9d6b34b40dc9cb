/*
 * report_cmd.c - `pitest report`: writes the HTML report of an artifacts
 * directory and, with --history, the trends page beside it.
 */
#include "harness/report_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/history.h"
#include "reports/html.h"

static const char report_usage[] =
	"usage: pitest report --artifacts DIR --html OUT [--history DIR]\n"
	"                     [--max-slowdown R] [--slack S] [--budget PHASE=SECONDS]...\n"
	"Writes a self-contained HTML report (open OUT/index.html, no network needed):\n"
	"a summary table per suite (cases x boards) and, per case and board, the boot\n"
	"timeline (power, DHCP, TFTP files, NFS, console milestones, faults, the failing\n"
	"step) beside the searchable console log, with links to the capture and events.\n"
	"  --artifacts DIR   a run's artifacts: DIR/<case>[#<rep>]/<board>/{result.json,\n"
	"                    events.jsonl,console.log,capture.pcapng}\n"
	"  --html OUT        where to write the pages (created)\n"
	"  --history DIR     also OUT/trends.html: per-phase p50/p95 per model and board\n"
	"                    over the runs of DIR (pitest run --history DIR), pass ratios,\n"
	"                    regressions marked by the --max-slowdown/--slack/--budget rule\n"
	"exit status: 0 written, 1 could not read or write, 2 usage error\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "pitest report: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
		report_usage);
	return 2;
}

int report_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "artifacts", required_argument, NULL, 'a' },
		{ "html", required_argument, NULL, 'o' },
		{ "history", required_argument, NULL, 'H' },
		{ "max-slowdown", required_argument, NULL, 'm' },
		{ "slack", required_argument, NULL, 'k' },
		{ "budget", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *artifacts = NULL, *out = NULL, *history = NULL;
	struct history_limits lim = { 0 };
	char err[1024] = "";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'a': artifacts = optarg; break;
		case 'o': out = optarg; break;
		case 'H': history = optarg; break;
		case 'm':
		case 'k':
		case 'B': {
			const char *name = c == 'm' ? "max-slowdown" : c == 'k' ? "slack" : "budget";
			if (history_parse_option(name, optarg, &lim, err, sizeof(err)) != 0)
				return usage_error(err, NULL);
			break;
		}
		case 'h': fputs(report_usage, stdout); return 0;
		default: return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!out)
		return usage_error("where to? give --html OUT", NULL);
	if (!artifacts && !history)
		return usage_error("what to report? give --artifacts DIR (and/or --history DIR)", NULL);
	/* Trends first, so the summary page finds trends.html and links to it. */
	if (history && html_trends_write(history, out, &lim, err, sizeof(err)) != 0) {
		fprintf(stderr, "pitest report: %s\n", err);
		return 1;
	}
	if (artifacts && html_report_write(artifacts, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "pitest report: %s\n", err);
		return 1;
	}
	printf("pitest report: wrote %s/%s\n", out, artifacts ? "index.html" : "trends.html");
	return 0;
}
