"""Indexer: HTML pages -> sections -> a Whoosh index. Knows nothing of Flask."""
