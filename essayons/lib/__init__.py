"""Framework-light helpers shared by every app."""
