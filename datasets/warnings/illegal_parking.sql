-- Illegal parking: a camera reports a car at a no-parking spot once a minute while it stands
-- there; it is reported only if it is still there after 15 minutes (Prometheus `for:`), so a
-- delivery stop of ten minutes never reaches anyone. Keyed by (plate, spot): a car that moves to
-- another spot starts again.
CREATE WARNING illegal_parking EVERY 5 m FOR 15 m AS
  SELECT plate, spot, count(*) AS detections, max(ts) AS last_seen
    FROM parking
   WHERE ts > now() - 5 m
   GROUP BY plate, spot
  MESSAGE '{plate} has been parked at {spot} for 15 minutes (last seen {last_seen})';
