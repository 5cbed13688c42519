"""gunicorn settings read from the working folder by `make run`, the benchmarks and the test
servers (command-line options override them).

The app is loaded once, before the workers are forked, so the meaning model (170 MB once
loaded) is one copy shared by every worker instead of one each. Each worker then opens the
index itself: open files and searchers must not be shared between processes.
"""
import logging
import os

# A logger that keeps no client addresses or query strings (webapp/serverlog.py).
logger_class = "webapp.serverlog.PrivateLogger"
# gunicorn's largest request line, so the app (webapp/errors.py, 8,000 characters) answers
# over-long URLs itself, in the JSON error shape under /api/ rather than gunicorn's HTML page.
limit_request_line = 8190
# The access log's format, for `make run` and the benchmarks alike (they add --access-logfile -):
# no address and no query string, as queries may hold personal details.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

preload_app = True
# read by create_app(): load the shared model now, leave the index to the workers
os.environ["SEARCH_OPEN_INDEX_AT_START"] = "false"


def post_fork(server, worker):
    """Open the index in the new worker before it takes requests, so no visitor waits for it
    (telling the master it is alive meanwhile: at 10,000 pages this takes seconds)."""
    server.app.wsgi().extensions["search"].warm_up(alive=worker.notify)


def worker_exit(server, worker):
    """End the worker without running library destructors: the meaning model's runtime was
    started in the master, and on exit it waits for a thread the forked worker never had (the
    worker hung until gunicorn's 30 s kill). Nothing is left to save: logs are flushed here, and
    every write to the databases is committed when made."""
    logging.shutdown()
    os._exit(0)
