"""Tests of the 8x8 Contact Center Campaigns API v1 (beta) support."""
