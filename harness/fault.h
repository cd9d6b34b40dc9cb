/*
 * fault.h - the fault rule engine shared by the DHCP, TFTP and NFS servers.
 *
 * A rule says where (server, message or file, board), when (skip the first
 * `after` matches, then fire `count` times, each with `probability` drawn
 * from a generator seeded by `seed`) and what (an action the server carries
 * out). Counters are kept per rule *and board*, so a rule without a board
 * filter behaves the same on every board of a lab booting in parallel.
 * The engine decides; the server applies; each applied fault is emitted as a
 * "fault.applied" event by fault_engine_match().
 */
#ifndef PITEST_FAULT_H
#define PITEST_FAULT_H

#include <stddef.h>
#include <stdint.h>

struct timeline;

enum fault_action {
	FAULT_DROP,        /* do not send the reply */
	FAULT_DELAY,       /* send the reply `delay_s` later */
	FAULT_NAK,         /* DHCP: answer with NAK instead */
	FAULT_OMIT_OPTION, /* DHCP: leave option `option` out */
	FAULT_CORRUPT,     /* DHCP: replace option `option` with `value` */
	FAULT_ACTION_COUNT
};

#define FAULT_MAX_FILTER 16

struct fault_rule {
	char server[8];           /* "dhcp" (later "tftp", "nfs") */
	char on[64];              /* what it applies to: "offer", "ack" ... (glob) */
	enum fault_action action;
	unsigned count;           /* fire at most this many times per board; 0 = no limit */
	unsigned after;           /* skip the first `after` matches per board */
	double probability;       /* 0..1; 1 = always */
	uint64_t seed;            /* for probability */
	double delay_s;           /* FAULT_DELAY, in board seconds */
	int option;               /* FAULT_OMIT_OPTION / FAULT_CORRUPT: option code */
	char value[256];          /* FAULT_CORRUPT: new contents; "hex:0a0b.." for bytes */
	size_t n_boards;          /* board filter by name; empty = every board */
	char boards[FAULT_MAX_FILTER][32];
	size_t n_models;          /* board filter by model; empty = every model */
	char models[FAULT_MAX_FILTER][16];
	int source_line;          /* line in the suite file, for messages; 0 if none */
};

/* Name <-> action, e.g. "omit-option". Returns -EINVAL for unknown names. */
int fault_action_from_name(const char *name, enum fault_action *ret_action);
const char *fault_action_name(enum fault_action action);

struct fault_engine;

/* Copies the rules. `tl` may be NULL (no events). Returns NULL on OOM. */
struct fault_engine *fault_engine_new(const struct fault_rule *rules, size_t n_rules,
				      struct timeline *tl);
void fault_engine_free(struct fault_engine *engine);

/*
 * Looks for the first rule that matches (server, what, board, model) and,
 * after its after/count/probability say it fires, returns it and emits a
 * "fault.applied" event for `board` with fields server, on, action, rule
 * (1-based index) and `detail` (may be NULL). Returns NULL when nothing fires.
 * Rules that match but do not fire still advance their counters.
 */
const struct fault_rule *fault_engine_match(struct fault_engine *engine,
					    const char *server, const char *what,
					    const char *board, const char *model,
					    const char *detail);

#endif
