/* fuzz_ndjson - the input is an NDJSON file: every line is listed with gp_ndjson_keys and then
 * split with gp_ndjson_split on the keys found, as the loader sniffs a schema and then reads
 * rows. Both walk the same grammar, so a line one accepts the other must accept too. */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "gp_text.h"

#define MAX_KEYS 32

/* The field lies inside the line or inside scratch (where unescaped strings go). */
static bool field_in(const gp_field *f, const char *line, size_t n, const gp_buf *scratch) {
  const char *s = (const char *)scratch->p;
  return (f->p >= line && f->p + f->len <= line + n) ||
         (s && f->p >= s && f->p + f->len <= s + scratch->len);
}

/* Touches every byte of the value, so that ASan sees a slice that runs out of its bytes. */
static void use_value(const gp_field *f) {
  double d;
  int64_t i;
  (void)gp_parse_double(f->p, f->len, &d);
  (void)gp_parse_int64(f->p, f->len, &i);
  (void)gp_utf8_valid(f->p, f->len);
}

static void fuzz_line(const char *line, size_t n, gp_buf *scratch, gp_buf *names) {
  gp_field keys[MAX_KEYS], vals[MAX_KEYS];
  const char *kp[MAX_KEYS];
  size_t koff[MAX_KEYS];
  const char *why = NULL;
  size_t col = 0;
  scratch->len = 0;
  int nk = gp_ndjson_keys(line, n, keys, MAX_KEYS, scratch, &why, &col);
  if (nk < 0) {
    FUZZ_CHECK(nk == -1 && why != NULL && col >= 1 && col <= n + 1);
    /* split must refuse the line too (with whatever keys) */
    static const char *const any[1] = {"a"};
    scratch->len = 0;
    FUZZ_CHECK(gp_ndjson_split(line, n, any, 1, vals, scratch, &why, &col) == -1);
    FUZZ_CHECK(why != NULL && col >= 1 && col <= n + 1);
    return;
  }
  FUZZ_CHECK(nk <= MAX_KEYS);
  /* Keys borrow the line or scratch, which split reuses: copy them out, NUL-terminated. */
  names->len = 0;
  for (int i = 0; i < nk; i++) {
    FUZZ_CHECK(field_in(&keys[i], line, n, scratch));
    koff[i] = names->len;
    FUZZ_CHECK(gp_buf_put(names, keys[i].p, keys[i].len) == GP_OK);
    FUZZ_CHECK(gp_buf_put_u8(names, 0) == GP_OK);
  }
  for (int i = 0; i < nk; i++) kp[i] = (const char *)names->p + koff[i];
  scratch->len = 0;
  int rc = gp_ndjson_split(line, n, kp, nk, vals, scratch, &why, &col);
  FUZZ_CHECK(rc == 0);
  for (int i = 0; i < nk; i++) {
    if (vals[i].null) continue;
    FUZZ_CHECK(field_in(&vals[i], line, n, scratch));
    use_value(&vals[i]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FUZZ_LEAK_BEGIN();
  const char *p = (const char *)data, *end = p + size;
  gp_buf scratch = {0}, names = {0};
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    fuzz_line(p, (size_t)(e - p), &scratch, &names);
    p = nl ? nl + 1 : end;
  }
  gp_buf_free(&names);
  gp_buf_free(&scratch);
  FUZZ_LEAK_END();
  return 0;
}
