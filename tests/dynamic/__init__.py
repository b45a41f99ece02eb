"""Tests of :mod:`cc_campaigns.dynamic`."""
