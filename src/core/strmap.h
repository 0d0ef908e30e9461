/*
 * strmap.h — an open-addressing hash map from strings to 32-bit indexes.  Keys are not
 * copied: they must outlive the map (they point into the test table's own strings).
 */
#ifndef FL_STRMAP_H
#define FL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct fl_strmap {
    const char **keys;
    uint32_t *values;
    size_t cap;    /* power of two */
    size_t count;
} fl_strmap;

/* Returns the value of key, or UINT32_MAX when absent. */
uint32_t fl_strmap_get(const fl_strmap *m, const char *key);
/* Inserts or replaces. */
void fl_strmap_put(fl_strmap *m, const char *key, uint32_t value);
void fl_strmap_free(fl_strmap *m);

#endif
