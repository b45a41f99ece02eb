"""Benchmarks of the bulk engine against a raw aiohttp + orjson baseline (``make bench``)."""
