"""Who people are to the bot: roles and invitations, limits, their own data."""
