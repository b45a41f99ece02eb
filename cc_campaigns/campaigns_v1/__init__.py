"""8x8 Contact Center Campaigns API v1 (beta): placeholder, replaced by the SDK package."""
