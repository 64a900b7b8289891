/* fuzz_csv - the input is the body of a CSV file (delimiter ','). Records are cut with
 * gp_csv_record_end and split with gp_csv_split as the loader does; every field then goes
 * through the value parsers, which are checked against the C library (strtoll, strtod) and a
 * plain reference UTF-8 validator, and the fields of each record are sniffed as a column. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "gp_text.h"

#define MAX_FIELDS 64
#define REF_MAX 256 /* fields longer than this skip the libc comparisons (NUL-terminated copy) */

static bool all_digits(const char *s, size_t n) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

/* [+-]digits */
static bool int_grammar(const char *s, size_t n) {
  if (n && (s[0] == '+' || s[0] == '-')) s++, n--;
  return all_digits(s, n);
}

static size_t skip_digits(const char *s, size_t i, size_t n) {
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  return i;
}

/* [+-]digits[.digits][e[+-]digits], the grammar gp_text.h promises to accept. */
static bool double_grammar(const char *s, size_t n) {
  size_t i = 0, j;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  if ((j = skip_digits(s, i, n)) == i) return false;
  i = j;
  if (i < n && s[i] == '.') {
    if ((j = skip_digits(s, i + 1, n)) == i + 1) return false;
    i = j;
  }
  if (i < n && s[i] == 'e') {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if ((j = skip_digits(s, i, n)) == i) return false;
    i = j;
  }
  return i == n;
}

/* Straight from RFC 3629's table: no overlongs, no surrogates, nothing above U+10FFFF. */
static bool utf8_ref(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      k = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      k = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      k = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (n - i - 1 < k) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t j = 2; j <= k; j++)
      if (s[i + j] < 0x80 || s[i + j] > 0xbf) return false;
    i += k + 1;
  }
  return true;
}

static void check_value(const char *s, uint32_t n) {
  int64_t iv = 0, ts = 0;
  double dv = 0;
  bool bv;
  bool is_int = gp_parse_int64(s, n, &iv);
  bool is_dbl = gp_parse_double(s, n, &dv);
  (void)gp_parse_bool(s, n, &bv);
  FUZZ_CHECK(gp_utf8_valid(s, n) == utf8_ref((const uint8_t *)s, n));

  /* Every int is a double, and both round to nearest. */
  if (is_int) FUZZ_CHECK(is_dbl && dv == (double)iv);

  if (n < REF_MAX) {
    char z[REF_MAX];
    memcpy(z, s, n);
    z[n] = '\0';
    char *e;
    if (is_int || int_grammar(s, n)) {
      errno = 0;
      long long r = strtoll(z, &e, 10);
      bool ok = errno == 0 && e == z + n;
      FUZZ_CHECK(is_int == ok);
      if (ok) FUZZ_CHECK(iv == r);
    }
    if (is_dbl || double_grammar(s, n)) {
      /* glibc's strtod is correctly rounded; ERANGE still returns the rounded result. */
      double r = strtod(z, &e);
      FUZZ_CHECK(is_dbl && e == z + n);
      FUZZ_CHECK(isnan(r) ? isnan(dv) : memcmp(&r, &dv, sizeof r) == 0);
    }
  }

  if (gp_ts_parse(s, n, &ts) && ts >= 0 && ts < INT64_C(253402300800000000)) {
    /* Years 1970..9999 format as YYYY-MM-DD HH:MM:SS[.ffffff], which parses back. */
    char buf[64];
    int len = gp_ts_format(ts, buf, sizeof buf);
    int64_t back = 0;
    FUZZ_CHECK(len > 0 && (size_t)len < sizeof buf);
    FUZZ_CHECK(gp_ts_parse(buf, (size_t)len, &back) && back == ts);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FUZZ_LEAK_BEGIN();
  const char *p = (const char *)data, *end = p + size;
  gp_buf scratch = {0};
  gp_field fields[MAX_FIELDS];
  while (p < end) {
    const char *e = gp_csv_record_end(p, end, ',');
    bool last = e == NULL; /* an open quote at EOF: the loader hands the rest to split */
    if (last) e = end;
    FUZZ_CHECK(e > p && e <= end);
    const char *why = NULL;
    size_t col = 0;
    scratch.len = 0;
    int nf = gp_csv_split(p, e, ',', fields, MAX_FIELDS, &scratch, &why, &col);
    if (nf < 0) {
      FUZZ_CHECK(nf == -1 && why != NULL && col >= 1 && col <= (size_t)(e - p) + 1);
    } else {
      FUZZ_CHECK(nf >= 1);
      int m = nf < MAX_FIELDS ? nf : MAX_FIELDS;
      for (int i = 0; i < m; i++) {
        const gp_field *f = &fields[i];
        bool in_record = f->p >= p && f->p + f->len <= e;
        bool in_scratch = scratch.p && f->p >= (const char *)scratch.p &&
                          f->p + f->len <= (const char *)scratch.p + scratch.len;
        FUZZ_CHECK(in_record || (f->quoted && in_scratch));
        FUZZ_CHECK(!f->null);
        check_value(f->p, f->len);
      }
      gp_type t = gp_sniff_type(fields, (size_t)m, true, NULL);
      FUZZ_CHECK(t >= GP_T_TIMESTAMP && t <= GP_T_TEXT);
    }
    if (last) break;
    p = e;
  }
  gp_buf_free(&scratch);
  FUZZ_LEAK_END();
  return 0;
}
