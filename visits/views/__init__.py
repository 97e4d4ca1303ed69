"""The visits pages, one module per page family: families, plans (with the risk assessment and
checklist), approvals, letters, timetable (and the calendar feed), reports (after the visit) and
exports (CSV). What a page shows beyond a query is worded in visits.presenters.

Views stay thin: who sees what comes from visits.scoping (404 for what a user can't see, 403 for
actions their role can't take on what they can see); every rule and state change is in
visits.services / visits.assessments / visits.reports.
"""
