/* sink_webhook.c - the webhook sink: an HTTP POST through libcurl, with the alert JSON as it is
 * (format 'generic') or as the body of Alertmanager's `POST /api/v2/alerts` (format
 * 'alertmanager'), so that a real Alertmanager routes gridpulse's warnings to the SMS, mail
 * and chat receivers a centre already runs. Any response but 2xx is a failed delivery. */
#include "notify_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const gp_notify__optspec webhook_opts[] = {
    {"url", GP_NOTIFY_TEXT, true, NULL, 0, 0},
    {"format", GP_NOTIFY_TEXT, false, "\"generic\"", 0, 0}, /* generic | alertmanager */
    {"timeout", GP_NOTIFY_NUM, false, "10", 0.001, 3600},   /* seconds, the whole request */
    {"generator_url", GP_NOTIFY_TEXT, false, NULL, 0, 0},   /* alertmanager: generatorURL */
    {NULL, 0, false, NULL, 0, 0},
};

static gp_rc webhook_check(const json_t *opts, const char **bad, gp_err *err) {
  const char *url = json_string_value(json_object_get(opts, "url"));
  const char *fmt = json_string_value(json_object_get(opts, "format"));
  if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
    *bad = "url";
    return gp_err_set(err, GP_INVALID, "option \"url\" must start with http:// or https://");
  }
  if (strcasecmp(fmt, "generic") != 0 && strcasecmp(fmt, "alertmanager") != 0) {
    *bad = "format";
    return gp_err_set(err, GP_INVALID, "option \"format\" must be 'generic' or 'alertmanager'");
  }
  return GP_OK;
}

/* ---- Alertmanager's body ---- */

/* A label name as Alertmanager accepts it ([a-zA-Z_][a-zA-Z0-9_]*): other bytes become '_'. */
static void label_name(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; s[n] && n + 1 < cap; n++) {
    char c = s[n];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (n > 0 && c >= '0' && c <= '9');
    out[n] = ok ? c : '_';
  }
  out[n] = 0;
  if (n == 0 && cap > 1) out[0] = '_', out[1] = 0;
}

/* Any JSON value as the string Alertmanager wants (labels and annotations are strings): a
 * real in its shortest form that reads back the same (3.42, not jansson's 3.4199999999999999),
 * an object or array as compact JSON. */
static json_t *as_string(const json_t *v) {
  char num[40];
  if (json_is_string(v)) return json_string(json_string_value(v));
  if (!v || json_is_null(v)) return json_string("");
  if (json_is_integer(v)) {
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return json_string(num);
  }
  if (json_is_real(v)) {
    double d = json_real_value(v);
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(num, sizeof num, "%.*g", prec, d);
      if (strtod(num, NULL) == d) break;
    }
    return json_string(num);
  }
  gp_buf b = {0};
  json_t *s = NULL;
  if (!gp_notify__dump(v, &b, NULL) && !gp_buf_put_u8(&b, 0)) s = json_string((char *)b.p);
  gp_buf_free(&b);
  return s;
}

static const char *get_str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* [{labels: {alertname, level, ...the instance's labels}, annotations: {message, value},
 *   startsAt, endsAt (the resolve time of a resolved alert, so Alertmanager resolves it;
 *   absent while firing, Alertmanager's resolve_timeout then applies), generatorURL}] */
static gp_rc alertmanager_body(const json_t *opts, const json_t *a, gp_buf *out, gp_err *err) {
  json_t *list = json_array(), *al = json_object(), *labels = json_object(), *ann = json_object();
  gp_rc rc = GP_OK;
  bool bad = !list || !al || !labels || !ann;
  const char *warning = get_str(a, "warning"), *state = get_str(a, "state");
  const char *level = get_str(a, "level");
  if (!warning) warning = "gridpulse";
  if (!state) state = "firing";
  bad = bad || json_object_set_new(labels, "alertname", json_string(warning));
  bad = bad || json_object_set_new(labels, "level", json_string(level ? level : state));
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)json_object_get(a, "labels"), k, v) {
    char name[128];
    label_name(k, name, sizeof name);
    if (strcmp(name, "alertname") == 0 || strcmp(name, "level") == 0) continue;
    bad = bad || json_object_set_new(labels, name, as_string(v));
  }
  bad = bad || json_object_set_new(ann, "message", as_string(json_object_get(a, "message")));
  bad = bad || json_object_set_new(ann, "value", as_string(json_object_get(a, "value")));
  const char *since = get_str(a, "active_since"), *slot = get_str(a, "slot");
  if (since || slot)
    bad = bad || json_object_set_new(al, "startsAt", json_string(since ? since : slot));
  if (strcmp(state, "resolved") == 0) {
    const char *at = get_str(a, "resolved_at");
    if (at || slot) bad = bad || json_object_set_new(al, "endsAt", json_string(at ? at : slot));
  }
  char url[512];
  const char *gen = get_str(opts, "generator_url");
  snprintf(url, sizeof url, "%s", gen ? gen : "");
  if (!gen) snprintf(url, sizeof url, "gridpulse://warnings/%s", warning);
  bad = bad || json_object_set(al, "labels", labels) || json_object_set(al, "annotations", ann) ||
        json_object_set_new(al, "generatorURL", json_string(url)) || json_array_append(list, al);
  if (bad)
    rc = gp_err_set(err, GP_NOMEM, "out of memory building the Alertmanager body");
  else
    rc = gp_notify__dump(list, out, err);
  json_decref(ann);
  json_decref(labels);
  json_decref(al);
  json_decref(list);
  return rc;
}

/* ---- the POST ---- */

typedef struct reply {
  char text[256]; /* the start of the response body, for the failure message */
  size_t len;
} reply;

static size_t reply_cb(char *p, size_t size, size_t n, void *ud) {
  reply *r = ud;
  size_t got = size * n, take = sizeof r->text - 1 - r->len;
  if (take > got) take = got;
  memcpy(r->text + r->len, p, take);
  r->len += take;
  r->text[r->len] = 0;
  return got;
}

static gp_rc webhook_send(const json_t *opts, const gp_notify__msg *m, gp_err *err) {
  const char *url = json_string_value(json_object_get(opts, "url"));
  const char *fmt = json_string_value(json_object_get(opts, "format"));
  double timeout = json_number_value(json_object_get(opts, "timeout"));
  gp_buf body = {0};
  gp_rc rc = GP_OK;
  CURL *c = NULL;
  struct curl_slist *hdr = NULL;
  reply r = {{0}, 0};
  char cerr[CURL_ERROR_SIZE] = "";
  if (strcasecmp(fmt, "alertmanager") == 0) {
    if ((rc = alertmanager_body(opts, m->alert, &body, err))) goto cleanup;
  } else if (gp_buf_put(&body, m->json, m->len)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if (!(c = curl_easy_init()) ||
      !(hdr = curl_slist_append(NULL, "Content-Type: application/json"))) {
    rc = gp_err_set(err, GP_NOMEM, "%s: cannot start an HTTP request", url);
    goto cleanup;
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM: the engine may run on threads */
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000 + 0.5));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "gridpulse");
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body.p);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
  CURLcode cc = curl_easy_perform(c);
  if (cc != CURLE_OK) {
    rc = gp_err_set(err, GP_IO, "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(cc));
    goto cleanup;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    char *nl = strpbrk(r.text, "\r\n");
    if (nl) *nl = 0;
    rc = gp_err_set(err, GP_IO, "%s: HTTP %ld%s%s", url, status, r.text[0] ? ": " : "", r.text);
  }
cleanup:
  curl_slist_free_all(hdr);
  if (c) curl_easy_cleanup(c);
  gp_buf_free(&body);
  return rc;
}

const gp_notify__type gp_notify__webhook = {"webhook", webhook_opts, webhook_check, webhook_send};
