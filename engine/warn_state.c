/* warn_state.c - the alert state machine: one slot's evaluation in, transitions out.
 *
 * Per instance (a result row's labels), with FOR f, KEEP FIRING FOR k, slot t:
 *
 *            row appears, a level holds                 t - pending_since >= f
 *   inactive ---------------------------> pending ------------------------------> firing
 *      ^        (f = 0: straight to firing)   |                                  |  ^  |
 *      |                                      | row gone / no level holds        |  |  | level
 *      +-------------- cleared ---------------+                                  |  +--+ changes
 *      |                                                                         |
 *      +------------------------------ resolved ---------------------------------+
 *         row gone or no level holds (and, with KEEP FIRING FOR, t - keep_since >= k, where
 *         keep_since is the first slot of the dip); with RESOLVE WHEN: only when the row is
 *         there and the condition holds, or when the row is gone (between the two, in the
 *         hysteresis band, the instance stays firing at its last level)
 *
 * FOR is Prometheus's `for:` (an alert fires at the first evaluation at which it has been
 * active for at least f, counted from the evaluation it first appeared in), KEEP FIRING FOR
 * its `keep_firing_for:`. NODATA (the tables read had no rows in the window) is a state of
 * its own instance with empty labels under ON NODATA alert; ON NODATA keep leaves every state
 * as it is; ok (the default) lets the empty result resolve everything. A failed evaluation
 * (res NULL) changes nothing and yields one ERROR transition. */
#include <stdlib.h>
#include <string.h>

#include "gp_warn.h"

const char *gp_warn_state_name(gp_warn_state s) {
  switch (s) {
  case GP_WARN_INACTIVE: return "inactive";
  case GP_WARN_PENDING: return "pending";
  case GP_WARN_FIRING: return "firing";
  case GP_WARN_RESOLVED: return "resolved";
  case GP_WARN_NODATA: return "nodata";
  case GP_WARN_ERROR: return "error";
  }
  return "?";
}

static void inst_free(gp_warn_inst *i) {
  GP_FREE(i->labels);
  GP_FREE(i->labels_json);
  GP_FREE(i->message);
}

void gp_warn_set_free(gp_warn_set *s) {
  if (!s) return;
  for (size_t k = 0; k < s->n; k++) inst_free(&s->v[k]);
  for (size_t k = 0; k < s->ngone; k++) inst_free(&s->gone[k]);
  GP_FREE(s->v);
  GP_FREE(s->gone);
  memset(s, 0, sizeof *s);
}

gp_rc gp_warn_result_add(gp_warn_result *r, const char *labels, const char *labels_json,
                         double value, bool value_null, int level, bool resolve,
                         const char *message, gp_err *err) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    gp_warn_row *v = GP_REALLOC(r->rows, cap * sizeof *v);
    if (!v) return gp_err_set(err, GP_NOMEM, "out of memory");
    r->rows = v;
    r->cap = cap;
  }
  gp_warn_row *w = &r->rows[r->n];
  w->labels = GP_STRDUP(labels ? labels : "");
  w->labels_json = GP_STRDUP(labels_json ? labels_json : "{}");
  w->message = GP_STRDUP(message ? message : "");
  if (!w->labels || !w->labels_json || !w->message) {
    GP_FREE(w->labels);
    GP_FREE(w->labels_json);
    GP_FREE(w->message);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  w->value = value;
  w->value_null = value_null;
  w->level = level;
  w->resolve = resolve;
  r->n++;
  return GP_OK;
}

void gp_warn_result_clear(gp_warn_result *r) {
  for (size_t k = 0; k < r->n; k++) {
    GP_FREE(r->rows[k].labels);
    GP_FREE(r->rows[k].labels_json);
    GP_FREE(r->rows[k].message);
  }
  r->n = 0;
  r->nodata = false;
}

void gp_warn_result_free(gp_warn_result *r) {
  gp_warn_result_clear(r);
  GP_FREE(r->rows);
  memset(r, 0, sizeof *r);
}

/* ---- one step ---- */

typedef struct stepper {
  const gp_warn_def *w;
  gp_warn_set *set;
  int64_t slot;
  gp_warn_trans *tr;
  size_t ntr, cap;
  const char **tr_labels; /* labels of each transition, to find its instance at the end */
  bool *tr_gone;
  gp_err *err;
} stepper;

static gp_rc emit(stepper *s, gp_warn_state st, const char *labels, bool gone, int level,
                  int prev, bool notify) {
  if (s->ntr == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    gp_warn_trans *t = GP_REALLOC(s->tr, cap * sizeof *t);
    if (!t) return gp_err_set(s->err, GP_NOMEM, "out of memory");
    s->tr = t;
    const char **l = GP_REALLOC(s->tr_labels, cap * sizeof *l);
    if (!l) return gp_err_set(s->err, GP_NOMEM, "out of memory");
    s->tr_labels = l;
    bool *g = GP_REALLOC(s->tr_gone, cap * sizeof *g);
    if (!g) return gp_err_set(s->err, GP_NOMEM, "out of memory");
    s->tr_gone = g;
    s->cap = cap;
  }
  s->tr[s->ntr] = (gp_warn_trans){st, NULL, level, prev, notify};
  s->tr_labels[s->ntr] = labels;
  s->tr_gone[s->ntr] = gone;
  s->ntr++;
  return GP_OK;
}

/* Moves instance k of the set to the gone list (its strings move with it). */
static gp_rc retire(stepper *s, size_t k) {
  gp_warn_set *set = s->set;
  if (set->ngone == set->capgone) {
    size_t cap = set->capgone ? set->capgone * 2 : 8;
    gp_warn_inst *g = GP_REALLOC(set->gone, cap * sizeof *g);
    if (!g) return gp_err_set(s->err, GP_NOMEM, "out of memory");
    set->gone = g;
    set->capgone = cap;
  }
  set->gone[set->ngone++] = set->v[k];
  set->v[k] = set->v[--set->n];
  return GP_OK;
}

static int cmp_inst(const void *a, const void *b) {
  return strcmp(((const gp_warn_inst *)a)->labels, ((const gp_warn_inst *)b)->labels);
}

/* Instance with these labels: binary search in the sorted prefix [0, n0) (the set is sorted
 * at the end of every step), then a look at the few appended in this step. */
static long find(const gp_warn_inst *v, size_t n0, size_t n, const char *labels) {
  size_t lo = 0, hi = n0;
  while (lo < hi) {
    size_t md = (lo + hi) / 2;
    int c = strcmp(v[md].labels, labels);
    if (c == 0) return (long)md;
    if (c < 0) lo = md + 1;
    else hi = md;
  }
  for (size_t k = n0; k < n; k++)
    if (strcmp(v[k].labels, labels) == 0) return (long)k;
  return -1;
}

static gp_rc set_text(char **dst, const char *src, gp_err *err) {
  if (*dst && strcmp(*dst, src) == 0) return GP_OK;
  char *c = GP_STRDUP(src);
  if (!c) return gp_err_set(err, GP_NOMEM, "out of memory");
  GP_FREE(*dst);
  *dst = c;
  return GP_OK;
}

/* A firing instance whose condition no longer holds: resolved, unless KEEP FIRING FOR still
 * holds it. Instance k may be retired (then *retired is set). */
static gp_rc dip(stepper *s, size_t k, bool *retired) {
  gp_warn_inst *i = &s->set->v[k];
  *retired = false;
  if (s->w->keep_us > 0) {
    if (i->keep_since == 0) i->keep_since = s->slot;
    if (s->slot - i->keep_since < s->w->keep_us) return GP_OK;
  }
  int lvl = i->level;
  gp_rc rc = retire(s, k);
  if (rc) return rc;
  *retired = true;
  return emit(s, GP_WARN_RESOLVED, s->set->gone[s->set->ngone - 1].labels, true, lvl, lvl, true);
}

/* What the slot's rows did to an instance that existed before it. */
enum { ACT_NONE = 0, ACT_KEPT, ACT_RESOLVE };

static gp_rc new_inst(stepper *s, const gp_warn_row *row) {
  gp_warn_set *set = s->set;
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 16;
    gp_warn_inst *v = GP_REALLOC(set->v, cap * sizeof *v);
    if (!v) return gp_err_set(s->err, GP_NOMEM, "out of memory");
    set->v = v;
    set->cap = cap;
  }
  gp_warn_inst *i = &set->v[set->n];
  memset(i, 0, sizeof *i);
  i->labels = GP_STRDUP(row->labels);
  i->labels_json = GP_STRDUP(row->labels_json);
  i->message = GP_STRDUP(row->message);
  if (!i->labels || !i->labels_json || !i->message) {
    inst_free(i);
    return gp_err_set(s->err, GP_NOMEM, "out of memory");
  }
  set->n++;
  i->value = row->value;
  i->value_null = row->value_null;
  i->level = row->level;
  i->pending_since = s->slot;
  i->last_slot = s->slot;
  if (s->w->for_us <= 0) {
    i->state = GP_WARN_FIRING;
    i->active_since = s->slot;
    return emit(s, GP_WARN_FIRING, i->labels, false, i->level, -1, true);
  }
  i->state = GP_WARN_PENDING;
  return emit(s, GP_WARN_PENDING, i->labels, false, i->level, -1, false);
}

/* Applies the rows to the instances [0, n0) of before the slot (act[k] says what became of
 * each) and appends the new ones. Nothing is retired here, so indexes stay put. */
static gp_rc step_rows(stepper *s, const gp_warn_result *res, size_t n0, uint8_t *act) {
  const gp_warn_def *w = s->w;
  gp_warn_set *set = s->set;
  gp_rc rc;
  for (size_t r = 0; r < res->n; r++) {
    const gp_warn_row *row = &res->rows[r];
    bool active = row->level >= 0;
    long k = find(set->v, n0, set->n, row->labels);
    if (k >= 0 && ((size_t)k >= n0 || act[k] != ACT_NONE)) continue; /* same labels: first wins */
    if (k < 0) {
      if (active && (rc = new_inst(s, row))) return rc;
      continue;
    }
    gp_warn_inst *i = &set->v[k];
    i->value = row->value;
    i->value_null = row->value_null;
    if ((rc = set_text(&i->message, row->message, s->err))) return rc;
    if (i->state == GP_WARN_PENDING) {
      if (!active) continue; /* cleared with the unseen ones */
      act[k] = ACT_KEPT;
      i->level = row->level;
      if (s->slot - i->pending_since >= w->for_us) {
        i->state = GP_WARN_FIRING;
        i->active_since = s->slot;
        if ((rc = emit(s, GP_WARN_FIRING, i->labels, false, i->level, -1, true))) return rc;
      }
    } else if (i->state == GP_WARN_FIRING) {
      if (w->has_resolve && row->resolve) {
        act[k] = ACT_RESOLVE; /* RESOLVE WHEN is the user's word: KEEP FIRING FOR yields */
      } else if (active) {
        act[k] = ACT_KEPT;
        i->keep_since = 0;
        if (row->level != i->level) {
          int prev = i->level;
          i->level = row->level;
          if ((rc = emit(s, GP_WARN_FIRING, i->labels, false, i->level, prev, true))) return rc;
        }
      } else if (w->has_resolve) {
        act[k] = ACT_KEPT; /* in the band between the line and the resolve condition */
        i->keep_since = 0;
      } /* else a dip: handled with the absent ones */
    }
  }
  return GP_OK;
}

gp_rc gp_warn_step(const gp_warn_def *w, gp_warn_set *set, int64_t slot,
                   const gp_warn_result *res, gp_warn_trans **tr, size_t *ntr, gp_err *err) {
  for (size_t k = 0; k < set->ngone; k++) inst_free(&set->gone[k]);
  set->ngone = 0;
  stepper s = {w, set, slot, NULL, 0, 0, NULL, NULL, err};
  GP_FREE(*tr);
  *tr = NULL;
  *ntr = 0;
  gp_rc rc = GP_OK;
  uint8_t *act = NULL;
  if (!res) {
    rc = emit(&s, GP_WARN_ERROR, "", false, -1, -1, false);
    goto done;
  }
  /* the NODATA instance has empty labels, as has the one instance of a query without labels:
   * the state tells them apart */
  long nd = find(set->v, set->n, set->n, "");
  if (nd >= 0 && set->v[nd].state != GP_WARN_NODATA) {
    if (res->nodata && res->n == 0 && w->nodata == GP_WARN_NODATA_ALERT) {
      /* it makes way for the NODATA instance, resolved (or cleared) first */
      gp_warn_state was = set->v[nd].state;
      int lvl = set->v[nd].level;
      if ((rc = retire(&s, (size_t)nd))) goto done;
      if ((rc = emit(&s, was == GP_WARN_FIRING ? GP_WARN_RESOLVED : GP_WARN_INACTIVE,
                     set->gone[set->ngone - 1].labels, true, lvl, lvl, was == GP_WARN_FIRING)))
        goto done;
    }
    nd = -1;
  }
  bool nodata = res->nodata && res->n == 0 && w->nodata != GP_WARN_NODATA_OK;
  if (nodata) {
    if (w->nodata == GP_WARN_NODATA_ALERT && find(set->v, set->n, set->n, "") < 0) {
      if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        gp_warn_inst *v = GP_REALLOC(set->v, cap * sizeof *v);
        if (!v) {
          rc = gp_err_set(err, GP_NOMEM, "out of memory");
          goto done;
        }
        set->v = v;
        set->cap = cap;
      }
      gp_warn_inst *i = &set->v[set->n];
      memset(i, 0, sizeof *i);
      i->labels = GP_STRDUP("");
      i->labels_json = GP_STRDUP("{}");
      i->message = GP_STRDUP("no data");
      if (!i->labels || !i->labels_json || !i->message) {
        inst_free(i);
        rc = gp_err_set(err, GP_NOMEM, "out of memory");
        goto done;
      }
      set->n++;
      i->state = GP_WARN_NODATA;
      i->level = -1;
      i->value_null = true;
      i->pending_since = i->active_since = slot;
      rc = emit(&s, GP_WARN_NODATA, i->labels, false, -1, -1, true);
    }
    for (size_t k = 0; k < set->n; k++) set->v[k].last_slot = slot;
    goto done;
  }
  if (nd >= 0) { /* data again: the NODATA instance resolves */
    if ((rc = retire(&s, (size_t)nd))) goto done;
    if ((rc = emit(&s, GP_WARN_RESOLVED, set->gone[set->ngone - 1].labels, true, -1, -1, true)))
      goto done;
  }
  if (nd >= 0) qsort(set->v, set->n, sizeof *set->v, cmp_inst); /* retire moved one */
  size_t n0 = set->n;
  act = GP_CALLOC(n0 + 1, 1);
  if (!act) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto done;
  }
  if ((rc = step_rows(&s, res, n0, act))) goto done;
  /* the instances of before this slot that no active row kept: cleared, resolved, or held by
   * KEEP FIRING FOR; walked from the end, so that retiring (which moves the last instance
   * into the hole, a new one or one already walked) never skips one */
  for (size_t k = n0; k-- > 0;) {
    if (act[k] == ACT_KEPT) continue;
    gp_warn_inst *i = &set->v[k];
    int lvl = i->level;
    if (i->state == GP_WARN_PENDING) {
      if ((rc = retire(&s, k))) goto done;
      if ((rc = emit(&s, GP_WARN_INACTIVE, set->gone[set->ngone - 1].labels, true, lvl, lvl,
                     false)))
        goto done;
    } else if (i->state == GP_WARN_FIRING && act[k] == ACT_RESOLVE) {
      if ((rc = retire(&s, k))) goto done;
      if ((rc = emit(&s, GP_WARN_RESOLVED, set->gone[set->ngone - 1].labels, true, lvl, lvl,
                     true)))
        goto done;
    } else if (i->state == GP_WARN_FIRING) {
      bool retired;
      if ((rc = dip(&s, k, &retired))) goto done;
    }
  }
  for (size_t k = 0; k < set->n; k++) set->v[k].last_slot = slot;
done:
  GP_FREE(act);
  if (set->n) qsort(set->v, set->n, sizeof *set->v, cmp_inst); /* v is NULL while empty */
  /* transitions in label order, each pointing at its instance (now at its final address) */
  for (size_t k = 0; k < s.ntr; k++) {
    if (s.tr[k].state == GP_WARN_ERROR) continue;
    const gp_warn_inst *v = s.tr_gone[k] ? set->gone : set->v;
    size_t n = s.tr_gone[k] ? set->ngone : set->n;
    for (size_t j = 0; j < n; j++)
      if (v[j].labels == s.tr_labels[k]) s.tr[k].inst = &v[j];
  }
  for (size_t a = 1; a < s.ntr; a++) /* insertion sort: stable, few transitions */
    for (size_t b = a; b > 0 && s.tr[b].inst && s.tr[b - 1].inst &&
                       strcmp(s.tr[b - 1].inst->labels, s.tr[b].inst->labels) > 0;
         b--) {
      gp_warn_trans t = s.tr[b];
      s.tr[b] = s.tr[b - 1];
      s.tr[b - 1] = t;
    }
  GP_FREE(s.tr_labels);
  GP_FREE(s.tr_gone);
  *tr = s.tr;
  *ntr = s.ntr;
  return rc;
}
