#!/usr/bin/env python3
"""Recomputes the cell lines of tests/expected/geojson.out from data/region_events.csv alone,
as a check that does not trust gridpulse: projected positions and the inverse of cell centres
and corners from PROJ's cs2cs (EPSG:32650), cells of 2 km with cx = floor(x / 2000) written
'cx:cy' and sorted by (cx, cy), corners SW, SE, NE, NW, SW with at most 9 decimals.
usage: cd tests/sql && python3 data/geojson_verify.py data ../expected/geojson.out
(prints the lines it could not find, in order, and exits 1 when there are any)."""
import csv, math, subprocess, sys

d, expected = sys.argv[1], sys.argv[2]
ev = list(csv.DictReader(open(f"{d}/region_events.csv")))
def cs2cs(args, pts):
    out = subprocess.run(["cs2cs", "-f", "%.9f", *args], input="".join(f"{a} {b}\n" for a, b in pts),
                         capture_output=True, text=True).stdout.split("\n")
    return [tuple(map(float, l.split()[:2])) for l in out if l.strip()]
# cs2cs reads EPSG:4326 latitude first
xy = cs2cs(["EPSG:4326", "EPSG:32650"], [(e["lat"], e["lon"]) for e in ev])
cells = {}
for e, (x, y) in zip(ev, xy):
    c = (math.floor(x / 2000), math.floor(y / 2000))
    n, first = cells.get(c, (0, None))
    t = e["ts"]
    cells[c] = (n + 1, t if first is None or t < first else first)
inv = ["EPSG:32650", "+to", "+proj=longlat", "+datum=WGS84"]
def fmt(v):  # as gridpulse writes coordinates: %.9f without trailing zeros
    s = ("%.9f" % v).rstrip("0").rstrip(".")
    return "0" if s == "-0" else s
def num(v): return str(int(v)) if v == int(v) else repr(v)
want = ["c,cx,cy,n,mx,my,clon,clat"]
for (cx, cy), (n, _) in sorted(cells.items()):
    mx, my = cx * 2000 + 1000, cy * 2000 + 1000
    lon, lat = cs2cs(inv, [(mx, my)])[0]
    want.append(f"{cx}:{cy},{cx},{cy},{n},{mx},{my},{num(round(lon, 6))},{num(round(lat, 6))}")
want.append('{"type":"FeatureCollection","features":[')
for (cx, cy), (n, first) in sorted(cells.items()):
    x0, y0 = cx * 2000, cy * 2000
    ring = cs2cs(inv, [(x0, y0), (x0 + 2000, y0), (x0 + 2000, y0 + 2000), (x0, y0 + 2000), (x0, y0)])
    coords = ",".join(f"[{fmt(a)},{fmt(b)}]" for a, b in ring)
    want.append(f'{{"type":"Feature","properties":{{"c":"{cx}:{cy}","n":{n},"first":"{first}"}},'
                f'"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}')
got = [l.rstrip(",") for l in open(expected).read().split("\n")]
missing, at = [], 0
for w in want:
    try:
        at = got.index(w, at) + 1
    except ValueError:
        missing.append(w)
for m in missing: print("missing:", m)
print(f"{len(want) - len(missing)} of {len(want)} lines found")
sys.exit(1 if missing else 0)
