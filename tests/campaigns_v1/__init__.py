"""Tests of the Campaigns API v1 client (8x8 Contact Center Campaigns, beta)."""
