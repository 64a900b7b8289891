SELECT count(*) FROM events WHERE ts > (SELECT max(ts) FROM events) - 2 d AND category NOT IN (SELECT category FROM events WHERE handle_hours > 49);
