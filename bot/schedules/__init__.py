"""Cleanup days, inspections and deadlines that repeat."""
