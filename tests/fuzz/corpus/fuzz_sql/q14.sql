SELECT 1 + 2 * 3, 'a' || 'b', INTERVAL '1 day', now() - 1 h, CAST('2024-06-01' AS TIMESTAMP), greatest(1, 2), least(3, 4), abs(-2), sqrt(2), ln(2), exp(1), power(2, 10);
