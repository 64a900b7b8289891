/* fuzz_lineproto - the input is a body of InfluxDB line protocol, as POST /api/v2/write takes
 * it from the network: every line is parsed with gp_lp_parse (query/serve/lineproto.c). An
 * accepted line must give a measurement and at least one field, every string inside the
 * scratch buffer and of its stated length; a refused one must name a column of the line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "lineproto.h"

static bool in(const char *s, size_t n, const char *lo, const char *hi) {
  return s && s >= lo && s + n < hi && s[n] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FUZZ_LEAK_BEGIN();
  const char *p = (const char *)data, *end = p + size;
  gp_lp_point *pt = malloc(sizeof *pt);
  char *scratch = malloc(2 * size + 16);
  if (!pt || !scratch) abort();
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    size_t n = (size_t)(e - p);
    /* the line on its own in a heap block of its size, so ASan sees a read past its end */
    char *line = malloc(n ? n : 1);
    if (!line) abort();
    memcpy(line, p, n);
    gp_err err = {0};
    const char *lo = scratch, *hi = scratch + 2 * n + 16;
    if (gp_lp_parse(line, n, scratch, pt, &err) == GP_OK) {
      FUZZ_CHECK(pt->nfields >= 1 && pt->nfields <= GP_LP_MAX_KEYS);
      FUZZ_CHECK(pt->ntags >= 0 && pt->ntags <= GP_LP_MAX_KEYS);
      FUZZ_CHECK(in(pt->measurement, strlen(pt->measurement), lo, hi) && pt->measurement[0]);
      for (int i = 0; i < pt->ntags; i++)
        FUZZ_CHECK(in(pt->tags[i].key, strlen(pt->tags[i].key), lo, hi) &&
                   in(pt->tags[i].val, strlen(pt->tags[i].val), lo, hi));
      for (int i = 0; i < pt->nfields; i++) {
        FUZZ_CHECK(in(pt->fields[i].key, strlen(pt->fields[i].key), lo, hi));
        if (pt->fields[i].kind == GP_LP_STRING)
          FUZZ_CHECK(in(pt->fields[i].s, pt->fields[i].slen, lo, hi));
      }
    } else {
      unsigned long col = 0;
      FUZZ_CHECK(err.rc == GP_PARSE && sscanf(err.msg, "column %lu:", &col) == 1);
      FUZZ_CHECK(col >= 1 && col <= n + 1);
    }
    free(line);
    p = nl ? nl + 1 : end;
  }
  free(scratch);
  free(pt);
  FUZZ_LEAK_END();
  return 0;
}
