"""Tests of :mod:`cc_campaigns.testing`."""
