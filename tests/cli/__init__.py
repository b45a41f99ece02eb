"""Tests of :mod:`cc_campaigns.cli`."""
