/* mapint: a hash map with int keys (open addressing, linear probing). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

typedef struct { int64_t key, value; int used; } Slot;
typedef struct { Slot *slots; size_t cap, len; } Map;

static size_t hash(int64_t k) { return (size_t)((uint64_t)k * 0x9E3779B97F4A7C15ull >> 20); }

static Slot *find(const Map *m, int64_t k) {
    size_t mask = m->cap - 1, i = hash(k) & mask;
    while (m->slots[i].used && m->slots[i].key != k) i = (i + 1) & mask;
    return &m->slots[i];
}

static void grow(Map *m) {
    Slot *old = m->slots;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->slots = calloc(m->cap, sizeof(Slot));
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used) *find(m, old[i].key) = old[i];
    free(old);
}

static int64_t get(const Map *m, int64_t k, int64_t dflt) {
    Slot *s = find(m, k);
    return s->used ? s->value : dflt;
}

static void put(Map *m, int64_t k, int64_t v) {
    Slot *s = find(m, k);
    if (!s->used) {
        if ((m->len + 1) * 4 > m->cap * 3) { grow(m); s = find(m, k); }
        s->used = 1;
        s->key = k;
        m->len++;
    }
    s->value = v;
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 1000;
    int64_t range = 4 * n;
    Map m = { calloc(8, sizeof(Slot)), 8, 0 };
    int64_t x = 1;
    for (int64_t i = 0; i < n; i++) {
        x = x * 16807 % 2147483647;
        int64_t k = x % range;
        put(&m, k, get(&m, k, 0) + 1);
    }
    int64_t hits = 0, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        x = x * 16807 % 2147483647;
        int64_t v = get(&m, x % range, 0);
        if (v > 0) hits += 1;
        sum += v;
    }
    printf("mapint(%lld): size %lld, hits %lld, sum %lld\n", (long long)n, (long long)m.len,
           (long long)hits, (long long)sum);
    free(m.slots);
    return 0;
}
