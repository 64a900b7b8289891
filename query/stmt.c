/* stmt.c - the statements other than SELECT and FORECAST: CREATE TABLE, COPY, SET, CREATE
 * REGIONS, SHOW, DESCRIBE, DROP. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysinfo.h>

#include "exec_int.h"

static gp_rc copy_name(char *dst, const gp_ast_name *n, const char *what, gp_err *err) {
  if (strlen(n->s) >= GP_NAME_MAX)
    return gp_query_err_at(err, GP_INVALID, n->pos, "%s name \"%s\" is too long (at most %d bytes)",
                           what, n->s, GP_NAME_MAX - 1);
  strcpy(dst, n->s);
  return GP_OK;
}

gp_rc qx_exec_create(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_table def;
  memset(&def, 0, sizeof def);
  gp_rc rc;
  if ((rc = copy_name(def.name, &st->create_table.name, "table", err))) return rc;
  if (st->create_table.columns.n > GP_STORE_MAX_COLS)
    return gp_query_err_at(err, GP_INVALID, st->pos, "at most %d columns", GP_STORE_MAX_COLS);
  def.ncols = (int)st->create_table.columns.n;
  def.time_col = def.key_col = def.lon_col = def.lat_col = def.loc_col = -1;
  for (int k = 0; k < def.ncols; k++) {
    gp_ast *c = st->create_table.columns.v[k];
    if ((rc = copy_name(def.cols[k].name, &c->column_def.name, "column", err))) return rc;
    def.cols[k].type = c->column_def.type;
    for (int j = 0; j < k; j++)
      if (strcmp(def.cols[j].name, def.cols[k].name) == 0)
        return gp_query_err_at(err, GP_INVALID, c->pos, "column \"%s\" appears twice", def.cols[k].name);
    if (c->column_def.key) {
      if (def.key_col >= 0)
        return gp_query_err_at(err, GP_INVALID, c->pos, "only one KEY column");
      if (def.cols[k].type == GP_T_DOUBLE)
        return gp_query_err_at(err, GP_INVALID, c->pos, "a KEY column must be INT, SYMBOL or TEXT");
      def.key_col = k;
    }
  }
  struct {
    const gp_ast_name *n;
    int *dst;
    gp_type want;
    const char *role;
  } roles[] = {{&st->create_table.time_col, &def.time_col, GP_T_TIMESTAMP, "TIME"},
               {&st->create_table.lon, &def.lon_col, GP_T_DOUBLE, "LOCATION longitude"},
               {&st->create_table.lat, &def.lat_col, GP_T_DOUBLE, "LOCATION latitude"},
               {&st->create_table.loc_key, &def.loc_col, 0, "LOCATION FROM key"}};
  for (size_t r = 0; r < sizeof roles / sizeof *roles; r++) {
    const gp_ast_name *n = roles[r].n;
    if (!n->s) continue;
    int c = gp_table_col(&def, n->s, strlen(n->s));
    if (c < 0) {
      suggest sg = {0};
      for (int k = 0; k < def.ncols; k++) qx_suggest_add(&sg, n->s, def.cols[k].name);
      return gp_query_err_at(err, GP_NOTFOUND, n->pos, "no column \"%s\" in %s%s%s%s", n->s, def.name,
                             sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "", sg.best ? "\"?)" : "");
    }
    if (roles[r].want && def.cols[c].type != roles[r].want)
      return gp_query_err_at(err, GP_INVALID, n->pos, "the %s column \"%s\" must be %s, not %s",
                             roles[r].role, n->s, gp_type_name(roles[r].want), gp_type_name(def.cols[c].type));
    *roles[r].dst = c;
  }
  if (def.lon_col >= 0) def.loc = GP_LOC_LONLAT;
  if (st->create_table.loc_table.s) {
    const gp_table *o = gp_db_table(q->s->db, st->create_table.loc_table.s);
    if (!o)
      return gp_query_err_at(err, GP_NOTFOUND, st->create_table.loc_table.pos, "no table \"%s\"",
                             st->create_table.loc_table.s);
    if ((rc = copy_name(def.loc_table, &st->create_table.loc_table, "table", err))) return rc;
    def.loc = GP_LOC_FROM;
  }
  gp_err e2 = {0};
  if ((rc = gp_db_create_table(q->s->db, &def, &e2)))
    return gp_query_err_at(err, rc, st->create_table.name.pos, "%s", e2.msg);
  return qx_status_result(out, err, "CREATE TABLE");
}

static gp_rc opt_bool(const gp_ast *v, bool dflt, bool *out, gp_err *err) {
  if (!v) {
    *out = dflt;
    return GP_OK;
  }
  if (v->kind == GP_AST_BOOL) *out = v->b.v;
  else if (v->kind == GP_AST_INT) *out = v->i.v != 0;
  else if (v->kind == GP_AST_STRING || v->kind == GP_AST_COLUMN) {
    const char *s = v->kind == GP_AST_STRING ? v->str.s : v->column.name.s;
    if (!strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcasecmp(s, "yes")) *out = true;
    else if (!strcasecmp(s, "false") || !strcasecmp(s, "off") || !strcasecmp(s, "no")) *out = false;
    else return gp_query_err_at(err, GP_INVALID, v->pos, "expected true or false");
  } else return gp_query_err_at(err, GP_INVALID, v->pos, "expected true or false");
  return GP_OK;
}

gp_rc qx_exec_copy(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  const char *tname = st->copy.table.s;
  if (!gp_db_table(q->s->db, tname)) {
    suggest sg = {0};
    for (size_t k = 0; k < gp_db_ntables(q->s->db); k++) qx_suggest_add(&sg, tname, gp_db_table_at(q->s->db, k)->name);
    return gp_query_err_at(err, GP_NOTFOUND, st->copy.table.pos, "no table \"%s\" (CREATE TABLE it first)%s%s%s",
                           tname, sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "", sg.best ? "\"?)" : "");
  }
  gp_load_opts o;
  memset(&o, 0, sizeof o);
  const char *nulls[GP_LOAD_MAX_NULLSTR]; /* borrowed from the AST, which outlives the load */
  o.nullstr = nulls;
  gp_rc rc;
  for (uint32_t k = 0; k < st->copy.options.n; k++) {
    gp_ast *op = st->copy.options.v[k];
    const char *n = op->option.name.s;
    const gp_ast *v = op->option.value;
    if (!strcmp(n, "header")) {
      bool h = true;
      if ((rc = opt_bool(v, true, &h, err))) return rc;
      o.no_header = !h;
    } else if (!strcmp(n, "format")) {
      const char *w = qx_opt_word(v);
      if (w && !strcasecmp(w, "csv")) o.format = GP_FMT_CSV;
      else if (w && (!strcasecmp(w, "ndjson") || !strcasecmp(w, "json"))) o.format = GP_FMT_NDJSON;
      else return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "format must be csv or ndjson");
    } else if (!strcmp(n, "on_error")) {
      const char *w = qx_opt_word(v);
      if (w && (!strcasecmp(w, "skip") || !strcasecmp(w, "ignore"))) o.stop_on_error = false;
      else if (w && !strcasecmp(w, "stop")) o.stop_on_error = true;
      else return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "on_error must be 'skip' or 'stop'");
    } else if (!strcmp(n, "max_errors") || !strcmp(n, "reject_limit")) { /* PostgreSQL 18's name */
      if (!v || v->kind != GP_AST_INT || v->i.v < 0)
        return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s must be a number of rows", n);
      o.max_errors = (size_t)v->i.v;
      if (o.max_errors == 0) o.stop_on_error = true;
    } else if (!strcmp(n, "reject_file")) {
      if (!v || v->kind != GP_AST_STRING) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "reject_file must be a file name in quotes");
      o.reject_file = v->str.s;
    } else if (!strcmp(n, "nullstr")) { /* DuckDB's name; repeatable: nullstr 'NA', nullstr '-' */
      if (!v || v->kind != GP_AST_STRING) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "nullstr must be a string in quotes");
      if (o.nnullstr == GP_LOAD_MAX_NULLSTR) return gp_query_err_at(err, GP_INVALID, v->pos, "at most %d nullstr options", GP_LOAD_MAX_NULLSTR);
      nulls[o.nnullstr++] = v->str.s;
    } else if (!strcmp(n, "delimiter") || !strcmp(n, "delim")) {
      const char *w = qx_opt_word(v);
      if (!w || strlen(w) != 1) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "delimiter must be one character");
      o.delim = w[0];
    } else {
      return gp_query_err_at(err, GP_INVALID, op->pos, "unknown COPY option \"%s\" (header, format, on_error, max_errors, reject_file, delimiter, nullstr)", n);
    }
  }
  gp_load_result lr;
  memset(&lr, 0, sizeof lr);
  gp_err e2 = {0};
  if ((rc = gp_load_file(q->s->db, tname, st->copy.path->str.s, &o, &lr, &e2)))
    return gp_query_err_at(err, rc, st->copy.path->pos, "%s", e2.msg);
  return qx_status_result(out, err, "COPY %zu rows (%zu rejected, %zu duplicates)", lr.loaded, lr.rejected, lr.duplicates);
}

/* Half the machine's memory: a statement may not take the rest from the loader, RocksDB's
 * caches and the other sessions. */
size_t qx_default_mem_limit(void) {
  struct sysinfo si;
  if (sysinfo(&si) != 0 || si.totalram == 0) return (size_t)4 << 30;
  return (size_t)si.totalram * si.mem_unit / 2;
}

/* A size: an integer (bytes) or text "N [unit]" with unit B, KB, MB, GB, TB (powers of 1024;
 * KiB... accepted too). At least 1 MB. */
static bool mem_size(const gp_ast *v, size_t *out) {
  double x;
  char unit[8] = "";
  if (v->kind == GP_AST_INT) {
    x = (double)v->i.v;
  } else if (v->kind == GP_AST_STRING) {
    int used = 0;
    if (sscanf(v->str.s, " %lf %7[A-Za-z] %n", &x, unit, &used) < 1) return false;
    if (used == 0) {
      unit[0] = '\0';
      if (sscanf(v->str.s, " %lf %n", &x, &used) < 1) return false;
    }
    if ((size_t)used != v->str.len) return false;
  } else {
    return false;
  }
  static const char *const units[] = {"b", "kb", "mb", "gb", "tb"};
  double mul = 1;
  if (unit[0]) {
    size_t ul = strlen(unit);
    if (ul == 3 && (unit[2] == 'b' || unit[2] == 'B') && (unit[1] == 'i' || unit[1] == 'I')) {
      unit[1] = unit[2]; /* KiB -> KB */
      unit[2] = '\0';
    }
    int k = -1;
    for (int j = 0; j < 5; j++)
      if (!strcasecmp(unit, units[j]) || (j && strlen(unit) == 1 && tolower((unsigned char)unit[0]) == units[j][0])) k = j;
    if (k < 0) return false;
    for (int j = 0; j < k; j++) mul *= 1024;
  }
  x *= mul;
  if (!(x >= 1048576.0 && x < 1e18)) return false;
  *out = (size_t)x;
  return true;
}

gp_rc qx_exec_set(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_session *s = q->s;
  const char *n = st->set.name.s;
  gp_ast *v = st->set.value;
  if (!strcmp(n, "now")) {
    int64_t t;
    if (v->kind == GP_AST_STRING && !strcasecmp(v->str.s, "default")) {
      s->now = INT64_MIN;
    } else if (v->kind == GP_AST_STRING && gp_ts_parse(v->str.s, v->str.len, &t)) {
      s->now = t;
    } else if (v->kind == GP_AST_CAST && v->cast.arg->kind == GP_AST_STRING &&
               gp_ts_parse(v->cast.arg->str.s, v->cast.arg->str.len, &t)) {
      s->now = t;
    } else {
      return gp_query_err_at(err, GP_INVALID, v->pos, "SET now needs a timestamp such as '2024-08-01 12:00'");
    }
  } else if (!strcmp(n, "timezone") || !strcmp(n, "time_zone")) {
    const char *w = qx_opt_word(v);
    if (!w) return gp_query_err_at(err, GP_INVALID, v->pos, "SET timezone needs a zone name such as 'Asia/Shanghai'");
    qx_tz *tz;
    gp_err e2 = {0};
    if (qx_tz_load(w, &tz, &e2)) return gp_query_err_at(err, GP_INVALID, v->pos, "%s", e2.msg);
    qx_tz_free(s->tz);
    s->tz = (!strcasecmp(w, "utc")) ? (qx_tz_free(tz), NULL) : tz;
  } else if (!strcmp(n, "threads")) {
    if (v->kind != GP_AST_INT || v->i.v < 0 || v->i.v > 1024)
      return gp_query_err_at(err, GP_INVALID, v->pos, "SET threads needs a number 0..1024 (0 = all cores)");
    s->threads = (int)v->i.v;
  } else if (!strcmp(n, "vectorize")) {
    /* ON is a keyword, so on is written true or 'on' */
    const char *w = v->kind == GP_AST_BOOL ? (v->b.v ? "on" : "off") : qx_opt_word(v);
    if (!w || (strcasecmp(w, "on") != 0 && strcasecmp(w, "off") != 0))
      return gp_query_err_at(err, GP_INVALID, v->pos, "SET vectorize needs true or false");
    s->no_vec = strcasecmp(w, "off") == 0;
  } else if (!strcmp(n, "memory_limit")) {
    size_t bytes = 0;
    if (v->kind == GP_AST_STRING && !strcasecmp(v->str.s, "default")) bytes = qx_default_mem_limit();
    else if (!mem_size(v, &bytes))
      return gp_query_err_at(err, GP_INVALID, v->pos,
                             "SET memory_limit needs a size such as '512 MB' or '2 GB' (at least 1 MB), or 'default'");
    s->mem_limit = bytes;
  } else {
    return gp_query_err_at(err, GP_NOTFOUND, st->set.name.pos, "unknown setting \"%s\" (now, timezone, threads, vectorize, memory_limit)", n);
  }
  return qx_status_result(out, err, "SET");
}

/* CREATE REGIONS name FROM 'file' [(id col, geometry wkt|geojson, crs 'EPSG:n',
 * make_valid true, parent col)]. A database without a CRS yet takes the UTM zone of the
 * layer's first region (WGS84 input only). */
gp_rc qx_exec_create_regions(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_region_opts o = {0};
  gp_rc rc;
  const char *name = st->create_regions.name.s;
  for (uint32_t k = 0; k < st->create_regions.options.n; k++) {
    gp_ast *op = st->create_regions.options.v[k];
    const char *n = op->option.name.s;
    const gp_ast *v = op->option.value;
    const char *w = qx_opt_word(v);
    if (!strcmp(n, "id") || !strcmp(n, "parent")) {
      if (!w) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s needs a column name", n);
      if (!strcmp(n, "id")) o.id_col = w;
      else o.parent_col = w;
    } else if (!strcmp(n, "geometry") || !strcmp(n, "format")) {
      if (w && !strcasecmp(w, "wkt")) o.fmt = GP_REGION_WKT;
      else if (w && (!strcasecmp(w, "geojson") || !strcasecmp(w, "json"))) o.fmt = GP_REGION_GEOJSON;
      else if (w && !strcmp(n, "geometry")) o.fmt = GP_REGION_WKT, o.geom_col = w;
      else return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s must be wkt or geojson", n);
    } else if (!strcmp(n, "geometry_col") || !strcmp(n, "wkt")) {
      if (!w) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s needs a column name", n);
      o.fmt = GP_REGION_WKT;
      o.geom_col = w;
    } else if (!strcmp(n, "crs")) {
      long e = 0;
      if (v && v->kind == GP_AST_INT) e = (long)v->i.v;
      else if (w && !strncasecmp(w, "EPSG:", 5)) e = strtol(w + 5, NULL, 10);
      if (e <= 0 || e > 999999)
        return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "crs must be 'EPSG:n'");
      o.src_epsg = (int)e;
    } else if (!strcmp(n, "make_valid")) {
      if ((rc = opt_bool(v, true, &o.make_valid, err))) return rc;
    } else {
      return gp_query_err_at(err, GP_INVALID, op->pos, "unknown CREATE REGIONS option \"%s\" (id, geometry, crs, make_valid, parent)", n);
    }
  }
  if (strlen(name) >= GP_NAME_MAX)
    return gp_query_err_at(err, GP_INVALID, st->create_regions.name.pos, "regions name too long");
  gp_region_cat *cat;
  gp_err e2 = {0};
  if ((rc = qx_session_regions(q->s, &cat, &e2))) return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
  if (gp_region_cat_find(cat, name))
    return gp_query_err_at(err, GP_EXISTS, st->create_regions.name.pos, "regions \"%s\" already exist", name);
  const char *path = st->create_regions.path->str.s;
  gp_region_layer *l = NULL;
  o.mem = &q->mem;
  if (!gp_db_grid(q->s->db)) {
    int se = o.src_epsg ? o.src_epsg : 4326;
    if (se != 4326)
      return gp_query_err_at(err, GP_INVALID, st->pos, "the database has no CRS yet: load located rows first");
    if ((rc = gp_region_layer_read(name, path, NULL, 0, &o, se, &l, &e2)))
      return gp_query_err_at(err, rc, st->create_regions.path->pos, "%s", e2.msg);
    double x0, y0, x1, y1;
    gp_region_bbox(l, 0, &x0, &y0, &x1, &y1);
    gp_region_layer_free(l);
    l = NULL;
    if ((rc = gp_db_set_crs(q->s->db, gp_grid_utm_epsg((x0 + x1) / 2, (y0 + y1) / 2), &e2)))
      return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
    q->ctx.grid = gp_db_grid(q->s->db);
  }
  if ((rc = gp_region_layer_read(name, path, NULL, 0, &o, gp_db_epsg(q->s->db), &l, &e2)))
    return gp_query_err_at(err, rc, st->create_regions.path->pos, "%s", e2.msg);
  size_t n = gp_region_count(l);
  qx_session_ix_clear(q->s);
  if ((rc = gp_region_cat_add(cat, gp_db_store(q->s->db), l, &e2)))
    return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
  return qx_status_result(out, err, "CREATE REGIONS %zu", n);
}

/* qsort comparators: SHOW lists objects by name, not in creation order. */
static int cmp_layer_name(const void *a, const void *b) {
  return strcmp(gp_region_layer_name(*(const gp_region_layer *const *)a),
                gp_region_layer_name(*(const gp_region_layer *const *)b));
}
static int cmp_table_name(const void *a, const void *b) {
  return strcmp((*(const gp_table *const *)a)->name, (*(const gp_table *const *)b)->name);
}

static gp_rc show_regions(qry *q, gp_result **out, gp_err *err) {
  gp_region_cat *cat;
  gp_err e2 = {0};
  gp_rc rc = qx_session_regions(q->s, &cat, &e2);
  if (rc) return gp_err_set(err, rc, "%s", e2.msg);
  gp_result *r;
  if ((rc = gp_query__result_new(&r, err))) return rc;
  if ((rc = gp_query__result_add_col(r, "regions", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "count", GP_RK_INT, err)) ||
      (rc = gp_query__result_add_col(r, "crs", GP_RK_TEXT, err)))
    goto fail;
  size_t n = gp_region_cat_count(cat);
  const gp_region_layer **v = GP_MALLOC((n + 1) * sizeof *v);
  if (!v) {
    rc = qx_nomem(err);
    goto fail;
  }
  for (size_t k = 0; k < n; k++) v[k] = gp_region_cat_at(cat, k);
  qsort(v, n, sizeof *v, cmp_layer_name); /* by name */
  for (size_t k = 0; k < n && !rc; k++) {
    char crs[32];
    snprintf(crs, sizeof crs, "EPSG:%d", gp_region_layer_epsg(v[k]));
    const char *nm = gp_region_layer_name(v[k]);
    rc = gp_query__result_put_text(r, 0, nm, strlen(nm), err);
    if (!rc) rc = gp_query__result_put_int(r, 1, (int64_t)gp_region_count(v[k]), err);
    if (!rc) rc = gp_query__result_put_text(r, 2, crs, strlen(crs), err);
  }
  GP_FREE(v);
  if (rc) goto fail;
  *out = r;
  return GP_OK;
fail:
  gp_query__result_free(r);
  return rc;
}

/* SHOW FUNCTIONS: the registry (func.c), in name order */
static gp_rc show_functions(gp_result **out, gp_err *err) {
  gp_result *r;
  gp_rc rc = gp_query__result_new(&r, err);
  if (rc) return rc;
  const char *cols[] = {"name", "kind", "signature", "doc"};
  for (int k = 0; k < 4 && !rc; k++) rc = gp_query__result_add_col(r, cols[k], GP_RK_TEXT, err);
  gp_query_func_info f;
  for (size_t i = 0; !rc && gp_query_func(i, &f); i++) {
    const char *v[] = {f.name, f.kind, f.sig, f.doc};
    for (int k = 0; k < 4 && !rc; k++) rc = gp_query__result_put_text(r, k, v[k], strlen(v[k]), err);
  }
  if (rc) {
    gp_query__result_free(r);
    return rc;
  }
  *out = r;
  return GP_OK;
}

gp_rc qx_exec_show(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  if (st->show.what == GP_OBJ_REGIONS) return show_regions(q, out, err);
  if (st->show.what == GP_OBJ_FUNCTION) return show_functions(out, err);
  if (st->show.what == GP_OBJ_SINK) return gp_query__exec_sink(q->s->db, st, out, err);
  if (st->show.what != GP_OBJ_TABLE)
    return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "only SHOW TABLES is supported yet");
  gp_result *r;
  gp_rc rc = gp_query__result_new(&r, err);
  if (rc) return rc;
  if ((rc = gp_query__result_add_col(r, "table", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "columns", GP_RK_INT, err)) ||
      (rc = gp_query__result_add_col(r, "time", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "location", GP_RK_TEXT, err)))
    goto fail;
  size_t n = gp_db_ntables(q->s->db);
  /* by name, so the listing does not depend on creation order */
  const gp_table **v = GP_MALLOC((n + 1) * sizeof *v);
  if (!v) {
    rc = qx_nomem(err);
    goto fail;
  }
  for (size_t k = 0; k < n; k++) v[k] = gp_db_table_at(q->s->db, k);
  qsort(v, n, sizeof *v, cmp_table_name);
  for (size_t k = 0; k < n && !rc; k++) {
    const gp_table *t = v[k];
    char loc[160] = "";
    if (t->loc == GP_LOC_LONLAT) snprintf(loc, sizeof loc, "(%s, %s)", t->cols[t->lon_col].name, t->cols[t->lat_col].name);
    else if (t->loc == GP_LOC_FROM) snprintf(loc, sizeof loc, "from %s(%s)", t->loc_table, t->loc_col >= 0 ? t->cols[t->loc_col].name : "?");
    rc = gp_query__result_put_text(r, 0, t->name, strlen(t->name), err);
    if (!rc) rc = gp_query__result_put_int(r, 1, t->ncols, err);
    if (!rc) rc = t->time_col >= 0 ? gp_query__result_put_text(r, 2, t->cols[t->time_col].name, strlen(t->cols[t->time_col].name), err)
                                   : gp_query__result_put_null(r, 2, err);
    if (!rc) rc = loc[0] ? gp_query__result_put_text(r, 3, loc, strlen(loc), err) : gp_query__result_put_null(r, 3, err);
  }
  GP_FREE(v);
  if (rc) goto fail;
  *out = r;
  return GP_OK;
fail:
  gp_query__result_free(r);
  return rc;
}

gp_rc qx_exec_describe(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  const char *name = st->describe.name.s;
  const gp_table *t = gp_db_table(q->s->db, name);
  if (!t) {
    suggest sg = {0};
    for (size_t k = 0; k < gp_db_ntables(q->s->db); k++) qx_suggest_add(&sg, name, gp_db_table_at(q->s->db, k)->name);
    return gp_query_err_at(err, GP_NOTFOUND, st->describe.name.pos, "no table \"%s\"%s%s%s", name,
                           sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "", sg.best ? "\"?)" : "");
  }
  gp_result *r;
  gp_rc rc = gp_query__result_new(&r, err);
  if (rc) return rc;
  if ((rc = gp_query__result_add_col(r, "column", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "type", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "role", GP_RK_TEXT, err)))
    goto fail;
  for (int k = 0; k < t->ncols && !rc; k++) {
    char role[96] = "";
    size_t o = 0;
#define ROLE(cond, s) if (cond) o += (size_t)snprintf(role + o, sizeof role - o, "%s%s", o ? ", " : "", s)
    ROLE(k == t->key_col, "key");
    ROLE(k == t->time_col, "time");
    ROLE(t->loc == GP_LOC_LONLAT && k == t->lon_col, "longitude");
    ROLE(t->loc == GP_LOC_LONLAT && k == t->lat_col, "latitude");
    ROLE(t->loc == GP_LOC_FROM && k == t->loc_col, "location key");
#undef ROLE
    const char *tn = gp_type_name(t->cols[k].type);
    rc = gp_query__result_put_text(r, 0, t->cols[k].name, strlen(t->cols[k].name), err);
    if (!rc) rc = gp_query__result_put_text(r, 1, tn, strlen(tn), err);
    if (!rc) rc = o ? gp_query__result_put_text(r, 2, role, o, err) : gp_query__result_put_null(r, 2, err);
  }
  if (rc) goto fail;
  *out = r;
  return GP_OK;
fail:
  gp_query__result_free(r);
  return rc;
}

gp_rc qx_exec_drop(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  if (st->drop.what == GP_OBJ_SINK) return gp_query__exec_sink(q->s->db, st, out, err);
  if (st->drop.what == GP_OBJ_REGIONS) {
    const char *name = st->drop.name.s;
    gp_region_cat *cat;
    gp_err e2 = {0};
    gp_rc rc = qx_session_regions(q->s, &cat, &e2);
    if (rc) return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
    if (!gp_region_cat_find(cat, name)) {
      if (st->drop.if_exists) return qx_status_result(out, err, "DROP REGIONS (no regions \"%s\")", name);
      return gp_query_err_at(err, GP_NOTFOUND, st->drop.name.pos, "no regions \"%s\"", name);
    }
    qx_session_ix_clear(q->s);
    if ((rc = gp_region_cat_drop(cat, gp_db_store(q->s->db), name, &e2)))
      return gp_query_err_at(err, rc, st->drop.name.pos, "%s", e2.msg);
    return qx_status_result(out, err, "DROP REGIONS");
  }
  if (st->drop.what != GP_OBJ_TABLE)
    return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "only DROP TABLE is supported yet");
  const char *name = st->drop.name.s;
  if (!gp_db_table(q->s->db, name)) {
    if (st->drop.if_exists) return qx_status_result(out, err, "DROP TABLE (no table \"%s\")", name);
    return gp_query_err_at(err, GP_NOTFOUND, st->drop.name.pos, "no table \"%s\"", name);
  }
  gp_err e2 = {0};
  gp_rc rc = gp_db_drop_table(q->s->db, name, &e2);
  if (rc) return gp_query_err_at(err, rc, st->drop.name.pos, "%s", e2.msg);
  return qx_status_result(out, err, "DROP TABLE");
}
