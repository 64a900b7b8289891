#!/usr/bin/env python3
"""Independent answers for tests/sql/regions.sql: even-odd ray casting in lon/lat over the
polygons of regions.geojson and districts.csv, haversine distances, over region_events.csv.
No point lies within 1e-4 degrees of an edge nor within 1% of a dwithin radius, so the
projection to UTM (straight edges between projected vertices) cannot change any answer."""
import csv, json, math, re

pts = [(int(r["id"]), float(r["lon"]), float(r["lat"]), r["category"])
       for r in csv.DictReader(open("region_events.csv"))]

def in_ring(x, y, ring):
    c = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            c = not c
    return c

def seg_dist(x, y, a, b):
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    t = max(0, min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - x1 - t * dx, y - y1 - t * dy)

def polys(geom):
    return [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]

def covers(pl, x, y):
    for rings in pl:
        for ring in rings:
            for a, b in zip(ring, ring[1:]):
                assert seg_dist(x, y, a, b) > 1e-4, (x, y)
    return any(in_ring(x, y, r[0]) and not any(in_ring(x, y, h) for h in r[1:]) for r in pl)

zones = [(f["id"], polys(f["geometry"])) for f in json.load(open("regions.geojson"))["features"]]
def wkt_poly(w):
    nums = [float(v) for v in re.findall(r"[-0-9.]+", w)]
    return [[list(zip(nums[0::2], nums[1::2]))]]
dists = [(r["district_id"], wkt_poly(r["wkt"])) for r in csv.DictReader(open("districts.csv"))]

print("within A:", sum(covers(zones[0][1], x, y) for _, x, y, _ in pts))
grp = {}
for _, x, y, _ in pts:
    z = next((i for i, pl in zones if covers(pl, x, y)), None)
    grp[z] = grp.get(z, 0) + 1
print("group zones:", sorted(grp.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")))
cat = {}
for _, x, y, c in pts:
    if covers(dists[0][1], x, y): cat[c] = cat.get(c, 0) + 1
print("D1 by category:", sorted(cat.items()))
lit = [[[(118.30, 33.90), (118.33, 33.90), (118.33, 33.93), (118.30, 33.93), (118.30, 33.90)]]]
print("literal:", sum(covers(lit, x, y) for _, x, y, _ in pts))
R = 6371008.771415
def hav(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(a))
for d in (1500, 2500):
    ds = [hav(x, y, 118.351, 33.921) for _, x, y, _ in pts]
    assert all(abs(v - d) > 0.01 * d for v in ds)
    print("dwithin", d, ":", sum(v <= d for v in ds))
grp = {}
for _, x, y, _ in pts:
    if covers(dists[1][1], x, y):
        z = next((i for i, pl in zones if covers(pl, x, y)), None)
        grp[z] = grp.get(z, 0) + 1
print("zones within D2:", sorted(grp.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")))
near = sorted((hav(x, y, 118.351, 33.921), i) for i, x, y, _ in pts)[:6]
assert near[5][0] - near[4][0] > 100  # no tie at the cut
print("nearest 5:", sorted((round(d / 100), i) for d, i in near[:5]))
