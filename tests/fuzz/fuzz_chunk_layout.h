/* fuzz_chunk_layout.h - the table layout of fuzz_chunk, shared with make_seeds so that the
 * committed seeds are chunks and summaries of the very table the fuzzer decodes. */
#ifndef GP_FUZZ_CHUNK_LAYOUT_H
#define GP_FUZZ_CHUNK_LAYOUT_H

#include "store_int.h"

static const gp_store_layout k_layout = {
    .ncols = 5,
    .types = {GP_T_TIMESTAMP, GP_T_DOUBLE, GP_T_INT, GP_T_SYMBOL, GP_T_TEXT},
    .time_col = 0,
    .series_col = 3, /* the SYMBOL column: summaries carry series tails */
    .partition_us = GP_USEC_PER_DAY,
};

#endif
