"""Storage backends for memories."""
