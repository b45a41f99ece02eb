"""Tests of :mod:`cc_campaigns.bulk`."""
