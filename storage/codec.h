/* codec.h - column codecs used inside storage/ (internal to the storage module).
 *
 * Each codec appends a self-describing encoding of n values to a gp_buf and decodes it back
 * from a bounds-checked gp_rd. The row count n is stored by the caller (the chunk header), so
 * it is passed to both sides; a decoder that finds bytes inconsistent with n returns
 * GP_CORRUPT with a message, never reads out of bounds, never crashes: chunk bytes are
 * untrusted input and are fuzzed. The bit layout of every codec is documented in codec.c. */
#ifndef GP_STORAGE_CODEC_H
#define GP_STORAGE_CODEC_H

#include "gp_base.h"

/* int64 values: the encoder tries {plain, delta, delta-of-delta} x {patched frame-of-reference
 * bit packing, run-length} and keeps the smallest, so sorted timestamps, regular sensor
 * timestamps (constant step), sorted ids, dictionary ids and small ints all pack tightly. */
gp_rc gp_codec_ints_encode(const int64_t *v, size_t n, gp_buf *out);
gp_rc gp_codec_ints_decode(gp_rd *in, size_t n, int64_t *v, gp_err *err);
/* Reads past a stream of n values without decoding them. */
gp_rc gp_codec_ints_skip(gp_rd *in, size_t n, gp_err *err);
/* Decodes only the values at positions sel[0..m) (ascending, < n) into v[0..m): plain
 * bit-packed streams are read at those positions, others decoded into scratch (n values) and
 * gathered. Leaves `in` after the stream, like gp_codec_ints_decode. */
gp_rc gp_codec_ints_gather(gp_rd *in, size_t n, const uint32_t *sel, size_t m, int64_t *v,
                           int64_t *scratch, gp_err *err);

/* doubles: when every value is a decimal with at most 9 fractional digits that round-trips
 * exactly (k / 10^d == v, |k| < 2^53), stored as scaled integers through the int codec;
 * otherwise XOR (Gorilla-style) against the previous value. NaN, infinities, -0.0 and
 * denormals round-trip bit-exactly in every mode. */
gp_rc gp_codec_doubles_encode(const double *v, size_t n, gp_buf *out);
gp_rc gp_codec_doubles_decode(gp_rd *in, size_t n, double *v, gp_err *err);

/* A bitmap of n bits (bit i = byte i/8, bit i%8), e.g. the null mask of a column. Encodes
 * "all zero" in one byte. */
gp_rc gp_codec_bits_encode(const uint8_t *bits, size_t n, gp_buf *out);
gp_rc gp_codec_bits_decode(gp_rd *in, size_t n, uint8_t *bits, gp_err *err);

/* n strings (TEXT): lengths through the int codec, then the bytes. Decoding borrows: out[i]
 * points into the reader's bytes (valid while those are), len[i] its length. */
gp_rc gp_codec_strings_encode(const char *const *s, const uint32_t *len, size_t n, gp_buf *out);
gp_rc gp_codec_strings_decode(gp_rd *in, size_t n, const char **out, uint32_t *len, gp_err *err);

#endif
