/* scan_keep.c - narrowing an open scan's keep filter.
 *
 * The planner sets a keep filter when the query names series (`sensor_id IN (...)`). Other
 * queries learn which series can matter only after the scan is open: a join on the series
 * column with a filtered small side (readings of the 400 water-level gauges among 2,000
 * sensors) is known from the units' summaries and the join's hash table. Handing that set to
 * the scan lets a decode drop the other series' rows before they are copied: in the
 * decoded-chunk cache a series is one run, so its rows are not even searched. */
#include <string.h>

#include "store_int.h"

gp_rc gp_scan_set_keep(gp_scan *sc, const gp_scan_keep *k, gp_err *err) {
  if (sc->keep.ids) return GP_OK; /* the planner's filter stays: it is what the rows must pass */
  if (k->col < 0 || k->col >= sc->layout.ncols || sc->layout.types[k->col] != GP_T_SYMBOL)
    return gp_err_set(err, GP_INVALID, "scan: the keep filter needs a SYMBOL column");
  int64_t *ids = GP_MALLOC((k->nids ? k->nids : 1) * sizeof *ids);
  if (!ids) return gp_err_set(err, GP_NOMEM, "out of memory");
  memcpy(ids, k->ids, k->nids * sizeof *ids);
  sc->keep = *k;
  sc->keep.ids = ids; /* freed by gp_scan_close, as gp_scan_open's copy */
  return GP_OK;
}
