#!/usr/bin/env python3
"""Recomputes tests/expected/design.out from the CSV files alone, as a check that does not
trust gridpulse: cells from PROJ's cs2cs (EPSG:4326 -> EPSG:32650; cell(1 km) is written
'cx:cy', cx = floor(x / 1000), and sorts by (cx, cy)), buckets, windows and least squares by hand.
usage: cd tests/sql && python3 data/design_verify.py data | diff - ../expected/design.out (lines that echo
the loader's messages are not recomputed: the script prints them as they must read)."""
import csv, datetime as dt, math, statistics, subprocess, sys

d = sys.argv[1]
ev = []
for r in csv.DictReader(open(f"{d}/design_events.csv")):
    try:
        t = dt.datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        continue
    ev.append(dict(r, t=t))
# cs2cs reads EPSG:4326 in its axis order: latitude first
pts = "".join(f"{e['lat']} {e['lon']}\n" for e in ev)
xy = subprocess.run(["cs2cs", "-f", "%.6f", "EPSG:4326", "EPSG:32650"], input=pts,
                    capture_output=True, text=True).stdout.split("\n")
class Cell(tuple):  # (cx, cy): orders as gridpulse's cells do, prints as they are written
    def __str__(self): return f"{self[0]}:{self[1]}"
for e, line in zip(ev, xy):
    x, y = map(float, line.split()[:2])
    e["cx"], e["cy"] = math.floor(x / 1000), math.floor(y / 1000)
    e["cell1k"] = Cell((e["cx"], e["cy"]))

def ts(t): return t.strftime("%Y-%m-%d %H:%M:%S")
def num(v):
    if v is None: return ""
    if isinstance(v, int) or v == int(v) and abs(v) < 1e15: return str(int(v))
    return repr(v)
def day(t): return dt.datetime(t.year, t.month, t.day)
EPOCH = dt.datetime(1970, 1, 1)
def week(t): return EPOCH + dt.timedelta(days=(t - EPOCH).days // 7 * 7)
aug0, aug1 = dt.datetime(2024, 8, 1), dt.datetime(2024, 9, 1)
out = ["CREATE TABLE", f"{d}/design_events.csv:39:4: column 'ts': bad timestamp \"not a time\"",
       f"COPY {len(ev)} rows (1 rejected, 0 duplicates)", "day,count"]
cnt = {}
for e in ev:
    if aug0 <= e["t"] < aug1: cnt[day(e["t"])] = cnt.get(day(e["t"]), 0) + 1
out += [f"{ts(k)},{v}" for k, v in sorted(cnt.items())]
out.append("c,day,n")
cnt = {}
for e in ev:
    if e["category"] == "c003" and aug0 <= e["t"] < aug1:
        k = (e["cell1k"], day(e["t"]))
        cnt[k] = cnt.get(k, 0) + 1
out += [f"{c},{ts(t)},{v}" for (c, t), v in sorted(cnt.items())]
out.append("cx,cy,n")
cnt = {}
for e in ev:
    if e["category"] == "c003" and aug0 <= e["t"] < aug1:
        cnt[(e["cx"], e["cy"])] = cnt.get((e["cx"], e["cy"]), 0) + 1
out += [f"{x},{y},{v}" for (x, y), v in sorted(cnt.items())]
out += ["CREATE TABLE", "COPY 3 rows (0 rejected, 0 duplicates)", "CREATE TABLE",
        "COPY 10 rows (0 rejected, 0 duplicates)", "sensor_id,v,per_hour,in_6h"]
rd = {}
for r in csv.DictReader(open(f"{d}/design_readings.csv")):
    t = dt.datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%SZ")
    if t > dt.datetime(2024, 6, 30): rd.setdefault(r["sensor_id"], []).append((t, float(r["value"])))
for s in sorted(rd):
    v = sorted(rd[s])
    t1 = v[-1][0]
    if len(v) < 2:
        out.append(f"{s},{num(v[-1][1])},,")
        continue
    xs = [(t - t1).total_seconds() / 3600 for t, _ in v]
    ys = [y for _, y in v]
    xm, ym = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - xm) * (y - ym) for x, y in zip(xs, ys)) / sum((x - xm) ** 2 for x in xs)
    a = ym - b * xm
    out.append(f"{s},{num(v[-1][1])},{num(round(b, 12))},{num(round(a + 6 * b, 12))}")
wk = {}
for e in ev:
    if e["category"] == "c000":
        k = (e["cell1k"], e["cx"], week(e["t"]))
        wk[k] = wk.get(k, 0) + 1
rows = []
for (c, cx, w), n in sorted(wk.items()):
    prev = [m for (c2, _, w2), m in sorted(wk.items()) if c2 == c and w2 < w][-8:]
    mu = sum(prev) / len(prev) if prev else None
    sd = statistics.stdev(prev) if len(prev) >= 2 else None
    rows.append((c, cx, w, n, mu, sd))
out.append("g,wk,n")
out += [f"{c},{ts(w)},{n}" for c, _, w, n, mu, sd in rows
        if mu is not None and sd is not None and n > mu + 3 * sd]
out.append("cx,wk,n,mu,sd")
out += [f"{cx},{ts(w)},{n},{num(mu)},{num(round(sd, 6)) if sd is not None else ''}"
        for _, cx, w, n, mu, sd in rows]
out.append("ts,forecast,lo,hi")
v = rd["wl-0001"]  # readings after 06-30 00:00, hourly
xs = list(range(len(v)))
ys = [y for _, y in sorted(v)]
xm, ym = sum(xs) / len(xs), sum(ys) / len(ys)
b = sum((x - xm) * (y - ym) for x, y in zip(xs, ys)) / sum((x - xm) ** 2 for x in xs)
for k in (1, 2):
    p = ym + b * (len(v) - 1 + k - xm)
    out.append(f"{ts(sorted(v)[-1][0] + dt.timedelta(hours=k))},{num(p)},{num(p)},{num(p)}")
out += ["SET", "sensor_id,warn_line,level"]
sen = {r["sensor_id"]: r for r in csv.DictReader(open(f"{d}/design_sensors.csv"))}
now = dt.datetime(2024, 6, 30, 3, 30)
for s in sorted(rd):
    if sen[s]["metric"] != "water_level": continue
    v = [p for p in sorted(rd[s]) if p[0] > now - dt.timedelta(hours=1)]
    if v and v[-1][1] > float(sen[s]["warn_line"]):
        out.append(f"{s},{num(float(sen[s]['warn_line']))},{num(v[-1][1])}")
out.append("exit 0")
print("\n".join(out))
