/* mapstr: a hash map with string keys (open addressing, FNV-1a hashes). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

typedef struct { char *key; uint64_t hash; int64_t value; } Slot;
typedef struct { Slot *slots; size_t cap, len; } Map;

static uint64_t fnv1a(const char *s) {
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ull; }
    return h;
}

static Slot *find(const Map *m, const char *k, uint64_t h) {
    size_t mask = m->cap - 1, i = h & mask;
    while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, k) != 0))
        i = (i + 1) & mask;
    return &m->slots[i];
}

static void grow(Map *m) {
    Slot *old = m->slots;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->slots = calloc(m->cap, sizeof(Slot));
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key) *find(m, old[i].key, old[i].hash) = old[i];
    free(old);
}

static int64_t get(const Map *m, const char *k, int64_t dflt) {
    Slot *s = find(m, k, fnv1a(k));
    return s->key ? s->value : dflt;
}

static void put(Map *m, const char *k, int64_t v) {
    uint64_t h = fnv1a(k);
    Slot *s = find(m, k, h);
    if (!s->key) {
        if ((m->len + 1) * 4 > m->cap * 3) { grow(m); s = find(m, k, h); }
        s->key = strdup(k);
        s->hash = h;
        m->len++;
    }
    s->value = v;
}

/* "key" + str(v), a fresh string each time as in the other versions. */
static char *make_key(int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "key%lld", (long long)v);
    return strdup(buf);
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 1000;
    int64_t range = 4 * n;
    Map m = { calloc(8, sizeof(Slot)), 8, 0 };
    int64_t x = 1;
    for (int64_t i = 0; i < n; i++) {
        x = x * 16807 % 2147483647;
        char *k = make_key(x % range);
        put(&m, k, get(&m, k, 0) + 1);
        free(k);
    }
    int64_t hits = 0, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        x = x * 16807 % 2147483647;
        char *k = make_key(x % range);
        int64_t v = get(&m, k, 0);
        free(k);
        if (v > 0) hits += 1;
        sum += v;
    }
    printf("mapstr(%lld): size %lld, hits %lld, sum %lld\n", (long long)n, (long long)m.len,
           (long long)hits, (long long)sum);
    for (size_t i = 0; i < m.cap; i++) free(m.slots[i].key);
    free(m.slots);
    return 0;
}
