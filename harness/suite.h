/*
 * suite.h - a suite file: cases of faults, power steps and expectations.
 *
 * suite: dhcp-phase
 * cases:
 *   - name: dropped-offer-is-retried
 *     models: [pi4b, pi5]             # optional: only these models
 *     dhcp: { reservations: false }    # optional per-case server settings
 *     faults:
 *       - { server: dhcp, on: offer, action: drop, count: 1 }
 *       - { server: tftp, on: rrq, action: missing, file: "*start4.elf" }
 *       - { server: tftp, on: data, action: stall, block: 100, file: kernel8.img }
 *     steps:
 *       - power: on
 *       - expect: { event: dhcp.discover, within: 10s }
 *       - expect: { event: dhcp.offer, match: { ip: "{board.ip}" }, within: 5s }
 *       - expect: { event: console.line, match: { text: "re:^NET [0-9.]+" } }  # re: regex
 *       - absent: { event: dhcp.discover, within: 8s }   # must not happen
 *       - wait: 2s
 *       - expect: { event: dhcp.ack, within: 5s, models: [pi4b, pi5] }
 *
 * Durations are board time (scaled by the lab's time_scale on virtual labs).
 * A step may also be `restart: nfs` (or tftp): the server stops, dropping
 * its connections and transfers, and starts again with the same state.
 *
 * A case may build on the boot of another suite instead of listing steps:
 *   - name: mount-refused
 *     boot: full-boot                 # full-boot.yaml beside this file, else the
 *                                     #   project's suites/full-boot.yaml; its
 *                                     #   first case (or full-boot/CASE)
 *     faults: [...]                   # added to the boot's own faults
 *     replace:                        # a phase's steps swapped for these
 *       - phase: boot-dhcp
 *         steps: [...]
 *     until: kernel-dhcp              # keep the boot up to this phase's end
 *     then: [...]                     # steps after what is kept
 * A phase's steps are those after the end of the phase before it, up to
 * and including the last step that ends it (`phase: NAME`); steps after
 * the last phase form the tail, which `until` drops. A replacement times
 * the phase only where one of its steps says `phase: NAME` again (a phase
 * that a fault stops should not be timed as if it ended).
 *
 * Fault keys: server (dhcp | tftp), on (glob over the server's messages:
 * DHCP discover..inform; TFTP rrq, oack, data), action, count, after,
 * probability, seed, boards, models, and per action:
 *   dhcp: drop, delay (delay:), nak, omit-option (option:), corrupt (option:, value:)
 *   tftp, on rrq: error (code: 0-255, message: optional), missing,
 *     truncate (bytes:), rate (rate: bytes per second), ignore-options;
 *     on rrq/oack/data: drop, delay (delay:);
 *     on data: stall, duplicate, corrupt (value: text or hex:.., bytes: offset)
 *   tftp selectors: file: (glob on the path or its last component), block: (DATA only)
 * Sizes and rates: 4096, 64K (x1000), 1.5MiB (x1024), ...
 */
#ifndef PITEST_SUITE_H
#define PITEST_SUITE_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/fault.h"

#define SUITE_MAX_MATCH 8
#define SUITE_MAX_MODELS 8
#define SUITE_MAX_BOARDS 32

enum step_kind {
	STEP_POWER,   /* power: on | off | cycle */
	STEP_EXPECT,  /* the next matching event must come within `within_s` */
	STEP_ABSENT,  /* no matching event may come within `within_s` */
	STEP_WAIT,    /* let `within_s` pass */
	STEP_RESTART, /* stop the lab's `server` and start it again at once */
};

struct match_field {
	char key[24];
	char value[256]; /* glob; "{board.ip}" style placeholders; "A-B" IPv4 range */
};

struct suite_step {
	enum step_kind kind;
	int line;
	char power[8];           /* STEP_POWER: "on", "off", "cycle" */
	char event[32];          /* STEP_EXPECT / STEP_ABSENT: event name (glob) */
	size_t n_match;
	struct match_field match[SUITE_MAX_MATCH];
	double within_s;         /* board seconds */
	size_t n_models;         /* step applies only to these models; 0 = all */
	char models[SUITE_MAX_MODELS][16];
	char hint[200];          /* what to look at when the step fails ("" = none) */
	char phase[24];          /* STEP_EXPECT: its match ends this boot phase ("" = none) */
	char server[8];          /* STEP_RESTART: "nfs" or "tftp" */
	char file[64];           /* the suite file the step comes from, when not the case's own */
};

struct suite_case {
	char name[64];
	char description[256];
	int line;
	size_t n_models;          /* case runs only on these models; 0 = all */
	char models[SUITE_MAX_MODELS][16];
	size_t n_boards;          /* case runs only on these boards; 0 = all */
	char boards[SUITE_MAX_BOARDS][32];
	double timeout_s;         /* whole case, board seconds; 0 = sum of the steps */
	bool dhcp_reservations;   /* default true */
	size_t n_faults;
	struct fault_rule *faults;
	size_t n_steps;
	struct suite_step *steps;
};

struct suite {
	char path[512];
	char name[64];
	char description[256];
	size_t n_cases;
	struct suite_case *cases;
};

/* Field names `match:` accepts (the keys servers put on events). NULL-terminated. */
extern const char *const suite_match_keys[];

/*
 * Loads and validates a suite file. On failure returns -EINVAL (or -errno)
 * and writes one message "FILE:LINE: what was expected" into err.
 */
int suite_load(const char *path, struct suite **ret_suite, char *err, size_t errcap);
void suite_free(struct suite *suite);

#endif
