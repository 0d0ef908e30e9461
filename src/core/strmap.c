/*
 * strmap.c — string → index hash map (FNV-1a, linear probing, grows at 70% load).
 */
#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

uint32_t fl_strmap_get(const fl_strmap *m, const char *key)
{
    if (!m->cap)
        return UINT32_MAX;
    size_t mask = m->cap - 1;
    for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return UINT32_MAX;
        if (!strcmp(m->keys[i], key))
            return m->values[i];
    }
}

static void grow(fl_strmap *m)
{
    fl_strmap bigger = {0};
    bigger.cap = m->cap ? m->cap * 2 : 64;
    bigger.keys = fl_xcalloc(bigger.cap, sizeof *bigger.keys);
    bigger.values = fl_xcalloc(bigger.cap, sizeof *bigger.values);
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            fl_strmap_put(&bigger, m->keys[i], m->values[i]);
    fl_strmap_free(m);
    *m = bigger;
}

void fl_strmap_put(fl_strmap *m, const char *key, uint32_t value)
{
    if ((m->count + 1) * 10 > m->cap * 7)
        grow(m);
    size_t mask = m->cap - 1;
    for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i]) {
            m->keys[i] = key;
            m->values[i] = value;
            m->count++;
            return;
        }
        if (!strcmp(m->keys[i], key)) {
            m->values[i] = value;
            return;
        }
    }
}

void fl_strmap_free(fl_strmap *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}
