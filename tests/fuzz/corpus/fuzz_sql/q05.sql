SELECT id, distance FROM nearest(events, point(118.3, 33.9), 5) ORDER BY distance;
