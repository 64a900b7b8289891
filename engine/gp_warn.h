/* gp_warn.h - warning models: stored queries on a schedule, their alert instances and the
 * state machine that moves them, persisted so that each (warning, slot) is evaluated and
 * recorded at most once.
 *
 * The one idea: a slot is a transaction. Evaluating warning W at slot t yields rows (labels,
 * value, level); the state machine turns them and W's current instances into transitions;
 * the instances, W's progress (last slot), one alert_history row per transition and one
 * outbox entry per notifying transition are written in ONE write batch. A slot is evaluated
 * only when it is after W's recorded last slot, so a run killed at any moment and started
 * again neither repeats nor skips a slot, and FOR timers survive because pending instances
 * carry the slot they first appeared in.
 *
 * engine/ sits below query/: it never parses SQL. The query layer hands it an evaluator
 * (gp_warn_eval_vt) that runs a warning's query at a slot; everything else (slots, states,
 * FOR, KEEP FIRING FOR, RESOLVE WHEN, levels, ON NODATA, errors, missed slots, CATCH UP,
 * persistence, history, the daemon loop) lives here. */
#ifndef GP_WARN_H
#define GP_WARN_H

#include <stdatomic.h>
#include <stdio.h>

#include "gp_base.h"
#include "gp_db.h"
#include "gp_store.h"

#define GP_WARN_MAX_LEVELS 16
#define GP_WARN_MAX_SINKS 16

typedef enum gp_warn_nodata {
  GP_WARN_NODATA_OK = 0, /* no rows in the window: every instance resolves (the default) */
  GP_WARN_NODATA_KEEP,   /* instances keep their states */
  GP_WARN_NODATA_ALERT,  /* a NODATA instance (labels empty) is raised */
} gp_warn_nodata;

/* A stored warning: what CREATE WARNING said, as the scheduler needs it. The query itself is
 * kept as the statement's text (sql), which only the query layer reads. */
typedef struct gp_warn_def {
  char name[GP_NAME_MAX];
  char *sql;                /* the whole CREATE WARNING statement (owned) */
  int64_t every_us;         /* slot length (> 0) */
  int64_t offset_us;        /* slots are k * every + offset in UTC, 0 <= offset < every */
  int64_t delay_us;         /* the query at slot t runs with now() = t - delay */
  int64_t for_us;           /* pending this long before firing; 0 = fire at once */
  int64_t keep_us;          /* KEEP FIRING FOR; 0 = none */
  int nlevels;              /* >= 1: without LEVELS, one level named as the warning */
  char levels[GP_WARN_MAX_LEVELS][GP_NAME_MAX]; /* least severe first */
  bool has_resolve;         /* RESOLVE WHEN given */
  gp_warn_nodata nodata;
  bool catch_up;            /* CATCH UP: missed slots are evaluated in order */
  bool paused;              /* ALTER WARNING PAUSE */
  int nsinks;
  char sinks[GP_WARN_MAX_SINKS][GP_NAME_MAX]; /* NOTIFY */
  int64_t created_us;       /* wall clock at CREATE */
} gp_warn_def;

void gp_warn_def_free(gp_warn_def *w); /* frees w->sql; w itself is the caller's */

/* The slot of W at or before t, and the one after slot s. */
int64_t gp_warn_slot_at(const gp_warn_def *w, int64_t t);

/* ---- the catalog (meta family, keys "warn/<name>") ---- */

/* Stores w (replacing any warning of that name when replace, else GP_EXISTS); a replaced
 * warning's instances and progress are deleted in the same batch (its history stays). */
gp_rc gp_warn_put(gp_db *db, const gp_warn_def *w, bool replace, gp_err *err);
/* Reads warning name into *out (caller frees with gp_warn_def_free); GP_NOTFOUND if none. */
gp_rc gp_warn_get(gp_db *db, const char *name, gp_warn_def *out, gp_err *err);
/* Every warning, in name order: *out owned (gp_warn_list_free). */
gp_rc gp_warn_list(gp_db *db, gp_warn_def **out, size_t *n, gp_err *err);
void gp_warn_list_free(gp_warn_def *v, size_t n);
/* Deletes the warning, its instances and progress (history stays); GP_NOTFOUND if none. */
gp_rc gp_warn_drop(gp_db *db, const char *name, gp_err *err);
/* Sets or clears the paused flag. */
gp_rc gp_warn_set_paused(gp_db *db, const char *name, bool paused, gp_err *err);
/* Creates the alert_history table when the database has none; GP_INVALID when a table of
 * that name exists with other columns. */
gp_rc gp_warn_history_table(gp_db *db, gp_err *err);

/* ---- what an evaluation returns ---- */

/* One result row of a warning's query, as the evaluator saw it. */
typedef struct gp_warn_row {
  char *labels;        /* instance key as text, "sensor_id=wl-0007,warn_line=3.5" (owned) */
  char *labels_json;   /* the same as a JSON object (owned) */
  double value;        /* the row's value column */
  bool value_null;
  int level;           /* most severe level whose condition holds, -1 when none */
  bool resolve;        /* RESOLVE WHEN holds on the row */
  char *message;       /* MESSAGE with the row's placeholders filled (owned; "" if none) */
} gp_warn_row;

typedef struct gp_warn_result {
  gp_warn_row *rows;
  size_t n, cap;
  bool nodata;         /* the tables the query read have no rows at all in its window */
} gp_warn_result;

/* Appends a row (strings copied). */
gp_rc gp_warn_result_add(gp_warn_result *r, const char *labels, const char *labels_json,
                         double value, bool value_null, int level, bool resolve,
                         const char *message, gp_err *err);
void gp_warn_result_clear(gp_warn_result *r); /* keeps the array for reuse */
void gp_warn_result_free(gp_warn_result *r);

/* The evaluator the query layer supplies. open binds a warning's query once (its handle is
 * then evaluated at many slots); evaluate runs it at slot (now() = slot - delay, rows after
 * that instant invisible) into out (cleared first); an error fails that slot only. */
typedef struct gp_warn_eval_vt {
  gp_rc (*open)(void *ctx, const gp_warn_def *w, void **handle, gp_err *err);
  gp_rc (*evaluate)(void *handle, const gp_warn_def *w, int64_t slot, gp_warn_result *out,
                    gp_err *err);
  void (*close)(void *handle);
} gp_warn_eval_vt;

/* ---- the state machine (pure: tests drive it slot by slot) ---- */

typedef enum gp_warn_state {
  GP_WARN_INACTIVE = 0, /* history only: a pending instance that disappeared (cleared) */
  GP_WARN_PENDING,
  GP_WARN_FIRING,
  GP_WARN_RESOLVED,     /* history only */
  GP_WARN_NODATA,
  GP_WARN_ERROR,        /* history only: the slot's evaluation failed */
} gp_warn_state;

const char *gp_warn_state_name(gp_warn_state s); /* "pending", "firing", ... */

/* A current instance: what the alerts family holds per (warning, labels). */
typedef struct gp_warn_inst {
  char *labels, *labels_json, *message; /* owned */
  gp_warn_state state;    /* PENDING, FIRING or NODATA */
  int level;              /* level index while firing (-1 while pending without a level) */
  double value;
  bool value_null;
  int64_t pending_since;  /* slot it first appeared in (FOR counts from here) */
  int64_t active_since;   /* slot it started firing (0 while pending) */
  int64_t keep_since;     /* first slot of a dip held by KEEP FIRING FOR, 0 = none */
  int64_t last_slot;      /* last slot it was evaluated in */
} gp_warn_inst;

/* A transition of one instance at one slot. */
typedef struct gp_warn_trans {
  gp_warn_state state;    /* PENDING, FIRING (also a level change), RESOLVED, INACTIVE,
                           * NODATA, ERROR */
  const gp_warn_inst *inst; /* the instance after the transition (borrowed from the set) */
  int level, prev_level;  /* -1 = none */
  bool notify;            /* goes to the sinks: firing, level change, resolved, nodata */
} gp_warn_trans;

/* The current instances of one warning, sorted by labels. */
typedef struct gp_warn_set {
  gp_warn_inst *v;
  size_t n, cap;
  /* instances gone at the last step (resolved or cleared), kept until the next step so that
   * the transitions can point at them */
  gp_warn_inst *gone;
  size_t ngone, capgone;
} gp_warn_set;

void gp_warn_set_free(gp_warn_set *s);

/* Moves set by one slot: res is the slot's evaluation (NULL when it failed: states are kept
 * and one ERROR transition is returned). Transitions go to *tr (owned by the caller, grown
 * with GP_REALLOC; *ntr their count). */
gp_rc gp_warn_step(const gp_warn_def *w, gp_warn_set *set, int64_t slot,
                   const gp_warn_result *res, gp_warn_trans **tr, size_t *ntr, gp_err *err);

/* ---- running ---- */

typedef struct gp_warn_run_opts {
  const gp_warn_eval_vt *vt;
  void *vt_ctx;
  const char *only;        /* one warning by name, NULL = every unpaused warning */
  bool dry_run;            /* evaluate and report transitions, write nothing */
  bool catch_up;           /* evaluate missed slots even for warnings without CATCH UP */
  bool lazy;               /* commit each slot atomically but without its own fsync, and sync
                            * once at the end (a replay: a killed process loses nothing it
                            * committed; a power cut may lose the tail, which a rerun redoes) */
  FILE *log;               /* one line per evaluation, NULL = silent */
  FILE *transitions;       /* one line per transition, NULL = none */
  bool deliver;            /* gp_warn_daemon: one delivery pass (gp_notify_deliver) after
                            * each round of evaluations */
  /* gp_warn_daemon: called with true before each round (the catalog read, the evaluations
   * due, the delivery pass) and with false after it, never around the sleep between rounds.
   * gridpulse serve takes its database lock alone here, as a writing request does; NULL: no
   * guard (the database is this process's alone). */
  void (*guard)(void *ctx, bool enter);
  void *guard_ctx;
} gp_warn_run_opts;

typedef struct gp_warn_stats {
  size_t slots;            /* slots evaluated */
  size_t skipped;          /* slots at or before a warning's last recorded slot */
  size_t missed;           /* slots skipped because they were missed (no CATCH UP) */
  size_t errors;           /* slots whose evaluation failed */
  size_t transitions;
  size_t notifications;    /* outbox entries written (engine/gp_notify.h) */
  double eval_ms;          /* time in the evaluator */
  double total_ms;
} gp_warn_stats;

/* Evaluates, for every selected warning, every slot in [from, to] in order (the daemon's
 * schedule replayed): slots at or before a warning's last recorded slot are skipped (each
 * slot at most once). Slots between the last recorded slot and the first slot asked for are
 * missed: counted, or evaluated first with catch_up / CATCH UP. from == to: one slot
 * (`--at`). */
gp_rc gp_warn_run(gp_db *db, int64_t from, int64_t to, const gp_warn_run_opts *o,
                  gp_warn_stats *st, gp_err *err);

/* The daemon: runs every unpaused warning on the wall clock, each slot when it is due, until
 * *stop is set (checked at least every 200 ms; an evaluation in progress finishes first).
 * The catalog is re-read at each due time and at least every second, so CREATE / DROP /
 * ALTER take effect without a restart, within a second. Logs one line per evaluation to o->log. Returns GP_OK when stopped. */
gp_rc gp_warn_daemon(gp_db *db, const gp_warn_run_opts *o, const atomic_bool *stop,
                     gp_err *err);

/* ---- progress and instances, for SHOW WARNINGS / SHOW ALERTS ---- */

typedef struct gp_warn_progress {
  int64_t last_slot;       /* 0 = never evaluated */
  int64_t last_us;         /* duration of its last evaluation in microseconds */
  int64_t evaluations, missed, errors;
  char last_error[256];
} gp_warn_progress;

gp_rc gp_warn_progress_get(gp_db *db, const char *name, gp_warn_progress *p, gp_err *err);
/* The current instances of warning name (*set owned: gp_warn_set_free). */
gp_rc gp_warn_instances(gp_db *db, const char *name, gp_warn_set *set, gp_err *err);

#endif
