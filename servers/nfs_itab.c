/*
 * nfs_itab.c - chained hash table of an export's inodes (see nfs_itab.h).
 * Names are stored with their entry; the table doubles when the load
 * passes one entry per bucket.
 */
#include "servers/nfs_itab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct nfs_itab {
	struct nfs_itab_ent **buckets;
	size_t n_buckets;          /* a power of two */
	size_t count;
};

static size_t slot(uint64_t ino, size_t n_buckets)
{
	/* Inode numbers are dense: mix them so neighbours spread. */
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdULL;
	ino ^= ino >> 33;
	return (size_t)ino & (n_buckets - 1);
}

struct nfs_itab *nfs_itab_new(void)
{
	struct nfs_itab *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->n_buckets = 1024;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	return t;
}

void nfs_itab_free(struct nfs_itab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct nfs_itab_ent *e = t->buckets[i];
		while (e) {
			struct nfs_itab_ent *next = e->next;
			free(e);
			e = next;
		}
	}
	free(t->buckets);
	free(t);
}

struct nfs_itab_ent *nfs_itab_get(struct nfs_itab *t, uint64_t ino)
{
	for (struct nfs_itab_ent *e = t->buckets[slot(ino, t->n_buckets)]; e; e = e->next)
		if (e->ino == ino)
			return e;
	return NULL;
}

static void grow(struct nfs_itab *t)
{
	size_t n = t->n_buckets * 2;
	struct nfs_itab_ent **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct nfs_itab_ent *e = t->buckets[i];
		while (e) {
			struct nfs_itab_ent *next = e->next;
			size_t s = slot(e->ino, n);
			e->next = b[s];
			b[s] = e;
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
}

static void unlink_ent(struct nfs_itab *t, uint64_t ino)
{
	struct nfs_itab_ent **pp = &t->buckets[slot(ino, t->n_buckets)];
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->ino == ino) {
			struct nfs_itab_ent *e = *pp;
			*pp = e->next;
			free(e);
			t->count--;
			return;
		}
	}
}

int nfs_itab_put(struct nfs_itab *t, uint64_t ino, uint64_t parent, const char *name,
		 uint8_t type, bool gen_known, uint32_t gen)
{
	struct nfs_itab_ent *old = nfs_itab_get(t, ino);
	size_t len = strlen(name);
	if (old && strlen(old->name) == len) {
		/* Same length: update in place (the common re-LOOKUP). */
		memcpy(old->name, name, len + 1);
		old->parent = parent;
		old->type = type;
		old->gone = false;
		if (gen_known || !old->gen_known) {
			old->gen_known = gen_known;
			old->gen = gen;
		}
		return 0;
	}
	if (!old && t->count >= NFS_ITAB_MAX)
		return -ENOSPC;
	struct nfs_itab_ent *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	if (old) {
		/* Keep a known generation when the scan re-lists a renamed entry. */
		if (!gen_known && old->gen_known) {
			gen_known = true;
			gen = old->gen;
		}
		unlink_ent(t, ino);
	}
	e->ino = ino;
	e->parent = parent;
	e->gen = gen;
	e->type = type;
	e->gen_known = gen_known;
	e->gone = false;
	memcpy(e->name, name, len + 1);
	size_t s = slot(ino, t->n_buckets);
	e->next = t->buckets[s];
	t->buckets[s] = e;
	if (++t->count > t->n_buckets)
		grow(t);
	return 0;
}

void nfs_itab_forget(struct nfs_itab *t, uint64_t ino)
{
	unlink_ent(t, ino);
}

size_t nfs_itab_count(const struct nfs_itab *t)
{
	return t->count;
}
