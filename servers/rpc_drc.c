/*
 * rpc_drc.c - duplicate-request cache: a fixed array of entries, chained
 * hash buckets and an LRU list, all by index (no allocation per call but
 * the kept reply). See rpc_drc.h.
 */
#include "servers/rpc_drc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct drc_entry {
	struct rpc_drc_key key;
	bool used;
	bool in_progress;
	uint32_t gen;            /* bumped on every reuse: stale tokens miss */
	uint8_t *reply;
	size_t len;
	uint32_t hnext;          /* bucket chain */
	uint32_t lprev, lnext;   /* LRU list: head = most recent */
};

struct rpc_drc {
	struct drc_entry *e;
	uint32_t n;
	uint32_t *bucket;
	uint32_t n_bucket;       /* power of two */
	uint32_t lru_head, lru_tail;
	uint32_t free_head;      /* free entries chained through hnext */
	size_t count;
	size_t bytes, max_bytes;
};

uint64_t rpc_drc_checksum(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint32_t key_hash(const struct rpc_drc_key *k)
{
	uint64_t h = k->xid;
	h = h * 0x9e3779b97f4a7c15ull ^ k->ip;
	h = h * 0x9e3779b97f4a7c15ull ^ ((uint64_t)k->port << 1 | k->tcp);
	h = h * 0x9e3779b97f4a7c15ull ^ k->proc;
	h ^= h >> 29;
	return (uint32_t)h;
}

static bool key_eq(const struct rpc_drc_key *a, const struct rpc_drc_key *b)
{
	return a->xid == b->xid && a->prog == b->prog && a->vers == b->vers &&
	       a->proc == b->proc && a->ip == b->ip && a->port == b->port &&
	       a->tcp == b->tcp && a->args_len == b->args_len && a->args_sum == b->args_sum;
}

struct rpc_drc *rpc_drc_new(size_t n_entries, size_t max_bytes)
{
	if (n_entries == 0)
		n_entries = 1024;
	if (n_entries > (1u << 24))
		n_entries = 1u << 24;
	struct rpc_drc *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->n = (uint32_t)n_entries;
	d->n_bucket = 1;
	while (d->n_bucket < d->n)
		d->n_bucket <<= 1;
	d->e = calloc(d->n, sizeof(*d->e));
	d->bucket = malloc(sizeof(*d->bucket) * d->n_bucket);
	if (!d->e || !d->bucket) {
		rpc_drc_free(d);
		return NULL;
	}
	for (uint32_t i = 0; i < d->n_bucket; i++)
		d->bucket[i] = NIL;
	for (uint32_t i = 0; i < d->n; i++)
		d->e[i].hnext = i + 1 < d->n ? i + 1 : NIL;
	d->free_head = 0;
	d->lru_head = d->lru_tail = NIL;
	d->max_bytes = max_bytes ? max_bytes : 64u << 20;
	return d;
}

void rpc_drc_free(struct rpc_drc *drc)
{
	if (!drc)
		return;
	if (drc->e)
		for (uint32_t i = 0; i < drc->n; i++)
			free(drc->e[i].reply);
	free(drc->e);
	free(drc->bucket);
	free(drc);
}

static void lru_unlink(struct rpc_drc *d, uint32_t i)
{
	struct drc_entry *x = &d->e[i];
	if (x->lprev != NIL)
		d->e[x->lprev].lnext = x->lnext;
	else
		d->lru_head = x->lnext;
	if (x->lnext != NIL)
		d->e[x->lnext].lprev = x->lprev;
	else
		d->lru_tail = x->lprev;
}

static void lru_push_head(struct rpc_drc *d, uint32_t i)
{
	struct drc_entry *x = &d->e[i];
	x->lprev = NIL;
	x->lnext = d->lru_head;
	if (d->lru_head != NIL)
		d->e[d->lru_head].lprev = i;
	d->lru_head = i;
	if (d->lru_tail == NIL)
		d->lru_tail = i;
}

static void entry_remove(struct rpc_drc *d, uint32_t i)
{
	struct drc_entry *x = &d->e[i];
	uint32_t *pp = &d->bucket[key_hash(&x->key) & (d->n_bucket - 1)];
	while (*pp != i)
		pp = &d->e[*pp].hnext;
	*pp = x->hnext;
	lru_unlink(d, i);
	d->bytes -= x->len;
	free(x->reply);
	x->reply = NULL;
	x->len = 0;
	x->used = false;
	x->hnext = d->free_head;
	d->free_head = i;
	d->count--;
}

static uint32_t find(const struct rpc_drc *d, const struct rpc_drc_key *key)
{
	for (uint32_t i = d->bucket[key_hash(key) & (d->n_bucket - 1)]; i != NIL; i = d->e[i].hnext)
		if (key_eq(&d->e[i].key, key))
			return i;
	return NIL;
}

enum rpc_drc_state rpc_drc_lookup(struct rpc_drc *drc, const struct rpc_drc_key *key,
				  const uint8_t **ret_reply, size_t *ret_len)
{
	uint32_t i = find(drc, key);
	if (i == NIL)
		return RPC_DRC_MISS;
	struct drc_entry *x = &drc->e[i];
	lru_unlink(drc, i);
	lru_push_head(drc, i);
	if (x->in_progress)
		return RPC_DRC_IN_PROGRESS;
	if (!x->reply) {
		/* Done without a reply to replay: nothing to answer from. */
		entry_remove(drc, i);
		return RPC_DRC_MISS;
	}
	*ret_reply = x->reply;
	*ret_len = x->len;
	return RPC_DRC_DONE;
}

int rpc_drc_insert(struct rpc_drc *drc, const struct rpc_drc_key *key, const uint8_t *reply,
		   size_t len, bool in_progress, uint64_t *ret_token)
{
	if (reply && len > drc->max_bytes)
		return -E2BIG;
	uint8_t *copy = NULL;
	if (reply) {
		copy = malloc(len ? len : 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, reply, len);
	}
	uint32_t old = find(drc, key);
	if (old != NIL)
		entry_remove(drc, old);
	while (drc->lru_tail != NIL &&
	       (drc->free_head == NIL || drc->bytes + (reply ? len : 0) > drc->max_bytes))
		entry_remove(drc, drc->lru_tail);
	uint32_t i = drc->free_head;
	struct drc_entry *x = &drc->e[i];
	drc->free_head = x->hnext;
	uint32_t gen = x->gen + 1;
	*x = (struct drc_entry){ .key = *key, .used = true, .in_progress = in_progress,
				 .gen = gen ? gen : 1, .reply = copy, .len = reply ? len : 0 };
	uint32_t *b = &drc->bucket[key_hash(key) & (drc->n_bucket - 1)];
	x->hnext = *b;
	*b = i;
	lru_push_head(drc, i);
	drc->bytes += x->len;
	drc->count++;
	if (ret_token)
		*ret_token = (uint64_t)x->gen << 32 | i;
	return 0;
}

void rpc_drc_sent(struct rpc_drc *drc, uint64_t token)
{
	uint32_t i = (uint32_t)token, gen = (uint32_t)(token >> 32);
	if (i >= drc->n || !drc->e[i].used || drc->e[i].gen != gen || !drc->e[i].in_progress)
		return;
	if (drc->e[i].reply)
		drc->e[i].in_progress = false;
	else
		entry_remove(drc, i);
}

size_t rpc_drc_count(const struct rpc_drc *drc)
{
	return drc->count;
}

size_t rpc_drc_bytes(const struct rpc_drc *drc)
{
	return drc->bytes;
}
