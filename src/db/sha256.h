/*
 * sha256.h — SHA-256 (FIPS 180-4), used to key the template cache: a digest over the
 * setup command, the template URLs and the bytes of every input file.  A collision-proof
 * hash means an unchanged key can be trusted to mean unchanged inputs.
 */
#ifndef FL_DB_SHA256_H
#define FL_DB_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct fl_sha256 {
    uint32_t state[8];
    uint64_t length;     /* bytes hashed so far */
    unsigned char block[64];
    size_t used;         /* bytes waiting in block */
} fl_sha256;

void fl_sha256_init(fl_sha256 *h);
void fl_sha256_update(fl_sha256 *h, const void *data, size_t size);
/* Finishes and writes the digest as 64 lowercase hex digits and a NUL. */
void fl_sha256_hex(fl_sha256 *h, char out[65]);

#endif
