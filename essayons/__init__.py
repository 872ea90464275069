"""Essayons: very small businesses on social media, prepared, within the hours they have."""
