/* client.c - the CLI and REPL as clients of `gridpulse serve` (`gridpulse --server URL`).
 *
 * The front end (repl.c) runs statements through a gp_repl_exec table; this file gives it one
 * that sends each statement to POST /v1/sql?format=json (libcurl) and turns the typed JSON
 * answer back into gp_result values (query/result.c's builders), which the front end then
 * writes in its own mode. So every mode, .timer, the dot commands, and errors with their caret
 * under the position the server named behave as they do on a local database; Ctrl-C aborts the
 * transfer, and the server, seeing its client gone, cancels the statement. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_query.h"
#include "gp_query_int.h" /* result builders: the answer made back into a gp_result */
#include "gp_repl.h" /* the gp_repl_exec table this file implements */

struct gp_client {
  char *url;                    /* base URL, without a trailing '/' */
  char *auth;                   /* "Authorization: Bearer ..." or NULL */
  volatile sig_atomic_t cancel; /* set by the SIGINT handler, read by curl's progress */
  gp_repl_exec exec;            /* the table handed to the front end; ctx = this */
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
  gp_buf *b = ctx;
  return gp_buf_put(b, p, size * n) == GP_OK ? size * n : 0;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
  (void)a, (void)b, (void)c, (void)d;
  struct gp_client *cl = ctx;
  return cl->cancel ? 1 : 0; /* non-zero aborts the transfer */
}

/* The result kind of a column type name of the typed JSON (gp_result_write_typed). INTERVAL
 * and CELL come back as TEXT: they are written from their text alike in every mode. */
static gp_result_kind kind_of(const char *t) {
  if (!strcmp(t, "INT")) return GP_RK_INT;
  if (!strcmp(t, "DOUBLE")) return GP_RK_DOUBLE;
  if (!strcmp(t, "BOOLEAN")) return GP_RK_BOOL;
  if (!strcmp(t, "TIMESTAMP")) return GP_RK_TIMESTAMP;
  if (!strcmp(t, "NULL")) return GP_RK_NULL;
  return GP_RK_TEXT;
}

/* One result object of the answer as a gp_result, passed to fn. */
static gp_rc one_result(json_t *o, gp_result_fn fn, void *fnctx, gp_err *err) {
  gp_result *r = NULL;
  gp_rc rc = gp_query__result_new(&r, err);
  if (rc) return rc;
  json_t *cols = json_object_get(o, "columns"), *rows = json_object_get(o, "rows");
  json_t *st = json_object_get(o, "status");
  if (json_is_string(st) && (rc = gp_query__result_set_status(r, err, "%s", json_string_value(st))))
    goto cleanup;
  size_t nc = json_is_array(cols) ? json_array_size(cols) : 0;
  gp_result_kind kinds[256];
  if (nc > 256) {
    rc = gp_err_set(err, GP_UNSUPPORTED, "the server's result has %zu columns, more than 256", nc);
    goto cleanup;
  }
  for (size_t c = 0; c < nc; c++) {
    json_t *col = json_array_get(cols, c);
    const char *name = json_string_value(json_object_get(col, "name"));
    const char *type = json_string_value(json_object_get(col, "type"));
    kinds[c] = kind_of(type ? type : "TEXT");
    if ((rc = gp_query__result_add_col(r, name ? name : "?", kinds[c], err))) goto cleanup;
  }
  size_t nr = json_is_array(rows) ? json_array_size(rows) : 0;
  for (size_t i = 0; i < nr && rc == GP_OK; i++) {
    json_t *row = json_array_get(rows, i);
    for (size_t c = 0; c < nc && rc == GP_OK; c++) {
      json_t *v = json_array_get(row, c);
      int ci = (int)c;
      if (!v || json_is_null(v)) {
        rc = gp_query__result_put_null(r, ci, err);
      } else if (kinds[c] == GP_RK_INT) {
        rc = gp_query__result_put_int(r, ci, json_integer_value(v), err);
      } else if (kinds[c] == GP_RK_BOOL) {
        rc = gp_query__result_put_int(r, ci, json_is_true(v), err);
      } else if (kinds[c] == GP_RK_DOUBLE) {
        rc = gp_query__result_put_double(r, ci, json_number_value(v), err);
      } else if (kinds[c] == GP_RK_TIMESTAMP) {
        int64_t us = 0;
        const char *s = json_string_value(v);
        if (!s || !gp_ts_parse(s, strlen(s), &us))
          rc = gp_err_set(err, GP_PARSE, "the server sent a bad timestamp");
        else
          rc = gp_query__result_put_int(r, ci, us, err);
      } else if (kinds[c] == GP_RK_NULL) {
        rc = gp_query__result_put_null(r, ci, err);
      } else {
        const char *s = json_string_value(v);
        rc = gp_query__result_put_text(r, ci, s ? s : "", s ? json_string_length(v) : 0, err);
      }
    }
  }
  if (rc == GP_OK && fn) rc = fn(fnctx, r, err);
cleanup:
  gp_query__result_free(r);
  return rc;
}

/* The rc that stands for an error the server answered (its errorType). */
static gp_rc rc_of(const char *type) {
  if (!type) return GP_STORAGE;
  if (!strcmp(type, "bad_data")) return GP_PARSE;
  if (!strcmp(type, "timeout") || !strcmp(type, "canceled")) return GP_CANCELLED;
  if (!strcmp(type, "execution")) return GP_INVALID;
  if (!strcmp(type, "unavailable")) return GP_BUSY;
  if (!strcmp(type, "forbidden") || !strcmp(type, "unauthorized")) return GP_UNSUPPORTED;
  return GP_STORAGE;
}

static gp_rc remote_exec(void *ctx, const char *src, size_t len, gp_result_fn fn, void *fnctx,
                         gp_err *err) {
  struct gp_client *cl = ctx;
  cl->cancel = 0;
  gp_buf body = {0};
  char url[2048];
  snprintf(url, sizeof url, "%s/v1/sql?format=json", cl->url);
  CURL *h = curl_easy_init();
  struct curl_slist *hdr = NULL;
  gp_rc rc = h ? GP_OK : gp_err_set(err, GP_NOMEM, "cannot start an HTTP client");
  json_t *doc = NULL;
  long code = 0;
  if (rc) goto cleanup;
  hdr = curl_slist_append(hdr, "Content-Type: text/plain; charset=utf-8");
  if (cl->auth) hdr = curl_slist_append(hdr, cl->auth);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, src);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, cl);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  CURLcode cc = curl_easy_perform(h);
  if (cc == CURLE_ABORTED_BY_CALLBACK) {
    rc = gp_err_set(err, GP_CANCELLED, "statement cancelled");
    goto cleanup;
  }
  if (cc != CURLE_OK) {
    rc = gp_err_set(err, GP_IO, "%s: %s", cl->url, curl_easy_strerror(cc));
    goto cleanup;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  json_error_t je;
  doc = json_loadb(body.p ? (const char *)body.p : "", body.len, 0, &je);
  if (!doc) {
    rc = gp_err_set(err, GP_IO, "%s answered %ld with no JSON: %.200s", cl->url, code,
                    body.p ? (const char *)body.p : "");
    goto cleanup;
  }
  json_t *results = json_object_get(doc, "results");
  for (size_t i = 0; rc == GP_OK && json_is_array(results) && i < json_array_size(results); i++)
    rc = one_result(json_array_get(results, i), fn, fnctx, err);
  if (rc) goto cleanup;
  json_t *e = json_object_get(doc, "error");
  if (json_is_string(e)) { /* "line L, column C: ..." when it has a position: the caret follows */
    const char *type = json_string_value(json_object_get(doc, "errorType"));
    rc = gp_err_set(err, rc_of(type ? type : "bad_data"), "%s", json_string_value(e));
  } else if (code != 200) {
    rc = gp_err_set(err, GP_IO, "%s answered %ld", cl->url, code);
  }
cleanup:
  json_decref(doc);
  curl_slist_free_all(hdr);
  if (h) curl_easy_cleanup(h);
  gp_buf_free(&body);
  return rc;
}

static void remote_cancel(void *ctx) {
  ((struct gp_client *)ctx)->cancel = 1;
}

gp_rc gp_client_new(const char *url, const char *token, gp_client **out, gp_err *err) {
  *out = NULL;
  if (strncmp(url, "http://", 7) != 0)
    return gp_err_set(err, GP_INVALID, "--server %s: expected http://HOST:PORT", url);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
    return gp_err_set(err, GP_NOMEM, "cannot start libcurl");
  struct gp_client *cl = GP_CALLOC(1, sizeof *cl);
  if (!cl || !(cl->url = GP_STRDUP(url))) {
    GP_FREE(cl);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  size_t n = strlen(cl->url);
  while (n > 7 && cl->url[n - 1] == '/') cl->url[--n] = '\0';
  if (token && *token) {
    size_t k = strlen(token) + 32;
    if (!(cl->auth = GP_MALLOC(k))) {
      gp_client_free(cl);
      return gp_err_set(err, GP_NOMEM, "out of memory");
    }
    snprintf(cl->auth, k, "Authorization: Bearer %s", token);
  }
  cl->exec.exec = remote_exec;
  cl->exec.cancel = remote_cancel;
  cl->exec.ctx = cl;
  cl->exec.label = cl->url;
  *out = cl;
  return GP_OK;
}

const gp_repl_exec *gp_client_exec(gp_client *cl) {
  return &cl->exec;
}

void gp_client_free(gp_client *cl) {
  if (!cl) return;
  GP_FREE(cl->auth);
  GP_FREE(cl->url);
  GP_FREE(cl);
  curl_global_cleanup();
}
