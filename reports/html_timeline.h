/*
 * html_timeline.h - one board's boot as an inline SVG on one time axis.
 *
 * Lanes, top to bottom: power (power.on/off), DHCP (one group per exchange,
 * by xid, with a mark per message), TFTP (a bar per file from tftp.rrq to
 * tftp.done/error, labelled with its name, size and rate; the firmware's
 * size probes, an rrq ended by tftp.probe, are only marks), NFS (mount and
 * RPC calls as ticks, dense calls grouped), console (milestones), faults.
 * Faults (fault.applied) are also drawn across every lane where they fired,
 * and a failed run gets a mark at its failing step and its end.
 *
 * Every element a test or a style rule needs has a class and data-*
 * attributes: class="bar tftp" data-file="start4.elf", class="fault",
 * class="failure-mark", class="milestone console" data-milestone="kernel".
 * Times are seconds from the board's run start (result.json's t_start).
 */
#ifndef PITEST_HTML_TIMELINE_H
#define PITEST_HTML_TIMELINE_H

#include <stdio.h>

#include "reports/case_artifacts.h"

/* Where a board's events start on the axis: its t_start, when the events use that clock. */
double html_timeline_origin(const struct case_art_board *b);

/* The console milestone a line is ("first-line" aside), or NULL. */
const char *html_timeline_milestone(const char *text);

/* Writes the <svg> of a loaded board (case_art_board_load). */
void html_timeline_svg(FILE *out, const struct case_art_board *b);

#endif
