-- Overdue tickets escalated by lateness: a ticket still open past its deadline (ts + SLA) goes to
-- its handler, past twice its SLA to the head of its unit, past three times to the leader.
-- closed_at is when the ticket was closed (empty while open): at a slot t a ticket closed after t
-- was still open at t, so a replay of last month sees each ticket as it stood then.
CREATE WARNING overdue_tickets EVERY 1 h BY (id) AS
  SELECT id, unit, category, ts + sla_hours * 1 h AS deadline,
         (now() - ts) / (sla_hours * 1 h) AS lateness
    FROM tickets
   WHERE ts > now() - 30 d AND ts + sla_hours * 1 h < now()
     AND (closed_at IS NULL OR closed_at > now())
  LEVELS (handler WHEN lateness > 1, unit_head WHEN lateness > 2, leader WHEN lateness > 3)
  MESSAGE 'ticket {id} ({category}, unit {unit}) is overdue since {deadline}';
