/* write.c - the write endpoints: POST /v1/write/TABLE (a CSV or NDJSON body) and
 * POST /api/v2/write (InfluxDB line protocol). Both go through the loader that COPY and
 * `gridpulse load` use (gp_load_file): the body is written to a private temporary file and
 * loaded from there, so a body is checked, typed, deduplicated by key and committed exactly as
 * a file would be, and rejects are reported the same way (`body:LINE:COLUMN: reason`). The
 * loader runs in its stream mode: rows go fresh (durable, visible at once) and the write is
 * acknowledged only after the WAL fsync (gp_store_sync_wal), so an acknowledged row survives
 * kill -9; the background sealer (background.c) seals them into chunks later.
 *
 * Line protocol becomes NDJSON for the loader: measurement = table, tags = SYMBOL columns,
 * fields = DOUBLE / INT (integers, unsigned integers, booleans as 0/1) / TEXT, the timestamp =
 * the TIME column `time` (TIMESTAMP). A table is created on the first write that names it,
 * with the tags and fields of that request (and LOCATION (lon, lat) when it has float fields
 * lon and lat); a later line with a key the table lacks is rejected naming it, since the
 * catalog cannot add columns to a table yet. */
#include "serve_int.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lineproto.h"

enum { MAX_REPORTED = 100 }; /* rejects listed in an answer; all are counted */

/* A private temporary file for a body; path receives its name. Returns the open FILE. */
static FILE *temp_file(char *path, size_t cap) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, cap, "%s/gridpulse-write-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    unlink(path);
  }
  return f;
}

/* Appends s as a JSON string to b. */
static void json_str(gp_buf *b, const char *s, size_t n) {
  gp_buf_put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    char esc[8];
    if (ch == '"' || ch == '\\') {
      esc[0] = '\\', esc[1] = (char)ch;
      gp_buf_put(b, esc, 2);
    } else if (ch < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", ch);
      gp_buf_put(b, esc, 6);
    } else {
      gp_buf_put(b, s + i, 1);
    }
  }
  gp_buf_put(b, "\"", 1);
}

/* The loader's reports (one per line, "PATH:LINE[:COL]: reason") as JSON strings in b, PATH
 * replaced by "body" and, when map is given, the line of the loaded file by map[line - 1] (the
 * line of the request it came from). Returns how many were listed. */
static size_t list_rejects(gp_buf *b, const char *reports, size_t n, const char *path,
                           const size_t *map, size_t nmap) {
  size_t listed = 0, plen = strlen(path);
  const char *p = reports, *end = reports + n;
  while (p < end && listed < MAX_REPORTED) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    char line[1024];
    const char *rest = p;
    if ((size_t)(e - p) > plen && !memcmp(p, path, plen) && p[plen] == ':') rest = p + plen + 1;
    char *after;
    unsigned long ln = strtoul(rest, &after, 10);
    if (map && ln >= 1 && ln <= nmap) ln = map[ln - 1];
    int k = rest == p ? snprintf(line, sizeof line, "%.*s", (int)(e - p), p)
                      : snprintf(line, sizeof line, "body:%lu%.*s", ln, (int)(e - after), after);
    if (k > 0) {
      if (listed) gp_buf_put(b, ",", 1);
      json_str(b, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
      listed++;
    }
    p = nl ? nl + 1 : end;
  }
  return listed;
}

/* Loads the file at tmp into table under the exclusive lock; answers with the summary. */
static int load_and_answer(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r,
                           const char *table, const char *tmp, gp_format format, bool no_header,
                           const size_t *map, size_t nmap, const gp_buf *early,
                           size_t early_rejects, bool influx) {
  char *reports = NULL;
  size_t rlen = 0;
  FILE *errs = open_memstream(&reports, &rlen);
  gp_load_opts lo = {.format = format, .no_header = no_header, .errors = errs, .stream = true};
  gp_load_result res = {0};
  gp_err err = {0};
  gp_rc rc = errs ? GP_OK : gp_err_set(&err, GP_NOMEM, "out of memory");
  if (rc == GP_OK) {
    pthread_rwlock_wrlock(&srv->dblock);
    atomic_fetch_add(&srv->running, 1);
    gp_serve__load_threads(srv, r->body.len);
    rc = gp_load_file(srv->db, table, tmp, &lo, &res, &err);
    atomic_fetch_sub(&srv->running, 1);
    pthread_rwlock_unlock(&srv->dblock);
  }
  if (errs) fclose(errs);
  gp_serve__metrics_rows(&srv->m, table, res.loaded, res.rejected + early_rejects);
  size_t rejected = res.rejected + early_rejects;
  gp_buf b = {0};
  char head[256];
  int k = snprintf(head, sizeof head,
                   "{\"table\":\"%s\",\"loaded\":%zu,\"rejected\":%zu,\"duplicates\":%zu,"
                   "\"errors\":[",
                   table, res.loaded, rejected, res.duplicates);
  gp_buf_put(&b, head, (size_t)k);
  size_t listed = 0;
  if (early && early->len) {
    gp_buf_put(&b, early->p, early->len);
    listed = early_rejects < MAX_REPORTED ? early_rejects : MAX_REPORTED;
  }
  if (reports && listed < MAX_REPORTED) {
    gp_buf tail = {0};
    size_t more = list_rejects(&tail, reports, rlen, tmp, map, nmap);
    if (more && listed) gp_buf_put(&b, ",", 1);
    if (tail.len) gp_buf_put(&b, tail.p, tail.len);
    gp_buf_free(&tail);
  }
  gp_buf_put(&b, "]", 1);
  int code = 200;
  if (rc) {
    const char *type;
    code = gp_serve__status_of(rc, &type);
    if (code == 500 && rc == GP_IO) code = 400;
    char msg[GP_ERR_MSG_MAX + 8];
    /* the loader names the temporary file: the client knows it as the body */
    const char *m = err.msg;
    size_t tl = strlen(tmp);
    const char *hit = strstr(m, tmp);
    if (hit)
      snprintf(msg, sizeof msg, "%.*sbody%s", (int)(hit - m), m, hit + tl);
    else
      snprintf(msg, sizeof msg, "%s", m);
    gp_buf_put(&b, ",\"error\":", 9);
    json_str(&b, msg, strlen(msg));
  } else if (rejected) {
    code = 400; /* as InfluxDB answers a partial write: the good rows are stored */
  }
  gp_buf_put(&b, "}\n", 2);
  int ok;
  if (influx && code == 200) /* InfluxDB's answer to a write that stored every point */
    ok = gp_serve__reply(c, r, 204, NULL, "", 0);
  else
    ok = b.p ? gp_serve__reply(c, r, code, "application/json", (const char *)b.p, b.len)
             : gp_serve__reply_error(c, r, 500, "internal", "out of memory");
  gp_buf_free(&b);
  free(reports); /* open_memstream's buffer comes from malloc */
  return ok;
}

static bool good_name(const char *s) {
  if (!*s || strlen(s) >= GP_NAME_MAX) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
          (p > s && *p >= '0' && *p <= '9')))
      return false;
  return true;
}

int gp_serve__write(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r, const char *table) {
  if (!good_name(table))
    return gp_serve__reply_error(c, r, 400, "bad_data",
                                 "the table name in /v1/write/TABLE must be an identifier");
  const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
  const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
  gp_format fmt = GP_FMT_CSV;
  if (q ? !strcmp(q, "ndjson") : ct && (strstr(ct, "ndjson") || strstr(ct, "json")))
    fmt = GP_FMT_NDJSON;
  else if (q && strcmp(q, "csv"))
    return gp_serve__reply_error(c, r, 400, "bad_data", "unknown format (csv, ndjson)");
  const char *h = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "header");
  bool no_header = h && !strcmp(h, "false");
  char tmp[4096];
  FILE *f = temp_file(tmp, sizeof tmp);
  if (!f) return gp_serve__reply_error(c, r, 503, "unavailable", "cannot write a temporary file");
  bool ok = fwrite(r->body.p ? (const void *)r->body.p : "", 1, r->body.len, f) == r->body.len;
  if (fclose(f) != 0) ok = false;
  int res = ok ? load_and_answer(srv, c, r, table, tmp, fmt, no_header, NULL, 0, NULL, 0, false)
               : gp_serve__reply_error(c, r, 503, "unavailable", "cannot write a temporary file");
  unlink(tmp);
  return res;
}

/* ---- line protocol ---- */

/* The column type a line-protocol value takes. */
static gp_type lp_type(gp_lp_kind k) {
  return k == GP_LP_FLOAT ? GP_T_DOUBLE : k == GP_LP_STRING ? GP_T_TEXT : GP_T_INT;
}

/* Adds column (name, type) to def unless present; false when def is full. */
static bool def_add(gp_table *def, const char *name, gp_type type) {
  if (gp_table_col(def, name, strlen(name)) >= 0) return true;
  if (def->ncols == GP_STORE_MAX_COLS || strlen(name) >= GP_NAME_MAX) return false;
  snprintf(def->cols[def->ncols].name, GP_NAME_MAX, "%s", name);
  def->cols[def->ncols++].type = type;
  return true;
}

/* One measurement of a request: its lines as NDJSON for the loader. */
typedef struct lp_table {
  char name[GP_NAME_MAX];
  gp_table def; /* the table as it is, or as it will be created */
  bool exists;
  char tmp[4096];
  FILE *f;
  size_t *map; /* NDJSON line -> request line */
  size_t n, cap;
} lp_table;

/* Checks pt against t's columns (creating them in t->def when the table is new); on a
 * mismatch sets why. */
static bool lp_fits(lp_table *t, const gp_lp_point *pt, char *why, size_t cap) {
  for (int i = 0; i < pt->ntags + pt->nfields; i++) {
    bool tag = i < pt->ntags;
    const char *key = tag ? pt->tags[i].key : pt->fields[i - pt->ntags].key;
    gp_type want = tag ? GP_T_SYMBOL : lp_type(pt->fields[i - pt->ntags].kind);
    int col = gp_table_col(&t->def, key, strlen(key));
    if (col < 0 && !t->exists) {
      if (!def_add(&t->def, key, want)) {
        snprintf(why, cap, "too many columns for table \"%s\"", t->name);
        return false;
      }
      col = t->def.ncols - 1;
    }
    if (col < 0) {
      snprintf(why, cap,
               "%s \"%s\" is not a column of table \"%s\" (adding columns to a table "
               "is not supported yet)",
               tag ? "tag" : "field", key, t->name);
      return false;
    }
    gp_type have = t->def.cols[col].type;
    bool same = have == want || (!tag && want == GP_T_TEXT && have == GP_T_SYMBOL) ||
                (!tag && want == GP_T_INT && have == GP_T_DOUBLE);
    if (!same || col == t->def.time_col) {
      snprintf(why, cap, "%s \"%s\": table \"%s\" has it as %s", tag ? "tag" : "field", key,
               t->name, gp_type_name(have));
      return false;
    }
  }
  return true;
}

static void lp_write_row(FILE *f, const gp_lp_point *pt, int64_t us) {
  char ts[48];
  gp_ts_format(us, ts, sizeof ts);
  fprintf(f, "{\"time\":\"%s\"", ts);
  for (int i = 0; i < pt->ntags; i++) {
    gp_buf b = {0};
    json_str(&b, pt->tags[i].key, strlen(pt->tags[i].key));
    gp_buf_put(&b, ":", 1);
    json_str(&b, pt->tags[i].val, strlen(pt->tags[i].val));
    fputc(',', f);
    if (b.p) fwrite(b.p, 1, b.len, f);
    gp_buf_free(&b);
  }
  for (int i = 0; i < pt->nfields; i++) {
    const gp_lp_field *fl = &pt->fields[i];
    gp_buf b = {0};
    json_str(&b, fl->key, strlen(fl->key));
    fputc(',', f);
    if (b.p) fwrite(b.p, 1, b.len, f);
    gp_buf_free(&b);
    if (fl->kind == GP_LP_FLOAT)
      fprintf(f, ":%.17g", fl->f);
    else if (fl->kind == GP_LP_STRING) {
      gp_buf s = {0};
      json_str(&s, fl->s, fl->slen);
      fputc(':', f);
      if (s.p) fwrite(s.p, 1, s.len, f);
      gp_buf_free(&s);
    } else
      fprintf(f, ":%lld", (long long)fl->i);
  }
  fputs("}\n", f);
}

/* The table for measurement m among ts (added when new; NULL when out of memory or files). */
static lp_table *lp_table_for(gp_serve *srv, lp_table **ts, size_t *nt, const char *m) {
  for (size_t i = 0; i < *nt; i++)
    if (!strcmp((*ts)[i].name, m)) return &(*ts)[i];
  lp_table *grown = GP_REALLOC(*ts, (*nt + 1) * sizeof **ts);
  if (!grown) return NULL;
  *ts = grown;
  lp_table *t = &grown[*nt];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", m);
  pthread_rwlock_rdlock(&srv->dblock);
  const gp_table *have = gp_db_table(srv->db, m);
  if (have) t->def = *have;
  pthread_rwlock_unlock(&srv->dblock);
  t->exists = have != NULL;
  if (!t->exists) {
    snprintf(t->def.name, GP_NAME_MAX, "%s", m);
    snprintf(t->def.cols[0].name, GP_NAME_MAX, "time");
    t->def.cols[0].type = GP_T_TIMESTAMP;
    t->def.ncols = 1;
    t->def.time_col = 0;
    t->def.key_col = -1;
    t->def.lon_col = t->def.lat_col = t->def.loc_col = -1;
  }
  if (!(t->f = temp_file(t->tmp, sizeof t->tmp))) return NULL;
  (*nt)++;
  return t;
}

int gp_serve__influx(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r) {
  const char *bucket = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "bucket");
  const char *prec = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "precision");
  const char *base = strrchr(srv->o.db, '/');
  base = base && base[1] ? base + 1 : srv->o.db;
  if (!bucket || (strcmp(bucket, base) != 0 && strcmp(bucket, srv->o.db) != 0))
    return gp_serve__reply_error(c, r, 404, "not_found",
                                 "bucket not found: ?bucket= must name the served database");
  gp_err err = {0};
  int64_t probe;
  if (gp_lp_time_us(0, prec, &probe, &err))
    return gp_serve__reply_error(c, r, 400, "bad_data", err.msg);
  int64_t now_us = 0;
  {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  }
  lp_table *ts = NULL;
  size_t nt = 0, rejected = 0;
  gp_buf early = {0};
  gp_lp_point *pt = GP_MALLOC(sizeof *pt);
  char *scratch = GP_MALLOC(2 * r->body.len + 16);
  int ok = MHD_NO;
  if (!pt || !scratch) {
    ok = gp_serve__reply_error(c, r, 503, "unavailable", "out of memory for the body");
    goto cleanup;
  }
  const char *p = (const char *)r->body.p, *end = p + r->body.len;
  size_t lineno = 0;
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    lineno++;
    const char *s = p;
    p = nl ? nl + 1 : end;
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    if (s == e || *s == '#' || (e - s == 1 && *s == '\r')) continue;
    char why[GP_ERR_MSG_MAX];
    why[0] = '\0';
    int64_t us = now_us;
    lp_table *t = NULL;
    if (gp_lp_parse(s, (size_t)(e - s), scratch, pt, &err))
      snprintf(why, sizeof why, "%s", err.msg);
    else if (pt->has_ts && gp_lp_time_us(pt->ts, prec, &us, &err))
      snprintf(why, sizeof why, "%s", err.msg);
    else if (!good_name(pt->measurement))
      snprintf(why, sizeof why, "measurement \"%s\" is not an identifier", pt->measurement);
    else if (!(t = lp_table_for(srv, &ts, &nt, pt->measurement))) {
      ok = gp_serve__reply_error(c, r, 503, "unavailable", "out of memory or temporary files");
      goto cleanup;
    } else if (!lp_fits(t, pt, why, sizeof why)) {
      /* why says it */
    }
    if (why[0]) {
      if (rejected < MAX_REPORTED) {
        char msg[GP_ERR_MSG_MAX + 32];
        int k = snprintf(msg, sizeof msg, "body:%zu: %s", lineno, why);
        if (early.len) gp_buf_put(&early, ",", 1);
        json_str(&early, msg, (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
      }
      rejected++;
      continue;
    }
    if (t->n == t->cap) {
      size_t nc = t->cap ? 2 * t->cap : 256;
      size_t *m = GP_REALLOC(t->map, nc * sizeof *m);
      if (!m) {
        ok = gp_serve__reply_error(c, r, 503, "unavailable", "out of memory for the body");
        goto cleanup;
      }
      t->map = m, t->cap = nc;
    }
    t->map[t->n++] = lineno;
    lp_write_row(t->f, pt, us);
  }
  if (nt == 0) { /* nothing to load: only rejects, or an empty body */
    if (!rejected) {
      ok = gp_serve__reply(c, r, 204, NULL, "", 0);
      goto cleanup;
    }
    gp_buf b = {0};
    char head[128];
    int k = snprintf(head, sizeof head, "{\"loaded\":0,\"rejected\":%zu,\"errors\":[", rejected);
    gp_buf_put(&b, head, (size_t)k);
    gp_buf_put(&b, early.p, early.len);
    gp_buf_put(&b, "]}\n", 3);
    ok = b.p ? gp_serve__reply(c, r, 400, "application/json", (const char *)b.p, b.len)
             : gp_serve__reply_error(c, r, 500, "internal", "out of memory");
    gp_buf_free(&b);
    goto cleanup;
  }
  /* one table per answer: InfluxDB's answer has no per-measurement part, so a request writing
   * several measurements gets the figures of all of them summed in the log and /metrics, and
   * the answer of the last one with every reject */
  for (size_t i = 0; i < nt; i++) {
    lp_table *t = &ts[i];
    bool wrote = fclose(t->f) == 0;
    t->f = NULL;
    if (!wrote) {
      ok = gp_serve__reply_error(c, r, 503, "unavailable", "cannot write a temporary file");
      goto cleanup;
    }
    if (!t->exists) {
      int lon = gp_table_col(&t->def, "lon", 3), lat = gp_table_col(&t->def, "lat", 3);
      if (lon >= 0 && lat >= 0 && t->def.cols[lon].type == GP_T_DOUBLE &&
          t->def.cols[lat].type == GP_T_DOUBLE) {
        t->def.loc = GP_LOC_LONLAT;
        t->def.lon_col = lon;
        t->def.lat_col = lat;
      }
      pthread_rwlock_wrlock(&srv->dblock);
      gp_rc rc = gp_db_table(srv->db, t->name) ? GP_OK : gp_db_create_table(srv->db, &t->def, &err);
      pthread_rwlock_unlock(&srv->dblock);
      if (rc) {
        ok = gp_serve__reply_error(c, r, 400, "bad_data", err.msg);
        goto cleanup;
      }
    }
  }
  size_t total_rej = rejected;
  for (size_t i = 0; i + 1 < nt; i++) { /* all but the last: counted, answered with the last */
    gp_load_opts lo = {.format = GP_FMT_NDJSON, .errors = NULL, .stream = true};
    gp_load_result res = {0};
    char *rep = NULL;
    size_t rl = 0;
    lo.errors = open_memstream(&rep, &rl);
    pthread_rwlock_wrlock(&srv->dblock);
    atomic_fetch_add(&srv->running, 1);
    gp_serve__load_threads(srv, r->body.len);
    gp_rc rc = gp_load_file(srv->db, ts[i].name, ts[i].tmp, &lo, &res, &err);
    atomic_fetch_sub(&srv->running, 1);
    pthread_rwlock_unlock(&srv->dblock);
    if (lo.errors) fclose(lo.errors);
    gp_serve__metrics_rows(&srv->m, ts[i].name, res.loaded, res.rejected);
    if (rep && rl) {
      gp_buf more = {0};
      if (list_rejects(&more, rep, rl, ts[i].tmp, ts[i].map, ts[i].n) && early.len)
        gp_buf_put(&early, ",", 1);
      if (more.len) gp_buf_put(&early, more.p, more.len);
      gp_buf_free(&more);
    }
    free(rep);
    total_rej += res.rejected;
    if (rc) {
      ok = gp_serve__reply_error(c, r, 400, "bad_data", err.msg);
      goto cleanup;
    }
  }
  lp_table *last = &ts[nt - 1];
  ok = load_and_answer(srv, c, r, last->name, last->tmp, GP_FMT_NDJSON, false, last->map, last->n,
                       &early, total_rej, true);
cleanup:
  for (size_t i = 0; i < nt; i++) {
    if (ts[i].f) fclose(ts[i].f);
    unlink(ts[i].tmp);
    GP_FREE(ts[i].map);
  }
  GP_FREE(ts);
  gp_buf_free(&early);
  GP_FREE(scratch);
  GP_FREE(pt);
  return ok;
}
