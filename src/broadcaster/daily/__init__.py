"""The daily broadcast job (issue 12): dated templates, today's articles from
an inbox, `run-daily` (dated folder, atomic `latest`, lock, retention, run.json)
and installing the schedule (systemd, cron, Windows Task Scheduler)."""
