"""A report's life: its service and rules, state table, deadlines, moderation, media."""
