/*
 * classify.h - why a board run failed, from the evidence on its timeline.
 *
 * A failed run is put in one of six classes, each naming where to look:
 *
 *   power-cable  nothing from the board at all, or no network traffic
 *   dhcp         DISCOVERs without a usable OFFER/ACK, a NAK, or an
 *                address without the PXE options so no TFTP follows
 *   tftp         a file of the boot tree: missing, refused, timed out,
 *                cut short or damaged in transfer (the file is named)
 *   nfs          the root mount refused, NFS errors, server not responding
 *   kernel       the kernel image, or a panic NFS does not explain
 *   userland     init missing or dying, or init started and no login
 *
 * The boot is a chain of stages (power, boot DHCP, firmware over TFTP,
 * kernel, kernel DHCP, NFS root, init, login). The failed step tells how far
 * the board had to get; the first stage up to there that the board did not
 * complete is the class, and its sentence quotes the event that shows why.
 * When every stage up to the step completed (the step wanted something
 * else, e.g. another address), the class is the step's own stage. A step
 * that forbade an event (`absent`) is classed by the event it saw.
 *
 * Faults the board got over (a dropped OFFER, a JUKEBOX answered by a
 * retry, a serial-folder file the firmware then found elsewhere) are passed
 * over. A kernel image that fails its check is `kernel`, unless a TFTP
 * fault damaged it on the way (virtual labs). "No working init found" with
 * no NFS error is `userland`: the root's contents, not the kernel.
 *
 * Pure: reads the events it is given, no clock, no I/O.
 */
#ifndef PITEST_CLASSIFY_H
#define PITEST_CLASSIFY_H

#include <stddef.h>

#include "harness/timeline.h"

#define CLASSIFY_TOKEN_MAX 16
#define CLASSIFY_EVIDENCE_MAX 512

struct classify_input {
	const char *step_event;  /* event glob of the step that failed ("" or NULL: none) */
	const char *step_text;   /* its `match: text:` glob, for console steps (or NULL) */
	const char *step_hint;   /* its hint (or NULL): a last resort to place the step */
	const char *step_phase;  /* the phase the step ends (or NULL) */
	const char *phase_under_way; /* the phase of the next phase-ending step (or NULL) */
	const char *runner_type; /* what the runner called it: "timeout", "unexpected"... */
	double t0;               /* timeline time the run started: evidence times count from it */
	double step_t;           /* timeline time the failed step became current */
	double t_end;            /* timeline time the run failed */
	const struct event *const *events; /* the board's own events of the run, oldest first */
	size_t n_events;
};

struct classify_result {
	char token[CLASSIFY_TOKEN_MAX];       /* "tftp": the JUnit failure type */
	char evidence[CLASSIFY_EVIDENCE_MAX]; /* "tftp: start4.elf: File not found (error 1) at 2.31 s" */
};

/* Classes a failed run. Always fills `ret` (NULL input fields are empty). */
void classify_run(const struct classify_input *in, struct classify_result *ret);

/* True for the six tokens classify_run() returns. */
int classify_is_token(const char *token);

/*
 * Counts of each distinct type, most frequent first, ties in first-seen
 * order: "2 tftp, 1 nfs". Writes "" for n == 0. Returns the length
 * snprintf would have written.
 */
size_t classify_count_text(const char *const *types, size_t n, char *out, size_t cap);

#endif
