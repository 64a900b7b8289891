/* catalog.c - the database handle: tables, symbol dictionaries, CRS, persisted in `meta`.
 *
 * Meta keys written here:
 *   cat/crs              u32le epsg | f64 cell size (metres)
 *   cat/next_id          u16le next table id
 *   cat/t/<name>         a table definition (see put_table)
 *   sym/<u16 table><u8 col><u32 id>   the string of a symbol id (big-endian ints, so a prefix
 *                        scan returns a dictionary in id order)
 * Ids of dropped tables are never reused, so stale keys can never be read as a new table's. */
#include "gp_db.h"
#include "gp_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PARTITION_US (7 * GP_USEC_PER_DAY)

typedef struct symdict {
  uint16_t table;
  int col;
  char **strs;       /* id -> NUL-terminated string, owned */
  uint32_t *lens;    /* id -> length */
  size_t n, cap;
  uint32_t *slots;   /* open addressing: id + 1, 0 = empty */
  size_t nslots;     /* power of two, kept at most half full */
} symdict;

struct gp_db {
  gp_store *store;
  gp_grid *grid;     /* NULL until the CRS is known */
  int epsg;
  double cell_m;
  uint16_t next_id;
  gp_table **tables;
  size_t ntables;
  symdict **dicts;
  size_t ndicts;
};

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ n;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001B3u;
  return h ^ (h >> 29);
}

/* ---- settings ---- */

static gp_rc save_crs(gp_db *db, gp_err *err) {
  uint8_t v[12];
  uint32_t e = (uint32_t)db->epsg;
  memcpy(v, &e, 4);
  memcpy(v + 4, &db->cell_m, 8);
  gp_store_txn *t = gp_store_txn_begin(db->store);
  if (!t) return gp_err_set(err, GP_NOMEM, "out of memory");
  gp_rc rc = gp_store_txn_meta_put(t, "cat/crs", 7, v, 12, err);
  if (!rc) rc = gp_store_txn_commit(t, err);
  gp_store_txn_free(t);
  return rc;
}

gp_rc gp_db_set_crs(gp_db *db, int epsg, gp_err *err) {
  if (db->epsg == epsg && db->grid) return GP_OK;
  if (db->grid)
    return gp_err_set(err, GP_EXISTS, "the database's CRS is already EPSG:%d", db->epsg);
  gp_grid *g = NULL;
  gp_rc rc = gp_grid_new(epsg, db->cell_m, &g, err);
  if (rc) return rc;
  db->grid = g;
  db->epsg = epsg;
  return save_crs(db, err);
}

const gp_grid *gp_db_grid(gp_db *db) { return db->grid; }
int gp_db_epsg(const gp_db *db) { return db->epsg; }
double gp_db_cell_m(const gp_db *db) { return db->cell_m; }
gp_store *gp_db_store(gp_db *db) { return db->store; }

/* ---- table (de)serialisation ----
 * u8 version | u16 id | uvarint len, name | uvarint ncols | per column: uvarint len, name, u8 type |
 * svarint time_col | svarint key_col | u8 loc | svarint lon | svarint lat |
 * uvarint len, loc_table | svarint loc_col | svarint partition_us */

static gp_rc put_name(gp_buf *b, const char *s) {
  size_t n = strlen(s);
  if (gp_buf_put_uvarint(b, n) || gp_buf_put(b, s, n)) return GP_NOMEM;
  return GP_OK;
}

static gp_rc put_table(const gp_table *t, gp_buf *b) {
  if (gp_buf_put_u8(b, 1) || gp_buf_put(b, &t->id, 2) || put_name(b, t->name) ||
      gp_buf_put_uvarint(b, (uint64_t)t->ncols))
    return GP_NOMEM;
  for (int c = 0; c < t->ncols; c++)
    if (put_name(b, t->cols[c].name) || gp_buf_put_u8(b, (uint8_t)t->cols[c].type)) return GP_NOMEM;
  if (gp_buf_put_svarint(b, t->time_col) || gp_buf_put_svarint(b, t->key_col) ||
      gp_buf_put_u8(b, (uint8_t)t->loc) || gp_buf_put_svarint(b, t->lon_col) ||
      gp_buf_put_svarint(b, t->lat_col) || put_name(b, t->loc_table) ||
      gp_buf_put_svarint(b, t->loc_col) || gp_buf_put_svarint(b, t->partition_us))
    return GP_NOMEM;
  return GP_OK;
}

static gp_rc get_name(gp_rd *r, char *dst, gp_err *err) {
  uint64_t n;
  if (gp_rd_uvarint(r, &n, err)) return GP_CORRUPT;
  if (n >= GP_NAME_MAX) return gp_err_set(err, GP_CORRUPT, "catalog: name too long");
  if (gp_rd_get(r, dst, n, err)) return GP_CORRUPT;
  dst[n] = '\0';
  return GP_OK;
}

static gp_rc get_table(const uint8_t *p, size_t n, gp_table *t, gp_err *err) {
  gp_rd r = {p, p + n};
  uint8_t ver, u8;
  uint64_t nc;
  int64_t v[7];
  memset(t, 0, sizeof *t);
  if (gp_rd_u8(&r, &ver, err) || gp_rd_get(&r, &t->id, 2, err) || get_name(&r, t->name, err) ||
      gp_rd_uvarint(&r, &nc, err))
    return GP_CORRUPT;
  if (ver != 1 || nc == 0 || nc > GP_STORE_MAX_COLS)
    return gp_err_set(err, GP_CORRUPT, "catalog: bad table record");
  t->ncols = (int)nc;
  for (int c = 0; c < t->ncols; c++) {
    if (get_name(&r, t->cols[c].name, err) || gp_rd_u8(&r, &u8, err)) return GP_CORRUPT;
    t->cols[c].type = (gp_type)u8;
  }
  if (gp_rd_svarint(&r, &v[0], err) || gp_rd_svarint(&r, &v[1], err) || gp_rd_u8(&r, &u8, err) ||
      gp_rd_svarint(&r, &v[2], err) || gp_rd_svarint(&r, &v[3], err) ||
      get_name(&r, t->loc_table, err) || gp_rd_svarint(&r, &v[4], err) ||
      gp_rd_svarint(&r, &v[5], err))
    return GP_CORRUPT;
  t->time_col = (int)v[0];
  t->key_col = (int)v[1];
  t->loc = (gp_loc_kind)u8;
  t->lon_col = (int)v[2];
  t->lat_col = (int)v[3];
  t->loc_col = (int)v[4];
  t->partition_us = v[5];
  return GP_OK;
}

void gp_table_layout(const gp_table *t, gp_store_layout *l) {
  memset(l, 0, sizeof *l);
  l->ncols = t->ncols;
  for (int c = 0; c < t->ncols; c++) l->types[c] = t->cols[c].type;
  l->time_col = t->time_col;
  /* Rows that take their position from another table form one series per key (a sensor's
   * readings): sorting a chunk by (series, time) makes their steps constant and their values
   * close, which is what the codecs compress best. */
  l->series_col = t->loc == GP_LOC_FROM ? t->loc_col : -1;
  l->partition_us = t->partition_us;
}

/* ---- symbols ---- */

static symdict *dict_of(const gp_db *db, const gp_table *t, int col) {
  for (size_t i = 0; i < db->ndicts; i++)
    if (db->dicts[i]->table == t->id && db->dicts[i]->col == col) return db->dicts[i];
  return NULL;
}

static gp_rc dict_grow(symdict *d) {
  size_t ns = d->nslots ? d->nslots * 2 : 64;
  uint32_t *slots = GP_CALLOC(ns, sizeof *slots);
  if (!slots) return GP_NOMEM;
  for (size_t id = 0; id < d->n; id++) {
    size_t h = hash_bytes(d->strs[id], d->lens[id]) & (ns - 1);
    while (slots[h]) h = (h + 1) & (ns - 1);
    slots[h] = (uint32_t)id + 1;
  }
  GP_FREE(d->slots);
  d->slots = slots;
  d->nslots = ns;
  return GP_OK;
}

static int64_t dict_find(const symdict *d, const char *s, size_t n) {
  if (!d || !d->nslots) return -1;
  size_t h = hash_bytes(s, n) & (d->nslots - 1);
  for (;;) {
    uint32_t v = d->slots[h];
    if (!v) return -1;
    if (d->lens[v - 1] == n && memcmp(d->strs[v - 1], s, n) == 0) return v - 1;
    h = (h + 1) & (d->nslots - 1);
  }
}

/* Adds s under the next id (or under `id` when loading a dictionary back). */
static int64_t dict_insert(symdict *d, const char *s, size_t n) {
  if ((d->n + 1) * 2 > d->nslots && dict_grow(d)) return -1;
  if (d->n == d->cap) {
    size_t nc = d->cap ? d->cap * 2 : 64;
    char **strs = GP_REALLOC(d->strs, nc * sizeof *strs);
    if (!strs) return -1;
    d->strs = strs;
    uint32_t *lens = GP_REALLOC(d->lens, nc * sizeof *lens);
    if (!lens) return -1;
    d->lens = lens;
    d->cap = nc;
  }
  char *copy = GP_STRNDUP(s, n);
  if (!copy) return -1;
  size_t id = d->n++;
  d->strs[id] = copy;
  d->lens[id] = (uint32_t)n;
  size_t h = hash_bytes(s, n) & (d->nslots - 1);
  while (d->slots[h]) h = (h + 1) & (d->nslots - 1);
  d->slots[h] = (uint32_t)id + 1;
  return (int64_t)id;
}

static symdict *dict_get_or_make(gp_db *db, const gp_table *t, int col) {
  symdict *d = dict_of(db, t, col);
  if (d) return d;
  symdict **p = GP_REALLOC(db->dicts, (db->ndicts + 1) * sizeof *p);
  if (!p) return NULL;
  db->dicts = p;
  d = GP_CALLOC(1, sizeof *d);
  if (!d) return NULL;
  d->table = t->id;
  d->col = col;
  db->dicts[db->ndicts++] = d;
  return d;
}

static void dict_free(symdict *d) {
  if (!d) return;
  for (size_t i = 0; i < d->n; i++) GP_FREE(d->strs[i]);
  GP_FREE(d->strs);
  GP_FREE(d->lens);
  GP_FREE(d->slots);
  GP_FREE(d);
}

int64_t gp_db_sym_find(const gp_db *db, const gp_table *t, int col, const char *s, size_t n) {
  return dict_find(dict_of(db, t, col), s, n);
}

static void sym_key(uint8_t *k, uint16_t table, int col, uint32_t id) {
  memcpy(k, "sym/", 4);
  k[4] = (uint8_t)(table >> 8);
  k[5] = (uint8_t)table;
  k[6] = (uint8_t)col;
  for (int i = 0; i < 4; i++) k[7 + i] = (uint8_t)(id >> (24 - 8 * i));
}

int64_t gp_db_sym_add(gp_db *db, const gp_table *t, int col, const char *s, size_t n,
                      gp_store_txn *txn) {
  symdict *d = dict_get_or_make(db, t, col);
  if (!d) return -1;
  int64_t id = dict_find(d, s, n);
  if (id >= 0) return id;
  id = dict_insert(d, s, n);
  if (id < 0) return -1;
  uint8_t k[11];
  sym_key(k, t->id, col, (uint32_t)id);
  if (gp_store_txn_meta_put(txn, k, 11, s, n, NULL)) return -1;
  return id;
}

const char *gp_db_sym_str(const gp_db *db, const gp_table *t, int col, int64_t id, size_t *n) {
  const symdict *d = dict_of(db, t, col);
  if (!d || id < 0 || (size_t)id >= d->n) return NULL;
  if (n) *n = d->lens[id];
  return d->strs[id];
}

size_t gp_db_sym_count(const gp_db *db, const gp_table *t, int col) {
  const symdict *d = dict_of(db, t, col);
  return d ? d->n : 0;
}

/* ---- open / close ---- */

typedef struct load_ctx {
  gp_db *db;
  gp_rc rc;
  gp_err *err;
} load_ctx;

static int load_table_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  load_ctx *c = ctx;
  gp_table *t = GP_MALLOC(sizeof *t);
  gp_table **p = GP_REALLOC(c->db->tables, (c->db->ntables + 1) * sizeof *p);
  if (!t || !p) {
    GP_FREE(t);
    c->rc = gp_err_set(c->err, GP_NOMEM, "out of memory");
    return 1;
  }
  c->db->tables = p;
  gp_err e1 = {0};
  if ((c->rc = get_table(v, vl, t, &e1))) {
    /* name the record: the catalog is what the rest of the database is read through */
    c->rc = gp_err_set(c->err, c->rc, "catalog record %.*s: %s", (int)(kl < 80 ? kl : 80),
                       (const char *)k, e1.msg);
    GP_FREE(t);
    return 1;
  }
  c->db->tables[c->db->ntables++] = t;
  return 0;
}

static int load_sym_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  load_ctx *c = ctx;
  if (kl != 11) return 0;
  uint16_t table = (uint16_t)(k[4] << 8 | k[5]);
  int col = k[6];
  uint32_t id = (uint32_t)k[7] << 24 | (uint32_t)k[8] << 16 | (uint32_t)k[9] << 8 | k[10];
  for (size_t i = 0; i < c->db->ntables; i++) {
    gp_table *t = c->db->tables[i];
    if (t->id != table) continue;
    symdict *d = dict_get_or_make(c->db, t, col);
    if (!d) {
      c->rc = gp_err_set(c->err, GP_NOMEM, "out of memory");
      return 1;
    }
    /* Ids are written in order in one transaction per batch, so they come back dense. */
    if (id != d->n) {
      c->rc = gp_err_set(c->err, GP_CORRUPT, "dictionary of %s column %d: id %u after %zu",
                         t->name, col, id, d->n);
      return 1;
    }
    if (dict_insert(d, (const char *)v, vl) < 0) {
      c->rc = gp_err_set(c->err, GP_NOMEM, "out of memory");
      return 1;
    }
  }
  return 0;
}

static gp_rc db_open(const gp_db_opts *o, bool create, gp_db **out, gp_err *err) {
  *out = NULL;
  if (!create && !gp_store_exists(o->path))
    return gp_err_set(err, GP_NOTFOUND, "database \"%s\" does not exist", o->path);
  gp_db *db = GP_CALLOC(1, sizeof *db);
  if (!db) return gp_err_set(err, GP_NOMEM, "out of memory");
  gp_buf v = {0};
  gp_rc rc;
  gp_store_opts so = {o->path, create, o->read_only};
  if ((rc = gp_store_open(&so, &db->store, err))) goto fail;
  bool found;
  if ((rc = gp_store_meta_get(db->store, "cat/crs", 7, &v, &found, err))) goto fail;
  db->cell_m = o->cell_m > 0 ? o->cell_m : 125.0;
  if (found && v.len == 12) {
    uint32_t e;
    memcpy(&e, v.p, 4);
    memcpy(&db->cell_m, v.p + 4, 8);
    db->epsg = (int)e;
    if ((rc = gp_grid_new(db->epsg, db->cell_m, &db->grid, err))) goto fail;
    if (o->epsg && o->epsg != db->epsg) {
      rc = gp_err_set(err, GP_EXISTS, "%s: the database's CRS is EPSG:%d, not EPSG:%d", o->path,
                      db->epsg, o->epsg);
      goto fail;
    }
  } else if (o->epsg) {
    if ((rc = gp_db_set_crs(db, o->epsg, err))) goto fail;
  }
  if ((rc = gp_store_meta_get(db->store, "cat/next_id", 11, &v, &found, err))) goto fail;
  db->next_id = 1;
  if (found && v.len == 2) memcpy(&db->next_id, v.p, 2);
  load_ctx c = {db, GP_OK, err};
  if ((rc = gp_store_meta_scan(db->store, "cat/t/", 6, load_table_cb, &c, err)) || (rc = c.rc))
    goto fail;
  if ((rc = gp_store_meta_scan(db->store, "sym/", 4, load_sym_cb, &c, err)) || (rc = c.rc))
    goto fail;
  for (size_t i = 0; i < db->ntables; i++) {
    gp_store_layout l;
    gp_table_layout(db->tables[i], &l);
    if ((rc = gp_store_set_layout(db->store, db->tables[i]->id, &l, err))) goto fail;
  }
  gp_buf_free(&v);
  *out = db;
  return GP_OK;
fail:
  gp_buf_free(&v);
  gp_db_close(db);
  return rc;
}

gp_rc gp_db_open(const gp_db_opts *o, gp_db **out, gp_err *err) {
  return db_open(o, !o->read_only, out, err);
}

gp_rc gp_db_open_existing(const gp_db_opts *o, gp_db **out, gp_err *err) {
  return db_open(o, false, out, err);
}

void gp_db_close(gp_db *db) {
  if (!db) return;
  for (size_t i = 0; i < db->ntables; i++) GP_FREE(db->tables[i]);
  GP_FREE(db->tables);
  for (size_t i = 0; i < db->ndicts; i++) dict_free(db->dicts[i]);
  GP_FREE(db->dicts);
  gp_grid_free(db->grid);
  gp_store_close(db->store);
  GP_FREE(db);
}

/* ---- tables ---- */

const gp_table *gp_db_table(const gp_db *db, const char *name) {
  for (size_t i = 0; i < db->ntables; i++)
    if (strcasecmp(db->tables[i]->name, name) == 0) return db->tables[i];
  return NULL;
}

size_t gp_db_ntables(const gp_db *db) { return db->ntables; }
const gp_table *gp_db_table_at(const gp_db *db, size_t i) {
  return i < db->ntables ? db->tables[i] : NULL;
}

int gp_table_col(const gp_table *t, const char *name, size_t n) {
  for (int c = 0; c < t->ncols; c++)
    if (strlen(t->cols[c].name) == n && strncasecmp(t->cols[c].name, name, n) == 0) return c;
  return -1;
}

/* Identifier characters as the lexer reads them: ASCII letters, '_', digits after the first
 * character, and any non-ASCII character of valid UTF-8, so that a Chinese centre's headers
 * ("监测点编码") name columns as they are. */
static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= GP_NAME_MAX || !gp_utf8_valid(s, n)) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

gp_rc gp_db_create_table(gp_db *db, const gp_table *def, gp_err *err) {
  if (!valid_name(def->name))
    return gp_err_set(err, GP_INVALID, "bad table name '%s' (letters of any script, _, and digits after the first character)", def->name);
  if (gp_db_table(db, def->name))
    return gp_err_set(err, GP_EXISTS, "table '%s' already exists", def->name);
  if (def->ncols <= 0 || def->ncols > GP_STORE_MAX_COLS)
    return gp_err_set(err, GP_INVALID, "table '%s': %d columns (1..%d allowed)", def->name,
                      def->ncols, GP_STORE_MAX_COLS);
  for (int c = 0; c < def->ncols; c++) {
    if (!valid_name(def->cols[c].name))
      return gp_err_set(err, GP_INVALID, "table '%s': bad column name '%s'", def->name,
                        def->cols[c].name);
    if (gp_table_col(def, def->cols[c].name, strlen(def->cols[c].name)) != c)
      return gp_err_set(err, GP_INVALID, "table '%s': column '%s' appears twice", def->name,
                        def->cols[c].name);
    if (def->cols[c].type < GP_T_TIMESTAMP || def->cols[c].type > GP_T_TEXT)
      return gp_err_set(err, GP_INVALID, "column '%s': bad type", def->cols[c].name);
  }
  if (def->time_col >= def->ncols ||
      (def->time_col >= 0 && def->cols[def->time_col].type != GP_T_TIMESTAMP))
    return gp_err_set(err, GP_INVALID, "table '%s': the TIME column must be a TIMESTAMP",
                      def->name);
  /* Keys are checked as integers (INT values, SYMBOL ids) against interval sets. */
  if (def->key_col >= def->ncols ||
      (def->key_col >= 0 && def->cols[def->key_col].type != GP_T_INT &&
       def->cols[def->key_col].type != GP_T_SYMBOL))
    return gp_err_set(err, GP_INVALID, "table '%s': a KEY column must be INT or SYMBOL",
                      def->name);
  if (def->loc == GP_LOC_LONLAT) {
    if (def->lon_col < 0 || def->lon_col >= def->ncols || def->lat_col < 0 ||
        def->lat_col >= def->ncols || def->cols[def->lon_col].type != GP_T_DOUBLE ||
        def->cols[def->lat_col].type != GP_T_DOUBLE)
      return gp_err_set(err, GP_INVALID, "table '%s': LOCATION needs two DOUBLE columns",
                        def->name);
  } else if (def->loc == GP_LOC_FROM) {
    const gp_table *o = gp_db_table(db, def->loc_table);
    if (!o) return gp_err_set(err, GP_NOTFOUND, "LOCATION FROM: no table '%s'", def->loc_table);
    if (o->loc != GP_LOC_LONLAT || o->key_col < 0)
      return gp_err_set(err, GP_INVALID,
                        "LOCATION FROM %s: that table needs a KEY and a LOCATION (lon, lat)",
                        def->loc_table);
    if (def->loc_col < 0 || def->loc_col >= def->ncols ||
        (def->cols[def->loc_col].type != GP_T_INT && def->cols[def->loc_col].type != GP_T_SYMBOL &&
         def->cols[def->loc_col].type != GP_T_TEXT))
      return gp_err_set(err, GP_INVALID,
                        "LOCATION FROM %s: the referencing column must be INT, SYMBOL or TEXT",
                        def->loc_table);
  }
  gp_table *t = GP_MALLOC(sizeof *t);
  gp_table **p = GP_REALLOC(db->tables, (db->ntables + 1) * sizeof *p);
  if (!t || !p) {
    GP_FREE(t);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  db->tables = p;
  *t = *def;
  t->id = db->next_id;
  if (t->partition_us <= 0) t->partition_us = DEFAULT_PARTITION_US;
  if (t->loc != GP_LOC_FROM) {
    t->loc_table[0] = '\0';
    t->loc_col = -1;
  }
  if (t->loc != GP_LOC_LONLAT) t->lon_col = t->lat_col = -1;
  gp_buf v = {0}, k = {0};
  gp_rc rc = GP_OK;
  gp_store_txn *txn = gp_store_txn_begin(db->store);
  uint16_t next = (uint16_t)(db->next_id + 1);
  if (!txn || put_table(t, &v) || gp_buf_put(&k, "cat/t/", 6) ||
      gp_buf_put(&k, t->name, strlen(t->name))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = gp_store_txn_meta_put(txn, k.p, k.len, v.p, v.len, err)) ||
      (rc = gp_store_txn_meta_put(txn, "cat/next_id", 11, &next, 2, err)) ||
      (rc = gp_store_txn_commit(txn, err)))
    goto cleanup;
  gp_store_layout l;
  gp_table_layout(t, &l);
  if ((rc = gp_store_set_layout(db->store, t->id, &l, err))) goto cleanup;
  db->next_id = next;
  db->tables[db->ntables++] = t;
  t = NULL;
cleanup:
  GP_FREE(t);
  gp_store_txn_free(txn);
  gp_buf_free(&v);
  gp_buf_free(&k);
  return rc;
}

gp_rc gp_db_drop_table(gp_db *db, const char *name, gp_err *err) {
  size_t i = 0;
  while (i < db->ntables && strcasecmp(db->tables[i]->name, name) != 0) i++;
  if (i == db->ntables) return gp_err_set(err, GP_NOTFOUND, "no table '%s'", name);
  gp_table *t = db->tables[i];
  for (size_t j = 0; j < db->ntables; j++)
    if (db->tables[j]->loc == GP_LOC_FROM && strcasecmp(db->tables[j]->loc_table, name) == 0)
      return gp_err_set(err, GP_INVALID, "table '%s' takes its location from '%s': drop it first",
                        db->tables[j]->name, name);
  gp_rc rc = gp_store_drop_rows(db->store, t->id, err);
  if (rc) return rc;
  char k[6 + GP_NAME_MAX];
  size_t kl = (size_t)snprintf(k, sizeof k, "cat/t/%s", t->name);
  gp_store_txn *txn = gp_store_txn_begin(db->store);
  if (!txn) return gp_err_set(err, GP_NOMEM, "out of memory");
  rc = gp_store_txn_meta_delete(txn, k, kl, err);
  /* Dictionaries and key ranges of the dropped id stay behind as garbage: ids are not reused. */
  if (!rc) rc = gp_store_txn_commit(txn, err);
  gp_store_txn_free(txn);
  if (rc) return rc;
  for (size_t j = 0; j < db->ndicts;) {
    if (db->dicts[j]->table == t->id) {
      dict_free(db->dicts[j]);
      db->dicts[j] = db->dicts[--db->ndicts];
    } else {
      j++;
    }
  }
  GP_FREE(t);
  db->tables[i] = db->tables[--db->ntables];
  return GP_OK;
}

gp_rc gp_db_seal_all(gp_db *db, gp_seal_stats *st, gp_err *err) {
  for (size_t i = 0; i < db->ntables; i++) {
    gp_rc rc = gp_store_seal(db->store, db->tables[i]->id, INT64_MAX, st, err);
    if (rc) return rc;
  }
  return GP_OK;
}

/* ---- checking ---- */

gp_rc gp_db_check(gp_db *db, gp_store_report_fn fn, void *ctx, gp_store_check_stats *st,
                  gp_err *err) {
  gp_rc rc = gp_store_check(db->store, fn, ctx, st, err);
  /* The catalog was parsed whole by gp_db_open. What the store cannot know: a symbol id in a
   * chunk must have its string in the column's dictionary, else the row prints as NULL. */
  for (size_t i = 0; rc == GP_OK && i < db->ntables; i++) {
    const gp_table *t = db->tables[i];
    gp_scan_spec spec = {INT64_MIN, INT64_MAX, NULL, 0, 0, NULL};
    gp_scan *sc = NULL;
    gp_err e1 = {0};
    if (gp_scan_open(db->store, t->id, &spec, &sc, &e1)) {
      st->damaged++;
      char msg[GP_ERR_MSG_MAX + GP_NAME_MAX + 16];
      snprintf(msg, sizeof msg, "table %s: %s", t->name, e1.msg);
      if (fn(ctx, msg)) break;
      continue;
    }
    bool stop = false;
    for (size_t u = 0; u < gp_scan_units(sc) && !stop; u++) {
      const gp_unit_info *ui = gp_scan_unit(sc, u);
      for (int c = 0; c < t->ncols && c < ui->ncols && !stop; c++) {
        const gp_col_summary *cs = &ui->cols[c];
        size_t have = gp_db_sym_count(db, t, c);
        if (t->cols[c].type != GP_T_SYMBOL || cs->nsyms == 0 ||
            cs->sym_ids[cs->nsyms - 1] < have)
          continue;
        st->damaged++;
        char msg[GP_ERR_MSG_MAX + 2 * GP_NAME_MAX];
        snprintf(msg, sizeof msg,
                 "table %s, partition %lld: symbol id %u of column %s is not in its dictionary "
                 "(%zu entries)", t->name, (long long)ui->partition,
                 (unsigned)cs->sym_ids[cs->nsyms - 1], t->cols[c].name, have);
        stop = fn(ctx, msg) != 0;
      }
    }
    gp_scan_close(sc);
    if (stop) break;
  }
  return rc;
}
