/* real_verify.c - an independent answer to `SELECT region('L') AS r, count(*) ... GROUP BY r`
 * for the real-data end-to-end test (tests/e2e/real_data.sh).
 *
 *   real_verify POLYGONS.geojson ID_PROP DATA.csv LON_COL LAT_COL [--make-valid]
 *               [--skip-lines FILE]
 *
 * It shares no code with gridpulse on purpose: only GEOS, jansson and libc. gridpulse assigns
 * a point through a cell index and per-thread prepared geometries read back from WKB; this
 * program takes the plain road, so that a bug on that road cannot hide itself:
 * - each Feature's geometry goes through GEOS's own GeoJSON reader, and its id is the property
 *   ID_PROP (a string as is, an integer in decimal);
 * - an invalid polygon is refused, or repaired with GEOSMakeValid_r under --make-valid (GEOS's
 *   default repair, not the one gridpulse picks, so a repair that moves area shows up);
 * - every CSV record whose LON_COL and LAT_COL both parse as finite numbers within
 *   [-180, 180] x [-90, 90] is a point; the first feature in file order whose bounding box
 *   holds it and whose prepared geometry covers it (boundary included) is its region;
 * - records starting on a line listed in the --skip-lines file (one 1-based number a line:
 *   the rows the loader rejected for reasons other than coordinates) are left out.
 *
 * Output on stdout: `id,count` for every region with at least one point, ids in byte order,
 * counts of features sharing an id summed. A summary (features, records, points, points with
 * no region) goes to stderr. Exit 0, or 1 on any error. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geos_c.h>
#include <jansson.h>

typedef struct {
  char *id;                       /* the ID_PROP value, owned */
  GEOSGeometry *g;                /* the (repaired) geometry, owned */
  const GEOSPreparedGeometry *pg; /* prepared g, owned */
  double x0, y0, x1, y1;          /* g's extent: most points fail this cheap test */
  size_t n;                       /* points assigned to this feature */
} feature;

typedef struct {
  feature *f;
  size_t n, repaired;
} layer;

static void geos_msg(const char *msg, void *userdata) {
  (void)userdata;
  fprintf(stderr, "real_verify: GEOS: %s\n", msg);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "real_verify: out of memory\n");
    exit(1);
  }
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

static void layer_free(GEOSContextHandle_t h, layer *L) {
  for (size_t i = 0; i < L->n; i++) {
    if (L->f[i].pg) GEOSPreparedGeom_destroy_r(h, L->f[i].pg);
    if (L->f[i].g) GEOSGeom_destroy_r(h, L->f[i].g);
    free(L->f[i].id);
  }
  free(L->f);
  L->f = NULL;
  L->n = 0;
}

/* The id of feature `ft` as a new string (free with free()), or NULL when ID_PROP is missing
 * or neither a string nor an integer. */
static char *feature_id(json_t *ft, const char *prop) {
  json_t *v = json_object_get(json_object_get(ft, "properties"), prop);
  char buf[32];
  if (json_is_string(v)) return xstrdup(json_string_value(v));
  if (json_is_integer(v)) {
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return xstrdup(buf);
  }
  return NULL;
}

/* Reads every Feature of `path` into L (which the caller frees with layer_free, also after a
 * failure). Returns 0, or -1 after printing why. */
static int layer_read(GEOSContextHandle_t h, const char *path, const char *prop, bool make_valid,
                      layer *L) {
  int rc = -1;
  json_error_t je;
  char *text = NULL;
  GEOSGeometry *g = NULL;
  GEOSGeoJSONReader *rd = NULL;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) {
    fprintf(stderr, "real_verify: %s:%d: %s\n", path, je.line, je.text);
    return -1;
  }
  json_t *fs = json_object_get(root, "features");
  if (!json_is_array(fs)) {
    fprintf(stderr, "real_verify: %s: not a FeatureCollection\n", path);
    goto cleanup_root;
  }
  if (!(rd = GEOSGeoJSONReader_create_r(h))) goto cleanup_root;
  L->f = xmalloc(json_array_size(fs) * sizeof *L->f);
  for (size_t i = 0; i < json_array_size(fs); i++) {
    json_t *ft = json_array_get(fs, i);
    char *id = feature_id(ft, prop);
    if (!id) {
      fprintf(stderr, "real_verify: %s: feature %zu has no string or integer '%s'\n", path, i,
              prop);
      goto cleanup_reader;
    }
    feature *f = &L->f[L->n++];
    *f = (feature){.id = id};
    /* Each geometry alone, through GEOS's reader: reading the whole collection would give the
     * geometries but lose the properties that name them. */
    if (!(text = json_dumps(json_object_get(ft, "geometry"), JSON_COMPACT))) goto cleanup_reader;
    g = GEOSGeoJSONReader_readGeometry_r(h, rd, text);
    free(text);
    text = NULL;
    if (!g) {
      fprintf(stderr, "real_verify: %s: feature %zu ('%s'): unreadable geometry\n", path, i, id);
      goto cleanup_reader;
    }
    int ty = GEOSGeomTypeId_r(h, g);
    if (ty != GEOS_POLYGON && ty != GEOS_MULTIPOLYGON) {
      fprintf(stderr, "real_verify: %s: feature %zu ('%s'): not a polygon\n", path, i, id);
      goto cleanup_geom;
    }
    if (GEOSisValid_r(h, g) != 1) {
      if (!make_valid) {
        fprintf(stderr, "real_verify: %s: feature %zu ('%s'): invalid polygon\n", path, i, id);
        goto cleanup_geom;
      }
      GEOSGeometry *v = GEOSMakeValid_r(h, g);
      if (!v) goto cleanup_geom;
      GEOSGeom_destroy_r(h, g);
      g = v;
      L->repaired++;
    }
    f->g = g;
    g = NULL;
    if (!(f->pg = GEOSPrepare_r(h, f->g)) || GEOSGeom_getXMin_r(h, f->g, &f->x0) != 1 ||
        GEOSGeom_getYMin_r(h, f->g, &f->y0) != 1 || GEOSGeom_getXMax_r(h, f->g, &f->x1) != 1 ||
        GEOSGeom_getYMax_r(h, f->g, &f->y1) != 1) {
      fprintf(stderr, "real_verify: %s: feature %zu ('%s'): cannot prepare\n", path, i, id);
      goto cleanup_reader;
    }
  }
  rc = 0;
  goto cleanup_reader;
cleanup_geom:
  GEOSGeom_destroy_r(h, g);
cleanup_reader:
  GEOSGeoJSONReader_destroy_r(h, rd);
cleanup_root:
  json_decref(root);
  return rc;
}

/* ---- CSV ---- */

typedef struct {
  FILE *in;
  char *line;       /* getline's buffer */
  size_t cap;       /* its size */
  char *rec;        /* the current record, lines joined while a quoted field is open */
  size_t len, rcap; /* rec's length and size */
  long lineno;      /* lines read so far */
  long start;       /* the line the current record starts on */
} csv;

static void rec_append(csv *c, const char *s, size_t n) {
  if (c->len + n + 1 > c->rcap) {
    c->rcap = (c->len + n + 1) * 2;
    char *r = realloc(c->rec, c->rcap);
    if (!r) {
      fprintf(stderr, "real_verify: out of memory\n");
      exit(1);
    }
    c->rec = r;
  }
  memcpy(c->rec + c->len, s, n);
  c->len += n;
  c->rec[c->len] = '\0';
}

/* Reads the next record (without its line end) into c->rec. A newline inside quotes belongs to
 * the field, so lines are joined until the quotes balance. Returns false at end of file. */
static bool csv_next(csv *c) {
  bool open = false;
  c->len = 0;
  c->start = c->lineno + 1;
  ssize_t n;
  while ((n = getline(&c->line, &c->cap, c->in)) > 0) {
    c->lineno++;
    for (ssize_t i = 0; i < n; i++)
      if (c->line[i] == '"') open = !open; /* "" inside a field toggles twice */
    rec_append(c, c->line, (size_t)n);
    if (!open) break;
  }
  if (c->len == 0) return false;
  while (c->len > 0 && (c->rec[c->len - 1] == '\n' || c->rec[c->len - 1] == '\r'))
    c->rec[--c->len] = '\0';
  return true;
}

/* Splits the record in place into at most `max` fields (quotes removed, "" made "); returns
 * the number of fields. Fields beyond `max` are counted but not stored. */
static size_t csv_split(char *s, char **fld, size_t max) {
  size_t n = 0;
  for (;;) {
    char *w = s, *start = s;
    if (*s == '"') {
      s++;
      for (;;) {
        if (*s == '\0') break;
        if (*s == '"') {
          if (s[1] == '"') {
            *w++ = '"';
            s += 2;
            continue;
          }
          s++;
          break;
        }
        *w++ = *s++;
      }
    }
    while (*s && *s != ',') *w++ = *s++; /* text after a closing quote is kept, as most do */
    bool more = *s == ',';
    *w = '\0';
    if (n < max) fld[n] = start;
    n++;
    if (!more) return n;
    s++;
  }
}

/* The number in s, when all of s (spaces aside) is one finite number. */
static bool parse_num(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno == ERANGE || !isfinite(v)) return false;
  while (*end == ' ' || *end == '\t') end++;
  if (*end) return false;
  *out = v;
  return true;
}

/* ---- the join ---- */

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static int cmp_feature_id(const void *a, const void *b) {
  return strcmp(((const feature *)a)->id, ((const feature *)b)->id);
}

/* Reads the sorted list of line numbers to leave out; *out NULL and *n 0 when path is NULL. */
static int read_skips(const char *path, long **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!path) return 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "real_verify: %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 64;
  long v, *a = xmalloc(cap * sizeof *a);
  while (fscanf(f, "%ld", &v) == 1) {
    if (*n == cap) {
      long *b = realloc(a, (cap *= 2) * sizeof *a);
      if (!b) {
        fprintf(stderr, "real_verify: out of memory\n");
        exit(1);
      }
      a = b;
    }
    a[(*n)++] = v;
  }
  fclose(f);
  qsort(a, *n, sizeof *a, cmp_long);
  *out = a;
  return 0;
}

static void print_csv_field(const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, stdout);
    return;
  }
  putchar('"');
  for (; *s; s++) {
    if (*s == '"') putchar('"');
    putchar(*s);
  }
  putchar('"');
}

int main(int argc, char **argv) {
  bool make_valid = false;
  const char *skip_path = NULL;
  const char *pos[5];
  int np = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--make-valid") == 0)
      make_valid = true;
    else if (strcmp(argv[i], "--skip-lines") == 0 && i + 1 < argc)
      skip_path = argv[++i];
    else if (np < 5 && argv[i][0] != '-')
      pos[np++] = argv[i];
    else
      np = 6;
  }
  if (np != 5) {
    fprintf(stderr,
            "usage: real_verify POLYGONS.geojson ID_PROP DATA.csv LON_COL LAT_COL "
            "[--make-valid] [--skip-lines FILE]\n");
    return 1;
  }
  const char *gj = pos[0], *prop = pos[1], *data = pos[2], *lon_col = pos[3], *lat_col = pos[4];
  int rc = 1;
  layer L = {0};
  long *skip = NULL;
  size_t nskip = 0, records = 0, points = 0, unassigned = 0, skipped = 0;
  csv c = {0};
  GEOSContextHandle_t h = GEOS_init_r();
  if (!h) return 1;
  GEOSContext_setErrorMessageHandler_r(h, geos_msg, NULL);
  if (layer_read(h, gj, prop, make_valid, &L) != 0) goto cleanup_layer;
  if (read_skips(skip_path, &skip, &nskip) != 0) goto cleanup_layer;
  if (!(c.in = fopen(data, "rb"))) {
    fprintf(stderr, "real_verify: %s: %s\n", data, strerror(errno));
    goto cleanup_skip;
  }
  char *fld[256];
  if (!csv_next(&c)) {
    fprintf(stderr, "real_verify: %s: no header\n", data);
    goto cleanup_csv;
  }
  /* a UTF-8 byte order mark is not part of the first column's name */
  char *hdr = strncmp(c.rec, "\xEF\xBB\xBF", 3) == 0 ? c.rec + 3 : c.rec;
  size_t nf = csv_split(hdr, fld, 256), ilon = SIZE_MAX, ilat = SIZE_MAX;
  for (size_t i = 0; i < nf && i < 256; i++) {
    if (strcmp(fld[i], lon_col) == 0) ilon = i;
    if (strcmp(fld[i], lat_col) == 0) ilat = i;
  }
  if (ilon == SIZE_MAX || ilat == SIZE_MAX) {
    fprintf(stderr, "real_verify: %s: no column '%s' or '%s' in the header\n", data, lon_col,
            lat_col);
    goto cleanup_csv;
  }
  size_t need = (ilon > ilat ? ilon : ilat) + 1;
  while (csv_next(&c)) {
    records++;
    if (nskip && bsearch(&c.start, skip, nskip, sizeof *skip, cmp_long)) {
      skipped++;
      continue;
    }
    double lon, lat;
    if (csv_split(c.rec, fld, 256) < need || !parse_num(fld[ilon], &lon) ||
        !parse_num(fld[ilat], &lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
      continue;
    points++;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
    if (!pt) goto cleanup_csv;
    size_t k = 0;
    for (; k < L.n; k++) {
      feature *f = &L.f[k];
      if (lon < f->x0 || lon > f->x1 || lat < f->y0 || lat > f->y1) continue;
      char r = GEOSPreparedCovers_r(h, f->pg, pt);
      if (r == 2) {
        GEOSGeom_destroy_r(h, pt);
        goto cleanup_csv;
      }
      if (r == 1) break;
    }
    GEOSGeom_destroy_r(h, pt);
    if (k < L.n)
      L.f[k].n++;
    else
      unassigned++;
  }
  if (ferror(c.in)) {
    fprintf(stderr, "real_verify: %s: read error\n", data);
    goto cleanup_csv;
  }
  /* byte order of ids, the order `LC_ALL=C sort` gives the other side */
  qsort(L.f, L.n, sizeof *L.f, cmp_feature_id);
  for (size_t i = 0; i < L.n;) {
    size_t j = i, n = 0;
    for (; j < L.n && strcmp(L.f[j].id, L.f[i].id) == 0; j++) n += L.f[j].n;
    if (n) {
      print_csv_field(L.f[i].id);
      printf(",%zu\n", n);
    }
    i = j;
  }
  fprintf(stderr,
          "real_verify: %s: %zu features (%zu repaired); %s: %zu records, %zu skipped, "
          "%zu points, %zu in no region\n",
          gj, L.n, L.repaired, data, records, skipped, points, unassigned);
  rc = fflush(stdout) == 0 ? 0 : 1;
cleanup_csv:
  fclose(c.in);
  free(c.line);
  free(c.rec);
cleanup_skip:
  free(skip);
cleanup_layer:
  layer_free(h, &L);
  GEOS_finish_r(h);
  return rc;
}
