"""The office's numbers: periods, indicators from the event log, ranking, charts, exports and
the periodic digest. Plain Python (no `telegram`): handlers/stats.py is the chat side."""
