"""Tests of :mod:`cc_campaigns.voipbin`."""
