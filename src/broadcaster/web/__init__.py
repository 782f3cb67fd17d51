"""`broadcaster serve`: the web application for village staff (pages in Simplified Chinese).

`app.create_app` makes it, `serve.serve` runs it with waitress, jobs run in
child processes through `runner.JobRunner`. See ARCHITECTURE.md, "Web".
"""
