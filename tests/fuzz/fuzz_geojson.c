/* fuzz_geojson - byte 0 chooses the options, the rest is GeoJSON text (a FeatureCollection, a
 * Feature or a bare Polygon/MultiPolygon) for gp_region_layer_read. Option byte: bit 0
 * make_valid, bit 1 id from property "name", bit 2 parent from property "parent", bit 3 format
 * auto-detected instead of GP_REGION_GEOJSON. See fuzz_region_util.h for the checks. */
#include "fuzz_region_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  if (n < 1) return 0;
  gp_region_opts o = {0};
  o.make_valid = d[0] & 1;
  o.id_col = d[0] & 2 ? "name" : NULL;
  o.parent_col = d[0] & 4 ? "parent" : NULL;
  o.fmt = d[0] & 8 ? GP_REGION_AUTO : GP_REGION_GEOJSON;
  fuzz_region_read(d + 1, n - 1, &o);
  return 0;
}
