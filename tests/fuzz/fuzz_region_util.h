/* fuzz_region_util.h - what fuzz_geojson and fuzz_wkt share: read regions from untrusted text
 * with gp_region_layer_read and check what came out. A layer that was read must be usable: at
 * least one region, every id findable, a non-empty WKB and a finite box, and the catalog
 * encoding must round-trip it byte for byte. A refusal must say why. No GP_MALLOC block may
 * outlive the input.
 *
 * Source and layer CRS are both WGS84, so no PROJ transformation is created per input (PROJ's
 * database lookups would take milliseconds and drown the readers in the profile); GEOS
 * contexts are made and dropped by each read, as the readers do in production. */
#ifndef GP_FUZZ_REGION_UTIL_H
#define GP_FUZZ_REGION_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "gp_region.h"

static void fuzz_region_check(const gp_region_layer *l) {
  size_t n = gp_region_count(l);
  FUZZ_CHECK(n >= 1);
  FUZZ_CHECK(gp_region_layer_epsg(l) == 4326);
  for (size_t i = 0; i < n; i++) {
    const char *id = gp_region_id(l, i);
    FUZZ_CHECK(id && gp_region_parent(l, i) && gp_region_props(l, i));
    long f = gp_region_find(l, id, strlen(id));
    FUZZ_CHECK(f >= 0 && (size_t)f < n && strcmp(gp_region_id(l, (size_t)f), id) == 0);
    size_t nw = 0;
    FUZZ_CHECK(gp_region_wkb(l, i, &nw) && nw >= 9);
    double x0, y0, x1, y1;
    gp_region_bbox(l, i, &x0, &y0, &x1, &y1);
    FUZZ_CHECK(!(x0 > x1) && !(y0 > y1)); /* NaN coordinates are GEOS's to reject or keep */
  }
  gp_buf b = {0};
  gp_err err = {0};
  gp_region_layer *back = NULL;
  FUZZ_CHECK(gp_region_layer_encode(l, &b, &err) == GP_OK);
  FUZZ_CHECK(gp_region_layer_decode(gp_region_layer_name(l), b.p, b.len, &back, &err) == GP_OK);
  FUZZ_CHECK(gp_region_count(back) == n && gp_region_layer_epsg(back) == 4326);
  for (size_t i = 0; i < n; i++) {
    size_t na, nb;
    const uint8_t *wa = gp_region_wkb(l, i, &na), *wb = gp_region_wkb(back, i, &nb);
    FUZZ_CHECK(strcmp(gp_region_id(l, i), gp_region_id(back, i)) == 0);
    FUZZ_CHECK(strcmp(gp_region_parent(l, i), gp_region_parent(back, i)) == 0);
    FUZZ_CHECK(strcmp(gp_region_props(l, i), gp_region_props(back, i)) == 0);
    FUZZ_CHECK(na == nb && memcmp(wa, wb, na) == 0);
  }
  gp_region_layer_free(back);
  gp_buf_free(&b);
}

/* Reads text[0..n) (copied into an exact-size block, so that reading past the end is an ASan
 * finding rather than a silent NUL) with options o. */
static void fuzz_region_read(const uint8_t *text, size_t n, const gp_region_opts *o) {
  FUZZ_LEAK_BEGIN();
  char *copy = GP_MALLOC(n ? n : 1);
  FUZZ_CHECK(copy);
  if (n) memcpy(copy, text, n);
  gp_err err = {0};
  gp_region_layer *l = NULL;
  gp_rc rc = gp_region_layer_read("fuzz", NULL, copy, n, o, 4326, &l, &err);
  if (rc == GP_OK) {
    FUZZ_CHECK(l);
    fuzz_region_check(l);
  } else {
    FUZZ_CHECK(!l && err.rc == rc && err.msg[0]);
  }
  gp_region_layer_free(l);
  GP_FREE(copy);
  FUZZ_LEAK_END();
}

#endif
