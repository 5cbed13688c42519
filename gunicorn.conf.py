"""gunicorn settings read from the working folder by `make run` and the test server."""
# A logger that keeps no client addresses or query strings (webapp/serverlog.py).
logger_class = "webapp.serverlog.PrivateLogger"
# gunicorn's largest request line, so the app (webapp/errors.py, 8,000 characters) answers
# over-long URLs itself, in the JSON error shape under /api/ rather than gunicorn's HTML page.
limit_request_line = 8190
# The access log's format, for `make run` and the benchmarks alike (they add --access-logfile -):
# no address and no query string, as queries may hold personal details.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
