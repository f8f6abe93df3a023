"""Getting messages to people: the outbox, what each person is told, audiences, quiet hours."""
