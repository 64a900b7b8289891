/* gp_notify.h - notifications: the durable outbox, the sinks it delivers to, and one pass of
 * the delivery loop.
 *
 * The one idea: a notification is written into the database in the same write batch as the
 * event that causes it (a warning's transition), so it can be neither lost nor invented by a
 * crash; delivery happens later, from the outbox, at least once per sink, and each outcome is
 * recorded durably before the next entry is tried. A restart resends at most the entry whose
 * outcome was being recorded when the process died, never an entry already marked delivered.
 *
 * Time is a parameter (now_us): the delivery loop never reads the wall clock, so tests drive
 * retries and backoff with a fake clock and `gridpulse serve` passes the real one.
 *
 * Everything lives in the store's `meta` family under the prefix `ntf/` (see notify.c). */
#ifndef GP_NOTIFY_H
#define GP_NOTIFY_H

#include "gp_base.h"
#include "gp_db.h"
#include "gp_store.h"

/* ---- the outbox ---- */

#define GP_NOTIFY_ID_MAX 512   /* longest entry id, bytes */
#define GP_NOTIFY_MAX_SINKS 32 /* sinks one entry may name */

/* Adds one outbox entry to the caller's write batch t: it commits (or not) with whatever else
 * t holds. id is the entry's stable id, its dedup key: an id already in the outbox or already
 * delivered is not added again (GP_OK, nothing written), so a replayed evaluation does not
 * notify twice; the same id twice in one uncommitted batch is one entry (the later wins).
 * sinks names the sinks (each a sink name; they need not exist yet: an entry for a missing
 * sink fails and is retried, so a sink created later still gets it). alert_json is the alert
 * as a JSON object (len bytes, need not be NUL-terminated); it is checked and stored as written
 * but on one line (CR and LF, which valid JSON holds only between tokens, become spaces), so
 * every sink sees one line with the numbers exactly as the caller wrote them. Everything is copied; nothing is retained.
 * GP_INVALID for an empty or too long id, no sink, a bad sink name or JSON that is not an
 * object. Entries are delivered in id order, so ids that sort by time (slot first) keep a
 * warning's transitions in order. */
gp_rc gp_notify_outbox_add(gp_store_txn *t, const char *id, const char *const *sinks, size_t nsinks,
                           const char *alert_json, size_t len, gp_err *err);

/* What one delivery pass did. */
typedef struct gp_notify_stats {
  size_t attempts;     /* sends tried (entry, sink) in this pass */
  size_t delivered;    /* of those, succeeded */
  size_t failed;       /* of those, failed (rescheduled with backoff) */
  size_t entries_done; /* entries that became fully delivered (marked, never resent) */
  size_t pending;      /* entries still pending after the pass */
  int64_t next_due_us; /* earliest next attempt of a pending entry, INT64_MAX when none */
} gp_notify_stats;

/* Retry schedule: the k-th consecutive failure of an (entry, sink) waits
 * min(GP_NOTIFY_BACKOFF_US << (k - 1), GP_NOTIFY_BACKOFF_MAX_US) before the next attempt. */
#define GP_NOTIFY_BACKOFF_US (1 * GP_USEC_PER_SEC)
#define GP_NOTIFY_BACKOFF_MAX_US (300 * GP_USEC_PER_SEC)

/* One pass of the delivery loop at time now_us: every outbox entry with a sink whose next
 * attempt is due (at or before now_us) is sent to each such sink, in id order. After each
 * entry, one durable commit records per sink the attempts, the next attempt time and the last
 * error, the sink's counters, and, once every sink has it, moves the entry to the delivered
 * set. A failed send is not an error of the pass (it is recorded and retried); the pass fails
 * only when the store does. st (may be NULL) is filled. Not for concurrent use on one db. */
gp_rc gp_notify_deliver(gp_db *db, int64_t now_us, gp_notify_stats *st, gp_err *err);

/* One pending (entry, sink) pair, for inspection. Strings are owned by the list. */
typedef struct gp_notify_pending {
  char *id;
  char *sink;
  uint32_t attempts; /* failed attempts so far */
  int64_t next_us;   /* next attempt at or after this time (0: at once) */
  char *last_error;  /* "" when none */
} gp_notify_pending;

/* The pending (entry, sink) pairs in id order, returned owned (free with
 * gp_notify_pending_free). */
gp_rc gp_notify_pending_list(gp_db *db, gp_notify_pending **out, size_t *n, gp_err *err);
void gp_notify_pending_free(gp_notify_pending *p, size_t n);
/* Whether id was delivered to all its sinks (and when, in *at_us; may be NULL). */
gp_rc gp_notify_delivered(gp_db *db, const char *id, bool *yes, int64_t *at_us, gp_err *err);

/* ---- sinks ---- */

/* The value of one sink option as written: text, a number (an interval is given in seconds),
 * a boolean or a list of texts. */
typedef enum gp_notify_kind {
  GP_NOTIFY_TEXT = 1,
  GP_NOTIFY_NUM,
  GP_NOTIFY_BOOL,
  GP_NOTIFY_LIST,
} gp_notify_kind;

typedef struct gp_notify_opt {
  const char *name; /* option name (case-insensitive) */
  gp_notify_kind kind;
  const char *text;        /* TEXT */
  double num;              /* NUM */
  bool b;                  /* BOOL */
  const char *const *list; /* LIST: nlist texts */
  size_t nlist;
} gp_notify_opt;

/* Creates sink `name` of type `type` (stdout, ndjson, command, webhook) with the given
 * options, stored in the catalog. Unknown types and options, options of the wrong kind or out
 * of range, and missing required options fail with GP_INVALID; *bad (may be NULL) is then the
 * index of the option at fault (n when the fault is the type or a missing option, SIZE_MAX
 * when it is the name) so the caller can point at it. GP_EXISTS when the sink exists and
 * !or_replace. */
gp_rc gp_notify_sink_create(gp_db *db, const char *name, const char *type,
                            const gp_notify_opt *opts, size_t n, bool or_replace, size_t *bad,
                            gp_err *err);
/* Whether type names a sink type (case-insensitive). */
bool gp_notify_sink_type_known(const char *type);
/* Drops a sink (its counters too; entries naming it stay pending and fail until a sink of
 * that name exists again). GP_NOTFOUND unless if_exists. */
gp_rc gp_notify_sink_drop(gp_db *db, const char *name, bool if_exists, gp_err *err);

/* One sink, for SHOW SINKS. Strings are owned by the list. */
typedef struct gp_notify_sink_info {
  char *name;
  char *type;
  char *options;         /* the options as a JSON object, compact */
  uint64_t deliveries;   /* successful sends */
  uint64_t failures;     /* failed attempts */
  size_t pending;        /* entries waiting for this sink */
  char *last_error;      /* the last failure's message, "" when none */
  int64_t last_error_us; /* when it happened, GP_TS_NULL when never */
} gp_notify_sink_info;

/* Every sink in name order, returned owned (free with gp_notify_sink_info_free). */
gp_rc gp_notify_sink_list(gp_db *db, gp_notify_sink_info **out, size_t *n, gp_err *err);
void gp_notify_sink_info_free(gp_notify_sink_info *s, size_t n);

#endif
