SELECT region('halves') AS h, count(*) FROM events WHERE within(region('halves', 'west')) OR dwithin(point(118.35, 33.95), 5 km, 'sphere') GROUP BY h;
