/*
 * dhcp_leases.c - lease table: MAC hash + dynamic range index.
 */
#include "servers/dhcp_leases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dhcp_leases {
	struct dhcp_lease *v;   /* entries, dense */
	size_t n, cap, max;
	uint32_t *hash;         /* entry index + 1, 0 = empty slot */
	size_t hash_mask;       /* hash size - 1 (power of two) */

	uint32_t first;         /* host order */
	uint32_t size;          /* addresses in the range; 0 = no range */
	uint32_t *by_addr;      /* entry index + 1 of the last entry given it */
	uint8_t *reserved;
	time_t *declined;       /* allocated on the first DECLINE */
	uint32_t cursor;
};

static size_t mac_hash(const uint8_t mac[6])
{
	uint64_t k = 0;
	memcpy(&k, mac, 6);
	k *= 0x9e3779b97f4a7c15ull;
	return (size_t)(k >> 29);
}

int dhcp_leases_new(uint32_t range_start, uint32_t range_end, size_t max_clients,
		    struct dhcp_leases **ret_tbl)
{
	struct dhcp_leases *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (range_start) {
		uint32_t a = ntohl(range_start), b = ntohl(range_end);
		if (b < a || b - a >= DHCP_LEASES_MAX_RANGE) {
			free(t);
			return -EINVAL;
		}
		t->first = a;
		t->size = b - a + 1;
		t->by_addr = calloc(t->size, sizeof(*t->by_addr));
		t->reserved = calloc(t->size, 1);
		if (!t->by_addr || !t->reserved)
			goto oom;
	}
	t->max = max_clients < 16 ? 16 : max_clients;
	if (t->max > (1u << 22))
		t->max = 1u << 22;
	t->cap = 64;
	t->v = calloc(t->cap, sizeof(*t->v));
	t->hash_mask = 255;
	t->hash = calloc(t->hash_mask + 1, sizeof(*t->hash));
	if (!t->v || !t->hash)
		goto oom;
	*ret_tbl = t;
	return 0;
oom:
	dhcp_leases_free(t);
	return -ENOMEM;
}

void dhcp_leases_free(struct dhcp_leases *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->hash);
	free(t->by_addr);
	free(t->reserved);
	free(t->declined);
	free(t);
}

static size_t hash_slot(const struct dhcp_leases *t, const uint8_t mac[6])
{
	size_t i = mac_hash(mac) & t->hash_mask;
	while (t->hash[i] && memcmp(t->v[t->hash[i] - 1].mac, mac, 6) != 0)
		i = (i + 1) & t->hash_mask;
	return i;
}

struct dhcp_lease *dhcp_leases_find(struct dhcp_leases *t, const uint8_t mac[6])
{
	size_t i = hash_slot(t, mac);
	return t->hash[i] ? &t->v[t->hash[i] - 1] : NULL;
}

static void fill_hash(struct dhcp_leases *t)
{
	memset(t->hash, 0, (t->hash_mask + 1) * sizeof(*t->hash));
	for (size_t k = 0; k < t->n; k++)
		t->hash[hash_slot(t, t->v[k].mac)] = (uint32_t)(k + 1);
}

static int grow_hash(struct dhcp_leases *t, size_t size)
{
	uint32_t *h = calloc(size, sizeof(*h));
	if (!h)
		return -ENOMEM;
	free(t->hash);
	t->hash = h;
	t->hash_mask = size - 1;
	fill_hash(t);
	return 0;
}

static bool in_range_h(const struct dhcp_leases *t, uint32_t host_ip)
{
	return t->size && host_ip - t->first < t->size;
}

bool dhcp_leases_in_range(const struct dhcp_leases *t, uint32_t ip)
{
	return in_range_h(t, ntohl(ip));
}

bool dhcp_lease_active(const struct dhcp_lease *l, time_t now)
{
	return l->ip != 0 && l->state != DHCP_LEASE_NONE && l->expires > now;
}

/* Drops entries that hold nothing, to make room for new clients. Indices
 * change, so the range index and the hash are rebuilt. */
static void compact(struct dhcp_leases *t, time_t now)
{
	size_t w = 0;
	for (size_t r = 0; r < t->n; r++) {
		if (!dhcp_lease_active(&t->v[r], now))
			continue;
		t->v[w++] = t->v[r];
	}
	t->n = w;
	if (t->size)
		memset(t->by_addr, 0, t->size * sizeof(*t->by_addr));
	for (size_t k = 0; k < t->n; k++) {
		uint32_t h = ntohl(t->v[k].ip);
		if (in_range_h(t, h))
			t->by_addr[h - t->first] = (uint32_t)(k + 1);
	}
	fill_hash(t);
}

int dhcp_leases_get(struct dhcp_leases *t, const uint8_t mac[6], time_t now,
		    struct dhcp_lease **ret_lease)
{
	size_t i = hash_slot(t, mac);
	if (t->hash[i]) {
		*ret_lease = &t->v[t->hash[i] - 1];
		return 0;
	}
	if (t->n >= t->max) {
		compact(t, now);
		if (t->n >= t->max)
			return -ENOSPC;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap * 2 > t->max ? t->max : t->cap * 2;
		struct dhcp_lease *nv = realloc(t->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	if ((t->n + 1) * 2 > t->hash_mask + 1) {
		int r = grow_hash(t, (t->hash_mask + 1) * 2);
		if (r < 0)
			return r;
	}
	i = hash_slot(t, mac);
	struct dhcp_lease *l = &t->v[t->n];
	memset(l, 0, sizeof(*l));
	memcpy(l->mac, mac, 6);
	t->hash[i] = (uint32_t)(++t->n);
	*ret_lease = l;
	return 0;
}

struct dhcp_lease *dhcp_leases_holder(struct dhcp_leases *t, uint32_t ip, time_t now)
{
	uint32_t h = ntohl(ip);
	if (!in_range_h(t, h))
		return NULL;
	uint32_t k = t->by_addr[h - t->first];
	if (!k)
		return NULL;
	struct dhcp_lease *l = &t->v[k - 1];
	return l->ip == ip && dhcp_lease_active(l, now) ? l : NULL;
}

void dhcp_leases_reserve(struct dhcp_leases *t, uint32_t ip)
{
	uint32_t h = ntohl(ip);
	if (in_range_h(t, h))
		t->reserved[h - t->first] = 1;
}

bool dhcp_leases_is_reserved(const struct dhcp_leases *t, uint32_t ip)
{
	uint32_t h = ntohl(ip);
	return in_range_h(t, h) && t->reserved[h - t->first];
}

void dhcp_leases_decline(struct dhcp_leases *t, uint32_t ip, time_t until)
{
	uint32_t h = ntohl(ip);
	if (!in_range_h(t, h))
		return;
	if (!t->declined) {
		t->declined = calloc(t->size, sizeof(*t->declined));
		if (!t->declined)
			return; /* without memory the mark is lost; the address stays usable */
	}
	t->declined[h - t->first] = until;
}

static bool slot_free(struct dhcp_leases *t, uint32_t off, const struct dhcp_lease *self, time_t now)
{
	if (t->reserved[off])
		return false;
	if (t->declined && t->declined[off] > now)
		return false;
	uint32_t k = t->by_addr[off];
	if (!k)
		return true;
	const struct dhcp_lease *l = &t->v[k - 1];
	if (l == self)
		return true;
	return !(l->ip == htonl(t->first + off) && dhcp_lease_active(l, now));
}

bool dhcp_leases_available(struct dhcp_leases *t, const struct dhcp_lease *l, uint32_t ip,
			   time_t now)
{
	uint32_t h = ntohl(ip);
	if (!in_range_h(t, h))
		return false;
	return slot_free(t, h - t->first, l, now);
}

int dhcp_leases_alloc(struct dhcp_leases *t, time_t now, uint32_t *ret_ip)
{
	for (uint32_t n = 0; n < t->size; n++) {
		uint32_t off = t->cursor;
		t->cursor = t->cursor + 1 == t->size ? 0 : t->cursor + 1;
		if (slot_free(t, off, NULL, now)) {
			*ret_ip = htonl(t->first + off);
			return 0;
		}
	}
	return -ENOSPC;
}

void dhcp_leases_assign(struct dhcp_leases *t, struct dhcp_lease *l, uint32_t ip,
			enum dhcp_lease_state state, time_t expires)
{
	uint32_t idx = (uint32_t)(l - t->v) + 1;
	uint32_t old = ntohl(l->ip);
	if (l->ip != ip && in_range_h(t, old) && t->by_addr[old - t->first] == idx)
		t->by_addr[old - t->first] = 0;
	uint32_t h = ntohl(ip);
	if (ip && in_range_h(t, h)) {
		/* An earlier (expired) holder keeps its ip as a hint; since the
		 * index no longer names it, holder() will not return it. */
		t->by_addr[h - t->first] = idx;
	}
	l->ip = ip;
	l->state = (uint8_t)state;
	l->expires = expires;
}

size_t dhcp_leases_count(const struct dhcp_leases *t)
{
	return t->n;
}

const struct dhcp_lease *dhcp_leases_at(const struct dhcp_leases *t, size_t index)
{
	return index < t->n ? &t->v[index] : NULL;
}
