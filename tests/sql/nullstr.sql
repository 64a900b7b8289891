-- COPY's nullstr (DuckDB's name, repeatable): a field whose text is one of the strings, quoted
-- or not, is NULL, as an empty unquoted field always is. air_na.csv (8 records, by hand):
-- pm25 is NA on lines 3 and 5 (once quoted) and empty on line 7; temp is NA on line 4; wd is NA
-- on line 4 and '-' on lines 5 and 6; the ts of line 8 is NA, a missing time, so that row is
-- rejected. Counted by eye and with awk -F, over the file.
CREATE TABLE air (ts TIMESTAMP, station SYMBOL, pm25 DOUBLE, temp DOUBLE, wd SYMBOL) TIME ts;
COPY air FROM '@DATA@/air_na.csv' WITH (header true, nullstr 'NA', nullstr '-');
SELECT count(*) AS n, count(pm25) AS pm, count(temp) AS t, count(wd) AS w FROM air;
SELECT station, count(pm25) AS n, avg(pm25) AS mean FROM air GROUP BY station ORDER BY station;
SELECT ts, wd FROM air WHERE wd IS NULL ORDER BY ts, station;
-- without nullstr, NA in a DOUBLE column is a bad number: every such row rejected
CREATE TABLE air2 (ts TIMESTAMP, station SYMBOL, pm25 DOUBLE, temp DOUBLE, wd SYMBOL) TIME ts;
COPY air2 FROM '@DATA@/air_na.csv' WITH (header true);
COPY air2 FROM '@DATA@/air_na.csv' WITH (header true, nullstr 1);
