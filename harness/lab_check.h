/*
 * lab_check.h - `pitest lab check`: is each board of a lab wired the way
 * the lab file says?
 *
 * One board at a time, with the lab's own servers up as in a run: power it
 * off (whatever state it was left in), then on, and watch the timeline for
 * (a) console lines, (b) a DHCP DISCOVER from the board's MAC (one from
 * another Raspberry Pi instead is named: a swapped relay or a wrong mac:),
 * then power it off and check that (c) nothing of it comes any more: no
 * console line, no DHCP/TFTP/NFS packet. One line per board says what works
 * and what does not, and a "labcheck.board" event {power, console, network,
 * off} records it on the timeline.
 *
 * The judging is pure (lab_check_judge, lab_check_format) so that unit
 * tests can feed it what a board did.
 */
#ifndef PITEST_LAB_CHECK_H
#define PITEST_LAB_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/lab.h"

struct lab_check_options {
	const char *lab_path;
	const char *const *boards; /* --board NAME...: only these (n_boards 0 = all) */
	size_t n_boards;
	const char *events_path;   /* NULL = no JSON Lines file */
	const char *self_exe;      /* the pitest binary, to start virtual boards */
	double time_scale;         /* > 0 overrides the lab's */
	int verbosity;             /* 0 board lines only, 1 + progress, 2 + every event */
};

/* Returns 0 when every board checked is wired, 1 when one is not (or the
 * servers could not start), 2 for a usage or configuration error, 130 when
 * interrupted. Prints one line per board on stdout, problems on stderr. */
int lab_check_run(const struct lab_check_options *opts);

/* How long a model takes from power-on to its first DISCOVER and console
 * line, with room to spare (board seconds; pi-netboot.md 7). */
double lab_check_window_s(const char *model);

/* What a board did while it was checked. */
struct lab_check_seen {
	bool has_console;          /* the lab gives it a console to watch */
	bool manual;               /* power: manual (a person is the relay) */
	bool power_failed;         /* the power backend said it could not switch */
	char power_error[160];
	unsigned console_lines;    /* console lines after power on */
	bool discover;             /* a DISCOVER from the board's own MAC */
	char discover_mac[18];
	char other_mac[18];        /* first DISCOVER from another Pi ("" = none) */
	char other_board[LAB_NAME_MAX]; /* the lab's name for that MAC ("" = not in the lab) */
	bool off_failed;           /* the power backend could not switch it off */
	unsigned after_off_lines;  /* console lines after power off (and its settle time) */
	unsigned after_off_packets; /* DHCP/TFTP/NFS packets of it, likewise */
	double window_s;           /* how long it was watched after power on (board s) */
};

/* One word per column, as the labcheck.board event carries them. */
struct lab_check_verdict {
	const char *power;   /* ok | unknown | failed */
	const char *console; /* ok | none | absent (the lab gives it no console) */
	const char *network; /* ok | none | wrong */
	const char *off;     /* ok | on (still heard after power off) | failed | unknown */
	bool wired;          /* every column is right */
};

void lab_check_judge(const struct lab_check_seen *seen, struct lab_check_verdict *ret);

/*
 * The board's line: "pi4b-1  power ok  console ok (14 lines)  network ok
 * (DISCOVER from dc:a6:32:12:34:56)  off ok", with what to look at after
 * " -> " when something is wrong. name_width pads the name. Returns the
 * length written (cut to cap).
 */
size_t lab_check_format(const char *name, int name_width, const struct lab_check_seen *seen,
			char *buf, size_t cap);

#endif
