"""The office's notices to villagers."""
