/* fuzz_wkt - byte 0 chooses the options, the rest is either one WKT polygon (a query literal,
 * GP_REGION_WKT_ONE) or a CSV file with a header and a WKT column (GP_REGION_WKT) for
 * gp_region_layer_read. Option byte: bit 0 one WKT instead of CSV, bit 1 make_valid, bit 2 id
 * column "region_id", bit 3 WKT column "shape" (else wkt/geometry/geom), bit 4 parent column
 * "parent". See fuzz_region_util.h for the checks. */
#include "fuzz_region_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  if (n < 1) return 0;
  gp_region_opts o = {0};
  o.fmt = d[0] & 1 ? GP_REGION_WKT_ONE : GP_REGION_WKT;
  o.make_valid = d[0] & 2;
  o.id_col = d[0] & 4 ? "region_id" : NULL;
  o.geom_col = d[0] & 8 ? "shape" : NULL;
  o.parent_col = d[0] & 16 ? "parent" : NULL;
  fuzz_region_read(d + 1, n - 1, &o);
  return 0;
}
