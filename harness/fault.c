/*
 * fault.c - the shared fault rule engine.
 *
 * Counters live per (rule, board) so that a rule with no board filter
 * behaves the same on every board of a lab booting in parallel. The random
 * draw for `probability` comes from a splitmix64 stream per (rule, board),
 * seeded from the rule's seed, the board name and the --repeat run: the
 * same suite with the same seed injects the same faults on the same boards,
 * invocation after invocation, while each repeated run draws anew (a
 * nightly's `--repeat 5` of a 10% drop is five samples, not one five times).
 */
#include "harness/fault.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/timeline.h"

#define FAULT_MAX_BOARD_STATES 256

static const char *const action_names[FAULT_ACTION_COUNT] = {
	[FAULT_DROP] = "drop",
	[FAULT_DELAY] = "delay",
	[FAULT_NAK] = "nak",
	[FAULT_OMIT_OPTION] = "omit-option",
	[FAULT_CORRUPT] = "corrupt",
	[FAULT_ERROR] = "error",
	[FAULT_MISSING] = "missing",
	[FAULT_STALL] = "stall",
	[FAULT_TRUNCATE] = "truncate",
	[FAULT_IGNORE_OPTIONS] = "ignore-options",
	[FAULT_DUPLICATE] = "duplicate",
	[FAULT_RATE] = "rate",
	[FAULT_DROP_REPLY] = "drop-reply",
	[FAULT_CLOSE] = "close",
};

int fault_action_from_name(const char *name, enum fault_action *ret_action)
{
	for (int i = 0; i < FAULT_ACTION_COUNT; i++) {
		if (action_names[i] && strcmp(action_names[i], name) == 0) {
			*ret_action = (enum fault_action)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *fault_action_name(enum fault_action action)
{
	if ((int)action < 0 || action >= FAULT_ACTION_COUNT)
		return "unknown";
	return action_names[action];
}

struct board_state {
	char board[32];
	unsigned matched;  /* matches seen, fired or not */
	unsigned fired;
	uint64_t rng;
};

struct rule_state {
	struct fault_rule rule;
	size_t n_boards;
	struct board_state boards[FAULT_MAX_BOARD_STATES];
};

struct fault_engine {
	struct timeline *tl;
	uint64_t run_salt;  /* 0 for the first run: a single run is as before */
	size_t n_rules;
	struct rule_state *rules;
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct fault_engine *fault_engine_new(const struct fault_rule *rules, size_t n_rules,
				      struct timeline *tl)
{
	struct fault_engine *engine = calloc(1, sizeof(*engine));
	if (!engine)
		return NULL;
	if (n_rules) {
		engine->rules = calloc(n_rules, sizeof(*engine->rules));
		if (!engine->rules) {
			free(engine);
			return NULL;
		}
	}
	for (size_t i = 0; i < n_rules; i++)
		engine->rules[i].rule = rules[i];
	engine->n_rules = n_rules;
	engine->tl = tl;
	return engine;
}

void fault_engine_set_run(struct fault_engine *engine, unsigned run)
{
	uint64_t state = run;
	engine->run_salt = run ? splitmix64(&state) : 0;
}

void fault_engine_free(struct fault_engine *engine)
{
	if (!engine)
		return;
	free(engine->rules);
	free(engine);
}

static bool in_list(const char *value, const char (*list)[32], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], value) == 0)
			return true;
	return false;
}

static bool model_in_list(const char *model, const char (*list)[16], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], model) == 0)
			return true;
	return false;
}

static bool file_matches(const char *glob, const char *file)
{
	if (!glob[0])
		return true;
	if (!file)
		return false;
	if (fnmatch(glob, file, 0) == 0)
		return true;
	const char *base = strrchr(file, '/');
	return base && fnmatch(glob, base + 1, 0) == 0;
}

static bool rule_applies(const struct fault_rule *r, const struct fault_query *q,
			 const char *board, const char *model)
{
	if (strcmp(r->server, q->server) != 0)
		return false;
	if (fnmatch(r->on, q->what, 0) != 0)
		return false;
	if (!file_matches(r->file, q->file))
		return false;
	if (r->block && r->block != q->block)
		return false;
	if (r->n_boards && !in_list(board, r->boards, r->n_boards))
		return false;
	if (r->n_models && !model_in_list(model, r->models, r->n_models))
		return false;
	return true;
}

static struct board_state *board_state_for(const struct fault_engine *engine,
					   struct rule_state *rs, size_t rule_index,
					   const char *board)
{
	for (size_t i = 0; i < rs->n_boards; i++)
		if (strcmp(rs->boards[i].board, board) == 0)
			return &rs->boards[i];
	/* Bounded: with more distinct boards than slots (e.g. a load test with
	 * thousands of unknown clients) they share the last slot. */
	if (rs->n_boards == FAULT_MAX_BOARD_STATES)
		return &rs->boards[FAULT_MAX_BOARD_STATES - 1];
	struct board_state *bs = &rs->boards[rs->n_boards++];
	snprintf(bs->board, sizeof(bs->board), "%s", board);
	bs->rng = rs->rule.seed ^ hash_name(board) ^ (rule_index * 0x100000001b3ull) ^ engine->run_salt;
	return bs;
}

const struct fault_rule *fault_engine_match(struct fault_engine *engine, const char *server,
					    const char *what, const char *board,
					    const char *model, const char *detail)
{
	struct fault_query q = { .server = server, .what = what, .board = board,
				 .model = model, .detail = detail };
	return fault_engine_query(engine, &q);
}

const struct fault_rule *fault_engine_query(struct fault_engine *engine,
					    const struct fault_query *q)
{
	if (!engine)
		return NULL;
	const char *board = q->board ? q->board : "";
	const char *model = q->model ? q->model : "";
	for (size_t i = 0; i < engine->n_rules; i++) {
		struct rule_state *rs = &engine->rules[i];
		const struct fault_rule *r = &rs->rule;
		if (!rule_applies(r, q, board, model))
			continue;
		struct board_state *bs = board_state_for(engine, rs, i, board);
		bs->matched++;
		if (bs->matched <= r->after)
			continue;
		if (r->count && bs->fired >= r->count)
			continue;
		if (r->probability < 1.0) {
			double draw = (double)(splitmix64(&bs->rng) >> 11) / (double)(1ull << 53);
			if (draw >= r->probability)
				continue;
		}
		bs->fired++;
		char rule_no[24], nth[16], block[16];
		snprintf(rule_no, sizeof(rule_no), "%zu", i + 1);
		snprintf(nth, sizeof(nth), "%u", bs->fired);
		const char *keys[9] = { "server", "on", "action", "rule", "nth", "detail" };
		const char *vals[9] = { q->server, q->what, fault_action_name(r->action), rule_no,
					nth, q->detail ? q->detail : "" };
		size_t n = 6;
		if (q->file) {
			keys[n] = "file";
			vals[n++] = q->file;
		}
		if (q->block) {
			snprintf(block, sizeof(block), "%u", q->block);
			keys[n] = "block";
			vals[n++] = block;
		}
		timeline_emitv(engine->tl, board, "fault.applied", n, keys, vals);
		return r;
	}
	return NULL;
}
