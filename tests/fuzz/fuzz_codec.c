/* fuzz_codec - the column codecs of storage/codec.h on untrusted bytes.
 *
 * Input layout:
 *   byte 0       codec: 0 ints, 1 doubles, 2 bits, 3 strings (taken mod 4)
 *   bytes 1..2   row count n, little-endian, taken mod 4097 (so n <= 4096)
 *   bytes 3..    the encoded column
 * Example: 00 03 00 | 00 06 02 00 ... is "ints, 3 rows" followed by an ints encoding.
 *
 * A decoder must answer GP_OK or GP_CORRUPT and never touch memory outside its input and its
 * n-value output (both allocated to the exact size, so ASan sees one byte too far). What it
 * decoded must survive encode -> decode unchanged, bit for bit, with the second decode using
 * exactly the bytes the encoder wrote. Ints are also skipped and read at some positions only
 * (gp_codec_ints_skip, gp_codec_ints_gather), which must agree with the decode. */
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "fuzz_util.h"

enum { C_INTS, C_DOUBLES, C_BITS, C_STRINGS };

#define MAX_N 4096

/* Owned: free with GP_FREE. Exact size (at least 1 byte, so that n = 0 is not NULL). */
static void *alloc_exact(size_t bytes) {
  void *p = GP_MALLOC(bytes ? bytes : 1);
  FUZZ_CHECK(p != NULL);
  return p;
}

/* Decodes with codec c; out_a / out_b are the value arrays (out_b only for strings: lengths). */
static gp_rc decode(int c, gp_rd *in, size_t n, void *out_a, void *out_b, gp_err *err) {
  switch (c) {
    case C_INTS: return gp_codec_ints_decode(in, n, out_a, err);
    case C_DOUBLES: return gp_codec_doubles_decode(in, n, out_a, err);
    case C_BITS: return gp_codec_bits_decode(in, n, out_a, err);
    default: return gp_codec_strings_decode(in, n, out_a, out_b, err);
  }
}

static gp_rc encode(int c, size_t n, const void *a, const void *b, gp_buf *out) {
  switch (c) {
    case C_INTS: return gp_codec_ints_encode(a, n, out);
    case C_DOUBLES: return gp_codec_doubles_encode(a, n, out);
    case C_BITS: return gp_codec_bits_encode(a, n, out);
    default: return gp_codec_strings_encode(a, b, n, out);
  }
}

static size_t value_bytes(int c, size_t n) {
  switch (c) {
    case C_INTS: return n * sizeof(int64_t);
    case C_DOUBLES: return n * sizeof(double);
    case C_BITS: return (n + 7) / 8;
    default: return n * sizeof(const char *);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  FUZZ_LEAK_BEGIN();
  int c = data[0] % 4;
  size_t n = (size_t)(data[1] | data[2] << 8) % (MAX_N + 1);
  size_t vb = value_bytes(c, n), lb = c == C_STRINGS ? n * sizeof(uint32_t) : 0;
  void *a1 = alloc_exact(vb), *b1 = alloc_exact(lb);
  void *a2 = alloc_exact(vb), *b2 = alloc_exact(lb);
  gp_buf enc = {0};
  gp_err err = {0};

  gp_rd in = {data + 3, data + size};
  gp_rc rc = decode(c, &in, n, a1, b1, &err);
  FUZZ_CHECK(rc == GP_OK || rc == GP_CORRUPT);
  FUZZ_CHECK(in.p >= data + 3 && in.p <= data + size);
  if (c == C_INTS) {
    /* skipping and reading at some positions (every step-th, step from the input) answer
     * GP_OK or GP_CORRUPT on any bytes; where the decode succeeded they succeed too, end where
     * it ended, and the positions read hold the decoded values */
    gp_rd sk = {data + 3, data + size};
    gp_rc rs = gp_codec_ints_skip(&sk, n, &err);
    FUZZ_CHECK(rs == GP_OK || rs == GP_CORRUPT);
    size_t step = 1 + (size > 3 ? data[size - 1] % 7 : 0), m = n ? (n - 1) / step + 1 : 0;
    uint32_t *sel = alloc_exact(m * sizeof *sel);
    int64_t *v = alloc_exact(m * sizeof *v), *scratch = alloc_exact(n * sizeof *scratch);
    for (size_t s = 0; s < m; s++) sel[s] = (uint32_t)(s * step);
    gp_rd ga = {data + 3, data + size};
    gp_rc rg = gp_codec_ints_gather(&ga, n, sel, m, v, scratch, &err);
    FUZZ_CHECK(rg == GP_OK || rg == GP_CORRUPT);
    if (rc == GP_OK) {
      FUZZ_CHECK(rs == GP_OK && sk.p == in.p);
      FUZZ_CHECK(rg == GP_OK && ga.p == in.p);
      for (size_t s = 0; s < m; s++) FUZZ_CHECK(v[s] == ((const int64_t *)a1)[sel[s]]);
    }
    GP_FREE(sel);
    GP_FREE(v);
    GP_FREE(scratch);
  }
  if (rc != GP_OK) goto cleanup;
  if (c == C_STRINGS) {
    const char **s = a1;
    const uint32_t *len = b1;
    for (size_t i = 0; i < n; i++)
      FUZZ_CHECK((const uint8_t *)s[i] >= data + 3 && (const uint8_t *)s[i] + len[i] <= in.p);
  }

  FUZZ_CHECK(encode(c, n, a1, b1, &enc) == GP_OK);
  gp_err_clear(&err);
  gp_rd again = {enc.p, enc.p + enc.len};
  rc = decode(c, &again, n, a2, b2, &err);
  if (rc != GP_OK) fprintf(stderr, "re-decode failed: %s\n", err.msg);
  FUZZ_CHECK(rc == GP_OK);
  FUZZ_CHECK(again.p == again.end);
  if (c == C_STRINGS) {
    const char **s1 = a1, **s2 = a2;
    const uint32_t *l1 = b1, *l2 = b2;
    for (size_t i = 0; i < n; i++)
      FUZZ_CHECK(l1[i] == l2[i] && (l1[i] == 0 || memcmp(s1[i], s2[i], l1[i]) == 0));
  } else {
    FUZZ_CHECK(vb == 0 || memcmp(a1, a2, vb) == 0);
  }

cleanup:
  gp_buf_free(&enc);
  GP_FREE(a1);
  GP_FREE(b1);
  GP_FREE(a2);
  GP_FREE(b2);
  FUZZ_LEAK_END();
  return 0;
}
