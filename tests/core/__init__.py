"""The neutral core (transport, errors, retry, wire toolkit, id sets) and the public surface."""
