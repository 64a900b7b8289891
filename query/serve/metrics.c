/* metrics.c - the server's figures in the Prometheus text exposition format (version 0.0.4),
 * as `promtool check metrics` accepts them: one HELP and TYPE per family, counters ending in
 * _total, base units (seconds, bytes), histograms with cumulative `le` buckets ending in +Inf,
 * a _sum and a _count. */
#include "serve_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Latency bucket bounds in seconds: from a summary-answered count (~1 ms) to a heavy scan. */
static const double k_le[GP_SERVE__NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                0.1,   0.25,   0.5,   1,    2.5,   10};

gp_rc gp_serve__metrics_init(gp_serve__metrics *m) {
  memset(m, 0, sizeof *m);
  return pthread_mutex_init(&m->mu, NULL) ? GP_NOMEM : GP_OK;
}

void gp_serve__metrics_free(gp_serve__metrics *m) {
  GP_FREE(m->tables);
  pthread_mutex_destroy(&m->mu);
}

void gp_serve__metrics_request(gp_serve__metrics *m, gp_serve__ep ep, int code, double secs) {
  if (code < 100 || code > 599) code = 500;
  pthread_mutex_lock(&m->mu);
  m->codes[ep][code]++;
  int b = 0;
  while (b < GP_SERVE__NBUCKETS && secs > k_le[b]) b++;
  if (b < GP_SERVE__NBUCKETS) m->hist[ep][b]++;
  m->hist_count[ep]++;
  m->hist_sum[ep] += secs;
  pthread_mutex_unlock(&m->mu);
}

void gp_serve__metrics_rows(gp_serve__metrics *m, const char *table, uint64_t rows,
                            uint64_t rejected) {
  pthread_mutex_lock(&m->mu);
  size_t i = 0;
  while (i < m->ntables && strcmp(m->tables[i].table, table) != 0) i++;
  if (i == m->ntables) {
    struct gp_serve__rows *t = GP_REALLOC(m->tables, (m->ntables + 1) * sizeof *t);
    if (!t) { /* a figure lost, not the write */
      pthread_mutex_unlock(&m->mu);
      return;
    }
    m->tables = t;
    memset(&t[i], 0, sizeof t[i]);
    snprintf(t[i].table, sizeof t[i].table, "%s", table);
    m->ntables++;
  }
  m->tables[i].rows += rows;
  m->tables[i].rejected += rejected;
  pthread_mutex_unlock(&m->mu);
}

static void put(gp_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void put(gp_buf *b, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) gp_buf_put(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* A table name as a label value: the catalog's names are identifiers, but escape anyway. */
static void label(char *out, size_t cap, const char *s) {
  size_t j = 0;
  for (; *s && j + 2 < cap; s++) {
    if (*s == '"' || *s == '\\') out[j++] = '\\';
    out[j++] = *s == '\n' ? ' ' : *s;
  }
  out[j] = '\0';
}

gp_rc gp_serve__metrics_text(gp_serve *srv, gp_buf *b, gp_err *err) {
  gp_serve__metrics *m = &srv->m;
  put(b,
      "# HELP gridpulse_http_requests_total HTTP requests answered, by endpoint and status.\n"
      "# TYPE gridpulse_http_requests_total counter\n");
  pthread_mutex_lock(&m->mu);
  for (int ep = 0; ep < GP_EP_COUNT; ep++)
    for (int code = 100; code < 600; code++)
      if (m->codes[ep][code])
        put(b, "gridpulse_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n",
            gp_serve__ep_name(ep), code, (unsigned long long)m->codes[ep][code]);
  put(b,
      "# HELP gridpulse_http_request_duration_seconds Time from a request's arrival to the "
      "end of its answer.\n# TYPE gridpulse_http_request_duration_seconds histogram\n");
  for (int ep = 0; ep < GP_EP_COUNT; ep++) {
    if (!m->hist_count[ep]) continue;
    uint64_t cum = 0;
    for (int i = 0; i < GP_SERVE__NBUCKETS; i++) {
      cum += m->hist[ep][i];
      put(b, "gridpulse_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
          gp_serve__ep_name(ep), k_le[i], (unsigned long long)cum);
    }
    put(b, "gridpulse_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
        gp_serve__ep_name(ep), (unsigned long long)m->hist_count[ep]);
    put(b, "gridpulse_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n",
        gp_serve__ep_name(ep), m->hist_sum[ep]);
    put(b, "gridpulse_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
        gp_serve__ep_name(ep), (unsigned long long)m->hist_count[ep]);
  }
  put(b,
      "# HELP gridpulse_rows_ingested_total Rows stored through the write endpoints, by "
      "table.\n# TYPE gridpulse_rows_ingested_total counter\n");
  for (size_t i = 0; i < m->ntables; i++) {
    char t[2 * GP_NAME_MAX];
    label(t, sizeof t, m->tables[i].table);
    put(b, "gridpulse_rows_ingested_total{table=\"%s\"} %llu\n", t,
        (unsigned long long)m->tables[i].rows);
  }
  put(b,
      "# HELP gridpulse_rows_rejected_total Rows of write bodies rejected (malformed), by "
      "table.\n# TYPE gridpulse_rows_rejected_total counter\n");
  for (size_t i = 0; i < m->ntables; i++) {
    char t[2 * GP_NAME_MAX];
    label(t, sizeof t, m->tables[i].table);
    put(b, "gridpulse_rows_rejected_total{table=\"%s\"} %llu\n", t,
        (unsigned long long)m->tables[i].rejected);
  }
  put(b,
      "# HELP gridpulse_auth_refusals_total Requests refused for want of a valid token or "
      "role (401 and 403).\n# TYPE gridpulse_auth_refusals_total counter\n"
      "gridpulse_auth_refusals_total %llu\n",
      (unsigned long long)m->refused_auth);
  put(b,
      "# HELP gridpulse_overload_refusals_total Requests answered 503 because too many ran "
      "at once.\n# TYPE gridpulse_overload_refusals_total counter\n"
      "gridpulse_overload_refusals_total %llu\n",
      (unsigned long long)m->overloaded);
  put(b,
      "# HELP gridpulse_query_timeouts_total Statements cancelled at the query timeout.\n"
      "# TYPE gridpulse_query_timeouts_total counter\ngridpulse_query_timeouts_total %llu\n",
      (unsigned long long)m->timeouts);
  pthread_mutex_unlock(&m->mu);
  put(b,
      "# HELP gridpulse_requests_in_flight Requests being answered now.\n"
      "# TYPE gridpulse_requests_in_flight gauge\ngridpulse_requests_in_flight %d\n",
      atomic_load(&srv->active));
  put(b,
      "# HELP gridpulse_statements_running Statements and writes executing now.\n"
      "# TYPE gridpulse_statements_running gauge\ngridpulse_statements_running %d\n",
      atomic_load(&srv->running));
  /* storage figures under the shared lock: a DROP TABLE must not free a table under us */
  pthread_rwlock_rdlock(&srv->dblock);
  gp_store *st = gp_db_store(srv->db);
  put(b,
      "# HELP gridpulse_storage_bytes Bytes the database directory takes on disk (RocksDB "
      "table files, logs, MANIFEST).\n# TYPE gridpulse_storage_bytes gauge\n"
      "gridpulse_storage_bytes %llu\n",
      (unsigned long long)gp_store_disk_bytes(st));
  gp_rc rc = GP_OK;
  put(b,
      "# HELP gridpulse_table_rows Rows stored per table, sealed in chunks or fresh.\n"
      "# TYPE gridpulse_table_rows gauge\n");
  gp_buf fresh = {0};
  for (size_t i = 0; i < gp_db_ntables(srv->db) && rc == GP_OK; i++) {
    const gp_table *t = gp_db_table_at(srv->db, i);
    gp_store_stats s;
    if ((rc = gp_store_table_stats(st, t->id, &s, err))) break;
    char name[2 * GP_NAME_MAX];
    label(name, sizeof name, t->name);
    put(b, "gridpulse_table_rows{table=\"%s\",state=\"sealed\"} %zu\n", name, s.chunk_rows);
    put(b, "gridpulse_table_rows{table=\"%s\",state=\"fresh\"} %zu\n", name, s.fresh_rows);
    put(&fresh, "gridpulse_table_chunk_bytes{table=\"%s\"} %zu\n", name, s.chunk_bytes);
  }
  pthread_rwlock_unlock(&srv->dblock);
  put(b,
      "# HELP gridpulse_table_chunk_bytes Encoded bytes of a table's sealed chunks and "
      "summaries, before RocksDB's compression.\n# TYPE gridpulse_table_chunk_bytes gauge\n");
  if (fresh.len) gp_buf_put(b, fresh.p, fresh.len);
  gp_buf_free(&fresh);
  if (rc == GP_OK && !b->p) rc = gp_err_set(err, GP_NOMEM, "out of memory for /metrics");
  return rc;
}
