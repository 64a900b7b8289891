/* store_fixture.h - what the store tests share (test_store.c, test_store_values.c,
 * test_store_keep.c): fixed-seed rows of all column types, temporary stores, brute-force
 * answers to compare scans with, the query set, and the one store the ordered tests of
 * test_store.c run on (setup/teardown). Test code only: helpers fail the running CMocka test. */
#ifndef GP_STORE_FIXTURE_H
#define GP_STORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gp_grid.h"
#include "store_int.h"

#define DAY GP_USEC_PER_DAY
#define ID_OTHER INT64_C(1000000000)

enum { C_TS, C_ID, C_D2, C_DX, C_SYM, C_TXT, C_BIG, NCOLS };
enum { T_FRESH = 1, T_SEALED = 2, T_OTHER = 3, T_MIXED = 0x0100 };
extern const uint16_t k_tables[3];

extern const char *const k_texts[9];

/* Partition index -> rows generated in it (1-day partitions, two before the epoch). */
struct store_part {
  int64_t part;
  size_t rows;
};
extern const struct store_part k_parts[5];
#define NPARTS (sizeof k_parts / sizeof k_parts[0])

typedef struct fixture {
  char dir[512];
  char path[600];
  gp_store *s;
  gp_store_layout lay;
  gp_rows all;     /* the truth for T_FRESH, T_SEALED, T_MIXED: row i has id i */
  bool *late;      /* rows T_MIXED receives after its first seal */
  gp_rows other;   /* the truth for T_OTHER: row i has id ID_OTHER + i */
  uint64_t hot[5]; /* hotspot cells */
} fixture;

typedef struct idlist {
  int64_t *v;
  size_t n, cap;
} idlist;

typedef struct query {
  gp_scan_spec sp;
  gp_cell_range ranges[64];
} query;

#define NQUERIES 32

uint64_t rng_next(uint64_t *s);
uint64_t rng_below(uint64_t *s, uint64_t n);
void make_tmpdir(char *out, size_t cap, const char *tag);
gp_store *open_tmp_store(char *dir, size_t cap, const char *tag);
void rm_tree(const char *dir);
void set_layout(gp_store_layout *l);
void fill_row(fixture *f, gp_rows *r, size_t i, int64_t id, int64_t part, uint64_t *seed);
void gen_rows(fixture *f, gp_rows *r, size_t scale_div, int64_t id0, uint64_t seed);
void append_rows(gp_store *s, uint16_t table, const gp_store_layout *lay, const gp_rows *src,
                 const uint32_t *idx, size_t m, size_t batch);
bool same_cols(const gp_rows *a, size_t i, const gp_rows *b, size_t j, uint64_t mask);
bool same_row(const gp_rows *a, size_t i, const gp_rows *b, size_t j);
bool row_matches(const gp_scan_spec *sp, const gp_rows *r, size_t i);
int cmp_i64(const void *a, const void *b);
void idl_push(idlist *l, int64_t v);
idlist brute(const gp_rows *truth, const gp_scan_spec *sp, const bool *keep);
void check_summary(const gp_unit_info *u, const gp_rows *r);
idlist scan_ids(gp_store *s, uint16_t table, const gp_scan_spec *sp, const gp_rows *truth,
                int64_t id0);
void assert_same_ids(const idlist *got, const idlist *want, const char *what, int q);
void make_queries(const fixture *f, query *qs);
void check_all_queries(fixture *f, const char *when, int stride);
int setup(void **state);
int teardown(void **state);
void register_layouts(fixture *f);
void one_col_layout(gp_store_layout *l, int ncols, const gp_type *types, int time_col,
                    int series_col);

#endif
