/* gp_text.h - text input: CSV records and NDJSON objects split into fields, value parsers,
 * UTF-8 validation and column type sniffing. Used by the loader (gp_load) and by COPY.
 *
 * These are the hot path of ingest: splitters return slices into the caller's bytes (no copy)
 * unless a field must be unescaped, in which case the unescaped text goes into a scratch
 * buffer the caller owns and reuses. */
#ifndef GP_TEXT_H
#define GP_TEXT_H

#include "gp_base.h"

/* A field: a slice of bytes. Borrowed: points into the input or into the caller's scratch. */
typedef struct gp_field {
  const char *p;
  uint32_t len;
  bool quoted;  /* CSV: was quoted (so "" is an empty string, not NULL); NDJSON: was a string */
  bool null;    /* NDJSON: JSON null or key absent */
} gp_field;

/* ---- CSV (RFC 4180: delimiter, "quoted ""fields"" with newlines", \n or \r\n) ---- */

/* Finds the end of the record starting at p, [p, end) being the whole rest of the input:
 * returns the first byte after its line break (or `end` for a last record without one). A line
 * break inside quotes does not end the record, but a quoted field that would run past a line
 * break without closing properly (no closing quote, or one followed by text) was unterminated:
 * the record then ends at the line break after the opening quote, so that one bad quote costs
 * one record (gp_csv_split reports it). Never NULL. The loader cuts its segments with this
 * same function, so segments and records always agree. */
const char *gp_csv_record_end(const char *p, const char *end, char delim);

/* Splits the record [p, end) (line break excluded or included, both accepted) into at most
 * max_fields fields. Quoted fields with "" escapes are unescaped into scratch (which may be
 * reallocated: slices taken from it stay valid until the next call resets it; the caller
 * calls scratch->len = 0 between records). Returns the number of fields found (which may be
 * more than max_fields: extra fields are counted but not stored), or -1 on malformed input
 * (a stray quote inside an unquoted field, text after a closing quote), with *why set to a
 * static reason and *col to the 1-based byte column of the problem. */
int gp_csv_split(const char *p, const char *end, char delim, gp_field *fields, int max_fields,
                 gp_buf *scratch, const char **why, size_t *col);

/* ---- NDJSON (one flat JSON object per line) ---- */

/* Splits one JSON object into the values of the given keys: fields[i] receives the value of
 * keys[i] (null = true when absent or JSON null). Strings are unescaped (\" \\ \/ \b \f \n \r
 * \t \uXXXX including surrogate pairs, to UTF-8) into scratch when they contain escapes;
 * numbers, true/false are returned as their text; nested objects/arrays as their raw text.
 * Unknown keys are ignored. Returns 0, or -1 on malformed JSON with *why and *col (1-based
 * byte column) set. */
int gp_ndjson_split(const char *p, size_t n, const char *const *keys, int nkeys, gp_field *fields,
                    gp_buf *scratch, const char **why, size_t *col);

/* Lists the keys of one JSON object in order of appearance (for sniffing a schema from the
 * first lines). Keys are unescaped into scratch when needed. Returns the count (at most max)
 * or -1 on malformed JSON. */
int gp_ndjson_keys(const char *p, size_t n, gp_field *keys, int max, gp_buf *scratch,
                   const char **why, size_t *col);

/* ---- values ---- */

/* Exact parsers: the whole slice must be the value (no spaces). */
bool gp_parse_int64(const char *s, size_t n, int64_t *out);   /* [+-]digits, overflow = false */
/* [+-]digits[.digits][e[+-]digits], plus nan/inf/infinity (any case). Correctly rounded, the
 * same double strtod gives, with a fast path for short decimals (the common case). */
bool gp_parse_double(const char *s, size_t n, double *out);
bool gp_parse_bool(const char *s, size_t n, bool *out); /* true/false/t/f/1/0/yes/no */
bool gp_utf8_valid(const char *s, size_t n);            /* rejects overlongs and surrogates */

/* ---- sniffing ---- */

/* Decides a column's type from sample values (empty / null values are ignored): INT,
 * DOUBLE or TIMESTAMP when all but a small minority (at most 1% of the non-empty samples, none
 * below 100 samples) parse as int64, doubles or ISO timestamps (gp_ts_parse), in that order;
 * otherwise SYMBOL when the values repeat (distinct count at most half the samples, or at most
 * 64 distinct among many samples) and are short (< 64 bytes), else TEXT. No non-empty samples:
 * TEXT. quoted_numbers: quoted values may be numbers (CSV, unless zero-padded like "02134");
 * false for JSON strings. *misfits (may be NULL) receives how many non-empty samples do not
 * fit the type returned (always 0 for SYMBOL and TEXT): the rows a load will reject. */
gp_type gp_sniff_type(const gp_field *samples, size_t n, bool quoted_numbers, size_t *misfits);

#endif
