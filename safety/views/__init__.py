"""The safety pages, one module per page family: checkin (the phone check-in page, the office's phone
recording, staff's visits of the day), escalation (the panel's page), board (who is out now, and the
monitoring status), police (the police pack), alarms (saying what resolved alarms were) and concerns (safeguarding
concerns). What a page shows
beyond a query is worded in safety.presenters.

Views stay thin: who may see what comes from visits.scoping, accounts.permissions and
safety.checkins.may_record_for; every rule is checked by the service functions (safety.checkins,
safety.escalations), whose errors are shown on the form.
"""
