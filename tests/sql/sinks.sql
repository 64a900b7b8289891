-- CREATE SINK / DROP SINK / SHOW SINKS (issue 13, Notifications): options are stored with
-- their defaults filled in (timeout 10 s, format 'generic'), intervals in seconds. Nothing is
-- delivered here (no warning writes the outbox), so the counters are 0: test_notify,
-- test_sinks and e2e/alertmanager.sh deliver for real, and test_sinks has every refusal. A
-- script stops at its first error: the last statement is one, placed on its option.
CREATE SINK console TYPE stdout;
CREATE SINK log TYPE ndjson (path 'alerts.ndjson');
CREATE SINK sms TYPE command (argv ('/usr/local/bin/sms', '--district', 'north'),
                              timeout 2500 ms);
CREATE SINK am TYPE webhook (url 'http://127.0.0.1:9093/api/v2/alerts',
                             format 'alertmanager', timeout 5 s);
CREATE SINK hook TYPE webhook (url 'https://ops.example/hook');
SHOW SINKS;
DROP SINK sms;
DROP SINK IF EXISTS sms;
SHOW SINKS;
CREATE SINK pager TYPE command (argv ('/usr/bin/pager'),
                                retries 3);
