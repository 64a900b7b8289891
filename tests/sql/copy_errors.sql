-- COPY and rejected rows: every reject is reported and counted in the status line (row 7 of
-- events.csv, line 8, has a bad timestamp); max_errors N (PostgreSQL 18's reject_limit)
-- stops the COPY once more than N rows were rejected, committing the rows before the line of
-- the reject that went past the limit, and max_errors 0 is on_error 'stop'; reject_file
-- writes the reports (with the raw records) to a file instead of the terminal. The counts
-- are read off events.csv by eye: 8 records, 7 good, the bad one after 6 good ones.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, max_errors 1, reject_file 'rejects.txt');
SELECT count(*) AS n FROM events;
CREATE TABLE ev2 (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                  source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY ev2 FROM '@DATA@/events.csv' WITH (header true, reject_limit 1, on_error 'ignore');
CREATE TABLE ev3 (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                  source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
-- the script stops here (scripts stop at the first error); ev3 keeps the 6 rows before line 8
COPY ev3 FROM '@DATA@/events.csv' WITH (header true, max_errors 0);
