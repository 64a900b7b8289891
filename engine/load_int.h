/* load_int.h - shared inside engine/ by the loader (load.c) and its schema sniffing
 * (load_schema.c). Not a public header. */
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

#endif
