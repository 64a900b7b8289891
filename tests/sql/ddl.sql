-- DDL, COPY (row 7 has a bad timestamp: 1 rejected, 7 loaded), SHOW, DESCRIBE, DROP.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, format csv, on_error 'skip');
-- loading again adds nothing: every id is known
COPY events FROM '@DATA@/events.csv' WITH (header true, on_error 'skip');
CREATE TABLE sensors (sensor_id SYMBOL KEY, lon DOUBLE, lat DOUBLE, metric SYMBOL,
                      warn_line DOUBLE) LOCATION (lon, lat);
SHOW TABLES;
DESCRIBE events;
DROP TABLE sensors;
DROP TABLE IF EXISTS sensors;
SHOW TABLES;
SET timezone = 'Asia/Shanghai';
SET threads = 1;
SET now = '2024-08-02 00:00';
SELECT count(*) AS n FROM events;
-- names in UTF-8, as a Chinese centre's tables have them (站点 = station, 水位 = water level)
CREATE TABLE 站点 (编码 SYMBOL KEY, 水位 DOUBLE, "更新时间" TIMESTAMP) TIME 更新时间;
DESCRIBE 站点;
SELECT 编码, 水位 FROM 站点;
DROP TABLE 站点;
CREATE TABLE "bad name" (x INT);
