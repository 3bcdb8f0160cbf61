"""Idempotency keys: a POST that carries an `Idempotency-Key` header is done once per key and
caller; a retry with the same key gets the first answer again (middleware.py)."""
