"""The staff console: sign-in, the queue, the complaint page and its actions."""
