-- Functions of the registry (query/func.c, query/func_time.c) with PostgreSQL's semantics.
-- The answers were computed apart from gridpulse: truncations with sqlite3's date modifiers
-- ('start of month', 'start of year'; the ISO Monday as 'weekday 1' then '-7 days', on a Monday
-- itself 'weekday 1' alone; strftime('%H', ..) for hours), ISO weeks, ISO years, weekdays and days of the year with
-- Python's datetime (isocalendar(), timetuple().tm_yday), Asia/Shanghai as UTC+8 (no DST since
-- 1991). The tickets are those of values.sql (rows 4 and 5 are refused by the loader).
CREATE TABLE tickets (id INT KEY, ts TIMESTAMP, sla_hours INT, v DOUBLE) TIME ts;
COPY tickets FROM '@DATA@/values.csv' WITH (header true);
-- every unit of date_trunc on one instant; centuries start in 2001 as PostgreSQL's do
SELECT date_trunc('microseconds', TIMESTAMP '2024-08-07 15:42:17.123456') AS us,
       date_trunc('milliseconds', TIMESTAMP '2024-08-07 15:42:17.123456') AS ms,
       date_trunc('second', TIMESTAMP '2024-08-07 15:42:17.123456') AS s,
       date_trunc('minute', TIMESTAMP '2024-08-07 15:42:17') AS mi,
       date_trunc('HOUR', TIMESTAMP '2024-08-07 15:42:17') AS h,
       date_trunc('day', TIMESTAMP '2024-08-07 15:42:17') AS d;
SELECT date_trunc('week', TIMESTAMP '2024-08-07 15:42:17') AS w,
       date_trunc('week', TIMESTAMP '2024-08-05 00:00:00') AS w_monday,
       date_trunc('week', TIMESTAMP '2024-08-11 23:59:59') AS w_sunday,
       date_trunc('month', TIMESTAMP '2024-08-07 15:42:17') AS mo,
       date_trunc('quarter', TIMESTAMP '2024-08-07 15:42:17') AS q,
       date_trunc('year', TIMESTAMP '2024-08-07 15:42:17') AS y,
       date_trunc('decade', TIMESTAMP '2024-08-07') AS dec,
       date_trunc('century', TIMESTAMP '2024-08-07') AS c,
       date_trunc('millennium', TIMESTAMP '2024-08-07') AS mil;
-- the zone argument: local midnight in Shanghai is 16:00 UTC the day before; NULL in, NULL out
SELECT date_trunc('day', TIMESTAMP '2024-08-07 15:42:17', 'Asia/Shanghai') AS d_sh,
       date_trunc('day', TIMESTAMP '2024-08-07 16:00:00', 'Asia/Shanghai') AS d_sh2,
       date_trunc('month', TIMESTAMP '2024-07-31 16:30:00', 'Asia/Shanghai') AS mo_sh,
       date_trunc('day', NULL) AS n1, date_trunc(NULL, TIMESTAMP '2024-08-07') AS n2;
-- date_part: ISO weeks at the turn of the year (2024-12-30 is in week 1 of 2025, 2021-01-03
-- in week 53 of 2020), Sunday is dow 0 and isodow 7, seconds keep their fraction
SELECT date_part('week', TIMESTAMP '2024-12-30') AS w, date_part('isoyear', TIMESTAMP '2024-12-30') AS iy,
       date_part('week', TIMESTAMP '2021-01-03') AS w53, date_part('dow', TIMESTAMP '2024-08-11') AS dow,
       date_part('isodow', TIMESTAMP '2024-08-11') AS isodow, date_part('doy', TIMESTAMP '2024-12-31') AS doy,
       date_part('second', TIMESTAMP '2024-08-07 15:42:17.25') AS s,
       date_part('milliseconds', TIMESTAMP '2024-08-07 15:42:17.25') AS ms,
       date_part('epoch', TIMESTAMP '1970-01-02') AS e;
SELECT date_part('year', TIMESTAMP '2024-08-07') AS y, date_part('quarter', TIMESTAMP '2024-08-07') AS q,
       date_part('month', TIMESTAMP '2024-08-07') AS mo, date_part('day', TIMESTAMP '2024-08-07') AS d,
       date_part('hour', TIMESTAMP '2024-08-07 15:42:17') AS h,
       date_part('minute', TIMESTAMP '2024-08-07 15:42:17') AS mi,
       date_part('century', TIMESTAMP '2000-12-31') AS c, date_part('decade', TIMESTAMP '2024-08-07') AS dec;
-- per row, and as GROUP BY keys
SELECT id, date_trunc('hour', ts + sla_hours * 1 h) AS due_h, date_trunc('week', ts) AS wk,
       date_part('doy', ts) AS doy, date_part('isodow', ts) AS isodow FROM tickets ORDER BY id;
SELECT date_trunc('day', ts) AS d, count(*) AS n FROM tickets GROUP BY d ORDER BY d;
-- the session's zone is the default zone: in Shanghai 2024-08-01 23:59:59 UTC is 08-02 07:59
SET timezone = 'Asia/Shanghai';
SELECT id, date_part('day', ts) AS d, date_part('hour', ts) AS h FROM tickets ORDER BY id;
SET timezone = 'UTC';
-- an unknown unit is PostgreSQL's error at the argument (a script stops at its first error)
SELECT date_trunc('fortnight', ts) FROM tickets;
