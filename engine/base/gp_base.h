/* gp_base.h - what every gridpulse module shares: the one error type, the allocation macros,
 * growable byte buffers with a bounds-checked reader, column types and time helpers.
 *
 * Every fallible function returns a gp_rc (0 = GP_OK) and, on failure, fills the caller's gp_err
 * once, where the failure happens, with a message that names the file:line or query position. */
#ifndef GP_BASE_H
#define GP_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdatomic.h>

/* ---- errors ------------------------------------------------------------------------------ */

/* X-macro: one list, so the enum and gp_rc_str() never disagree. */
#define GP_RC_MAP(X)                                                                           \
  X(OK, "ok")                                                                                  \
  X(NOMEM, "out of memory")                                                                    \
  X(IO, "I/O error")                                                                           \
  X(STORAGE, "storage error")                                                                  \
  X(CORRUPT, "corrupt data")                                                                   \
  X(PARSE, "parse error")                                                                      \
  X(INVALID, "invalid argument")                                                               \
  X(NOTFOUND, "not found")                                                                     \
  X(EXISTS, "already exists")                                                                  \
  X(PROJ, "projection error")                                                                  \
  X(GEOM, "geometry error")                                                                    \
  X(CANCELLED, "cancelled")                                                                    \
  X(UNSUPPORTED, "not supported")                                                              \
  X(BUSY, "in use by another process")

typedef enum {
#define GP_RC_ENUM(name, text) GP_##name,
  GP_RC_MAP(GP_RC_ENUM)
#undef GP_RC_ENUM
} gp_rc;

/* Static string naming rc; never NULL. */
const char *gp_rc_str(gp_rc rc);

#define GP_ERR_MSG_MAX 512

typedef struct gp_err {
  gp_rc rc;                  /* GP_OK until something fails */
  char msg[GP_ERR_MSG_MAX];  /* human message, already carrying position/file:line */
} gp_err;

/* Sets err (when not NULL) to rc with a printf-style message; returns rc so callers can
 * `return gp_err_set(err, GP_PARSE, "...")`. The first failure wins: an error already set is
 * kept, because the innermost call site knows the most. */
gp_rc gp_err_set(gp_err *err, gp_rc rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void gp_err_clear(gp_err *err);

/* ---- allocation ------------------------------------------------------------------------ */

/* All allocation goes through these so tests can count leaks and fail the N-th allocation. */
void *gp_malloc_(size_t n);
void *gp_calloc_(size_t n, size_t size);
void *gp_realloc_(void *p, size_t n);
void gp_free_(void *p);
char *gp_strdup_(const char *s);
char *gp_strndup_(const char *s, size_t n);
#define GP_MALLOC(n) gp_malloc_(n)
#define GP_CALLOC(n, s) gp_calloc_((n), (s))
#define GP_REALLOC(p, n) gp_realloc_((p), (n))
#define GP_FREE(p) gp_free_(p)
#define GP_STRDUP(s) gp_strdup_(s)
#define GP_STRNDUP(s, n) gp_strndup_((s), (n))

/* Test hooks: count of live allocations made through the macros, and a countdown that makes
 * the N-th next allocation fail (0 = never). Thread-local, so parallel tests do not interfere. */
long gp_alloc_live(void);
void gp_alloc_fail_after(long n);

/* ---- memory accounts ----------------------------------------------------------------- */

/* The bytes one statement may grow by (SET memory_limit). Everything that grows with the input
 * charges the account before it allocates: the executor's relations and group tables,
 * aggregate states (count(DISTINCT) sets, quantile arrays), region files and the layers read
 * from them, cell coverings and indexes. Charges are never returned before the statement
 * ends, so `used` is the sum of what was grown, an upper bound of the peak. Threads charge
 * one account concurrently. */
typedef struct gp_mem {
  _Atomic size_t used; /* bytes charged so far */
  size_t limit;        /* bytes the statement may charge */
  atomic_bool over;    /* a charge went past limit: the caller's GP_NOMEM names the limit */
} gp_mem;

/* Charges bytes to m: true when they fit, else false and m->over is set (the charge stays, so
 * every later one fails too). m NULL: no limit, always true. */
bool gp_mem_charge(gp_mem *m, size_t bytes);

/* ---- user-named files ------------------------------------------------------------------ */

/* Opens path read-only for reading its bytes, refusing anything but a regular file: a FIFO
 * would block the statement (the open is non-blocking, so even a FIFO without a writer
 * returns at once), /dev/zero would be read forever. Every file a user names (COPY, CREATE
 * REGIONS, `gridpulse load`) is opened through here. *fd is owned (close it); *size is the
 * file's size at open. GP_IO with `"path": not a regular file` or `"path": <strerror>`. */
gp_rc gp_file_open(const char *path, int *fd, size_t *size, gp_err *err);
/* Reads the regular file path whole into *out, NUL-terminated, returned owned (GP_FREE);
 * *n bytes without the NUL. Its size is charged to mem (may be NULL) before anything is read,
 * so a file larger than the statement's memory limit fails at once with GP_NOMEM and
 * mem->over set; bytes appended while it is read are not read. */
gp_rc gp_file_read(const char *path, gp_mem *mem, char **out, size_t *n, gp_err *err);

/* ---- byte buffers ---------------------------------------------------------------------- */

/* A growable byte buffer. Owns p; release with gp_buf_free. Zero-initialise to start. */
typedef struct gp_buf {
  uint8_t *p;  /* bytes, NULL until the first write */
  size_t len;  /* bytes written */
  size_t cap;  /* bytes allocated */
} gp_buf;

gp_rc gp_buf_reserve(gp_buf *b, size_t extra);
gp_rc gp_buf_put(gp_buf *b, const void *src, size_t n);
gp_rc gp_buf_put_u8(gp_buf *b, uint8_t v);
gp_rc gp_buf_put_u32le(gp_buf *b, uint32_t v);
gp_rc gp_buf_put_u64le(gp_buf *b, uint64_t v);
gp_rc gp_buf_put_u64be(gp_buf *b, uint64_t v); /* big-endian: sorts bytewise like the number */
gp_rc gp_buf_put_uvarint(gp_buf *b, uint64_t v);   /* LEB128 */
gp_rc gp_buf_put_svarint(gp_buf *b, int64_t v);    /* zigzag then LEB128 */
void gp_buf_free(gp_buf *b);

/* A bounds-checked reader over bytes it borrows. Every getter returns GP_CORRUPT (and sets
 * err) instead of reading past end, because chunk bytes are untrusted input. */
typedef struct gp_rd {
  const uint8_t *p;   /* next byte */
  const uint8_t *end; /* one past the last byte */
} gp_rd;

gp_rc gp_rd_get(gp_rd *r, void *dst, size_t n, gp_err *err);
gp_rc gp_rd_u8(gp_rd *r, uint8_t *v, gp_err *err);
gp_rc gp_rd_u32le(gp_rd *r, uint32_t *v, gp_err *err);
gp_rc gp_rd_u64le(gp_rd *r, uint64_t *v, gp_err *err);
gp_rc gp_rd_u64be(gp_rd *r, uint64_t *v, gp_err *err);
gp_rc gp_rd_uvarint(gp_rd *r, uint64_t *v, gp_err *err);
gp_rc gp_rd_svarint(gp_rd *r, int64_t *v, gp_err *err);
/* Borrows n bytes from the reader: *out points into the reader's bytes. */
gp_rc gp_rd_slice(gp_rd *r, size_t n, const uint8_t **out, gp_err *err);

static inline uint64_t gp_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t gp_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* ---- column types ---------------------------------------------------------------------- */

typedef enum gp_type {
  GP_T_TIMESTAMP = 1, /* int64 microseconds since 1970-01-01 UTC */
  GP_T_DOUBLE = 2,    /* IEEE double */
  GP_T_INT = 3,       /* int64 */
  GP_T_SYMBOL = 4,    /* string, dictionary-coded per table column: stored as uint32 id */
  GP_T_TEXT = 5,      /* free string */
} gp_type;

const char *gp_type_name(gp_type t);
/* Parses a type name (case-insensitive; TIMESTAMP, DOUBLE, INT, SYMBOL, TEXT and the aliases
 * BIGINT, INTEGER, FLOAT, REAL, VARCHAR, STRING). Returns 0 when unknown. */
gp_type gp_type_parse(const char *s, size_t n);

/* ---- time ------------------------------------------------------------------------------ */

#define GP_USEC_PER_SEC INT64_C(1000000)
#define GP_USEC_PER_HOUR (INT64_C(3600) * GP_USEC_PER_SEC)
#define GP_USEC_PER_DAY (INT64_C(86400) * GP_USEC_PER_SEC)
#define GP_TS_NULL INT64_MIN

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t gp_days_from_civil(int64_t y, unsigned m, unsigned d);
void gp_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parses an ISO 8601 timestamp: `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.f{1,9}]]`, optional
 * `Z` or `+HH[:MM]`/`-HH[:MM]` offset (none = UTC). Whole input must match. On success stores
 * microseconds since the epoch in *out and returns true. Every field must be in range (see
 * gp_ts_parse_ex). */
bool gp_ts_parse(const char *s, size_t n, int64_t *out);
/* gp_ts_parse saying why it failed: GP_TS_SYNTAX when the text is not of the forms above,
 * GP_TS_RANGE when it is but a field is out of range (month 13, Feb 30, hour 24, minute or
 * second 60: a leap second is refused, not rolled into the next minute). */
typedef enum gp_ts_rc { GP_TS_OK = 0, GP_TS_SYNTAX, GP_TS_RANGE } gp_ts_rc;
gp_ts_rc gp_ts_parse_ex(const char *s, size_t n, int64_t *out);
/* Formats as `YYYY-MM-DD HH:MM:SS` (plus `.ffffff` when sub-second) into buf (>= 32 bytes);
 * returns the length. */
int gp_ts_format(int64_t ts, char *buf, size_t cap);

/* The rows i < n with (v[i] == w) != neg, ascending into sel; their count. all (may be NULL):
 * the OR of every v[i]. With SSE2 (every x86-64) eight values are compared in four 128-bit
 * steps (64-bit lanes equal when both 32-bit halves are) into one bit mask, walked only where
 * it has bits: a filter keeping one row in twenty (CityBench Q2) costs about three
 * instructions a row instead of eight. Shared by the chunk decode's keep filter and the
 * executor's symbol filters. */
size_t gp_select_eq(const uint64_t *v, size_t n, uint64_t w, bool neg, uint32_t *sel,
                    uint64_t *all);

/* Stable LSD radix sort of key[0..n) ascending, idx[0..n) moved along (n < 2^32). Only the
 * bits in which the keys differ are sorted on, in as few passes of up to 12-bit digits as
 * they need (Morton codes of one city share their high bits; a packed group key uses a few
 * dozen bits). GP_NOMEM (nothing moved) when its scratch cannot be had. Shared by sealing
 * (rows by Morton code) and the grouped queries' final sort. */
gp_rc gp_radix_sort_u64(uint64_t *key, uint32_t *idx, size_t n);

static inline int64_t gp_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

#endif
