"""SLA: the working-time calendar, policies, stored deadlines, the escalation sweep, scheduler.

Nothing is imported here: :mod:`complaints.workflow` imports ``sla.deadlines``
while the sweep imports the workflow, so this package's own import stays empty.
Its CLI joins the app in :mod:`complaints.app`, its jobs in :mod:`complaints.jobs`.
"""
