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
	FAULT_CORRUPT,     /* DHCP: replace option `option` with `value`;
			    * TFTP: overwrite the data at byte `bytes` of the file with `value` */
	FAULT_ERROR,       /* TFTP: answer with ERROR `code` / `message` instead;
			    * NFS: fail the call with nfsstat3 (mountstat3 for MNT) `code` */
	FAULT_MISSING,     /* TFTP: answer ERROR 1 "File not found" as if the file were absent */
	FAULT_STALL,       /* TFTP: go silent from block `block` on (the client times out);
			    * NFS: the connection goes silent for delay_s (0 = for good) */
	FAULT_TRUNCATE,    /* TFTP: the file ends after `bytes` bytes; NFS: READ returns at most `bytes` */
	FAULT_IGNORE_OPTIONS, /* TFTP: no OACK, plain RFC 1350 transfer */
	FAULT_DUPLICATE,   /* TFTP: send block `block` twice */
	FAULT_RATE,        /* TFTP: hold the transfer to `rate` bytes per second (slow link) */
	FAULT_DROP_REPLY,  /* NFS: execute the call, lose its reply (the DRC answers the retransmit) */
	FAULT_CLOSE,       /* NFS: close the TCP connection instead of replying */
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
	/* TFTP (and later NFS) selectors and parameters */
	char file[256];           /* glob on the requested path or its last component; "" = any */
	unsigned block;           /* data block number the rule is for; 0 = any */
	uint64_t bytes;           /* FAULT_TRUNCATE length / FAULT_CORRUPT offset */
	uint64_t rate;            /* FAULT_RATE, bytes per second (board time) */
	int code;                 /* FAULT_ERROR: error code */
	char message[128];        /* FAULT_ERROR: error text; "" = the protocol's default text */
	int source_line;          /* line in the suite file, for messages; 0 if none */
};

/* What a server is about to do, for fault_engine_query(). */
struct fault_query {
	const char *server;       /* "dhcp", "tftp", "nfs" */
	const char *what;         /* "offer", "rrq", "oack", "data"... matched against rule->on */
	const char *file;         /* requested path; NULL when not about a file */
	unsigned block;           /* data block number; 0 when not about a block */
	const char *board;        /* "" or NULL when unknown */
	const char *model;
	const char *detail;       /* free text for the fault.applied event; may be NULL */
};

/* Name <-> action, e.g. "omit-option". Returns -EINVAL for unknown names. */
int fault_action_from_name(const char *name, enum fault_action *ret_action);
const char *fault_action_name(enum fault_action action);

struct fault_engine;

/* Copies the rules. `tl` may be NULL (no events). Returns NULL on OOM. */
struct fault_engine *fault_engine_new(const struct fault_rule *rules, size_t n_rules,
				      struct timeline *tl);
void fault_engine_free(struct fault_engine *engine);
/* Which --repeat run (0-based) the engine serves: probability draws are
 * seeded by it too, so repeated runs differ and run 0 matches a single run.
 * Call before the first match. */
void fault_engine_set_run(struct fault_engine *engine, unsigned run);

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

/*
 * The same with file and block selectors: a rule with `file` set matches
 * only when q->file matches the glob as a whole path or by its last
 * component; a rule with `block` set only when q->block equals it. The
 * fault.applied event also carries `file` and `block` when given.
 */
const struct fault_rule *fault_engine_query(struct fault_engine *engine,
					    const struct fault_query *q);

#endif
