/*
 * html.h - the HTML report: a self-contained page set (inline style and
 * script, nothing fetched) that a person opens from disk.
 *
 *   OUT/index.html              suite x board: case rows, board columns,
 *                               verdict colour, duration, phase durations
 *   OUT/<case>[#<rep>]/<board>.html
 *                               the board's boot timeline (SVG: power, DHCP,
 *                               TFTP bars, NFS, console milestones, faults,
 *                               the failing step) beside its console log
 *                               (filterable), links to capture and events
 *   OUT/trends.html             from a history directory: per-phase p50/p95
 *                               per model and board over time, pass ratios,
 *                               regressions marked
 *
 * Links to the artifacts are relative, so OUT and the artifacts directory
 * can move together.
 */
#ifndef PITEST_HTML_H
#define PITEST_HTML_H

#include <stddef.h>

struct history_limits;

/*
 * Writes index.html and a page per case and board from an artifacts
 * directory (see case_artifacts.h). 0, or -errno with one message in err.
 */
int html_report_write(const char *artifacts_dir, const char *out_dir, char *err, size_t errcap);

/*
 * Writes OUT/trends.html from the history files of `history_dir`
 * (history.h), oldest first. A run is a regression point where
 * history_compare() with the previous run of the same suite and lab finds
 * a slower phase under `lim` (NULL: the defaults). Files that are not
 * history files are listed on the page, not fatal. 0, or -errno with a
 * message.
 */
int html_trends_write(const char *history_dir, const char *out_dir,
		      const struct history_limits *lim, char *err, size_t errcap);

#endif
