"""gunicorn settings read from the working folder by `make run` and the test server: a logger
that keeps no client addresses or query strings (webapp/serverlog.py)."""
logger_class = "webapp.serverlog.PrivateLogger"
