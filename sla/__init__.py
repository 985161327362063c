"""SLA: the working-time calendar, policies, stored deadlines (and later the sweep)."""
