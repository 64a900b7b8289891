/* load_int.h - shared inside engine/ by the loader (load.c), its parsing of segments
 * (load_parse.c) and its schema sniffing (load_schema.c). Not a public header. */
#ifndef GP_LOAD_INT_H
#define GP_LOAD_INT_H

#include <stdio.h>

#include "gp_db.h"
#include "gp_text.h"

/* Creates `table` from the file at path: names[0..nnames) are the header's column names
 * (borrowed), [body, end) the records after the header, sampled to sniff the types. Prints
 * the schema it chose (as a CREATE TABLE statement) and any column whose sampled values did
 * not all fit its type to `notes`. */
gp_rc gp_load__create_table(gp_db *db, const char *path, const gp_load_opts *o, gp_format fmt,
                            char delim, FILE *notes, const char *table, gp_field *names, int nnames,
                            const char *body, const char *end, gp_err *err);

/* ---- the loader's state, shared by load.c (rounds, commits) and load_parse.c (parsing) ---- */

#define SEG_BYTES (1u << 20)  /* target segment size */
#define ROUND_SEGS 16         /* segments per transaction */
#define MAX_FIELDS GP_STORE_MAX_COLS

typedef struct reject {
  size_t line;       /* line inside the segment (0-based) until numbered, then 1-based global */
  size_t col;        /* 1-based byte column, 0 when the whole row is at fault */
  const char *rec;   /* the record's first byte in the mapped input (for the reject file) */
  char msg[200];
} reject;

typedef struct pending_sym {
  uint32_t row;      /* row in seg->rows */
  uint8_t col;       /* table column */
  uint32_t off, len; /* string bytes in seg->pend_text */
} pending_sym;

/* One record-aligned slice of the input and what parsing it produced. */
typedef struct seg {
  const char *p, *end;
  size_t nlines;     /* line breaks inside: numbers the next segment's lines */
  size_t line0;      /* global 1-based line of its first record */
  gp_rows rows;      /* good rows */
  uint32_t *line;    /* per row: line inside the segment (0-based) */
  const char **rec;  /* per row: its record's first byte, for a reject made after parsing */
  reject *rej;
  size_t nrej, caprej;
  pending_sym *pend; /* symbols not in the dictionary yet */
  size_t npend, cappend;
  gp_buf pend_text;
  gp_buf scratch;
  gp_err err;        /* a failure that is not the row's fault (memory) */
} seg;

/* Integer-valued keys (INT, or SYMBOL ids) present in a table, as sorted disjoint [lo, hi]
 * intervals: ids loaded in order collapse into a handful of intervals, so the check is a
 * binary search in a tiny array whatever the table's size. */
typedef struct keyset {
  int64_t *lo, *hi;
  size_t n, cap;
} keyset;

typedef struct round_pos {
  uint64_t off;  /* byte offset in the input */
  uint64_t line; /* 1-based line there */
} round_pos;

typedef struct open_part {
  int64_t part; /* a partition with rows held */
  size_t round; /* the oldest round those rows came from */
} open_part;

typedef struct loader {
  gp_db *db;
  const gp_table *t;
  const char *path;
  const gp_load_opts *o;
  FILE *errs;           /* reports when there is no reject file */
  FILE *rejf;           /* o->reject_file: every reject with its raw record */
  const char *file_end; /* end of the mapped input */
  size_t max_errors;    /* more rejects than this stop the load; SIZE_MAX = none */
  size_t max_line;
  gp_format fmt;
  char delim;
  int nfile;                      /* fields per record (CSV) */
  int map[MAX_FIELDS];            /* file field -> table column, -1 = absent (CSV) */
  const char *keys[MAX_FIELDS];   /* NDJSON: table column names */
  keyset ks;                      /* key column values present */
  /* LOCATION FROM: the other table's key string -> cell, and our symbol id -> cell cache */
  char **loc_keys;
  uint64_t *loc_cells;
  size_t nloc;
  uint64_t *loc_by_id;            /* indexed by our symbol id; UINT64_MAX = unknown yet */
  size_t nloc_by_id;
  gp_load_result *res;
  double t_commit, t_seal; /* time spent committing and sealing (GP_TRACE=1 prints them) */
  double t_cpu;            /* CPU time of the thread that ran them */
  /* Bulk loads hold the accepted rows of partitions still open in memory and write each
   * partition straight into chunks once the load has moved past it (time-ordered input), so
   * rows are encoded once instead of being written fresh and read back. Rows are
   * acknowledged when their partition commits; past HOLD_MAX rows they go fresh instead. */
  gp_rows held;
  int64_t *held_part;             /* partition of each held row */
  size_t held_cap;
  gp_store_layout lay;
  /* Resuming (tables with a KEY): the input position before which every row is committed,
   * rejected or a duplicate, kept in meta ("ldpos/" u16 table) in the transaction of each
   * commit, so that a load run again after a kill starts there instead of re-reading and
   * deduplicating the whole file. Rows are held by partition, so the position is the start of
   * the oldest round that still has rows held. */
  const uint64_t *file_id; /* the input's identity (mapped.id, 5 words) */
  size_t round;            /* index of the round being finished */
  round_pos *rounds;       /* start of each round (and of the next) */
  size_t cap_rounds;
  open_part *open_parts; /* held partitions, with the oldest round of each */
  size_t nopen, cap_open;
  bool no_resume; /* a stop left rows out: keep the last position written */
} loader;

#define HOLD_MAX ((size_t)8 << 20) /* rows held in memory at most */

/* Records a reject of segment s: line inside the segment, its record's first byte, the 1-based
 * byte column (0: the whole row), the reason. Out of memory sets s->err instead. */
/* True when field f is a NULL: JSON null, an empty unquoted CSV field, or (CSV) one of
 * o->nullstr. The sniffer and the row conversion ask the same question. */
bool gp_load__field_null(const gp_load_opts *o, gp_format fmt, const gp_field *f);

void gp_load__reject(seg *s, size_t line, const char *rec, size_t col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Quotes field f for a message into buf (at least 48 bytes): at most 40 bytes, non-printable
 * bytes as '?'. Returns buf. */
const char *gp_load__show(const gp_field *f, char *buf);
/* Line breaks in [p, end). */
size_t gp_load__count_nl(const char *p, const char *end);

/* Clears row i's null bits in every column of r. */
void gp_load__clear_row_nulls(gp_rows *r, size_t i);
/* Parses segment s into s->rows (parallel part of a round: touches only s and reads L). */
void gp_load__parse_segment(loader *L, seg *s);
/* Drops the rows of s whose keep[i] is false, keeping order (and line numbers). */
void gp_load__drop_rows(seg *s, const bool *keep);
/* Projects the rows' lon/lat and computes their cells (parallel part of a round). */
void gp_load__locate_segment(loader *L, seg *s, const gp_grid *g);

#endif
