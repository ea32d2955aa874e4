# Words every page and the mail share.

# A day in prose: 2 December 2026.
date-long = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }
# A time of day, hours and minutes: 07:30.
clock = { $hours }:{ $minutes }
# When a page was made.
generated-at = on { $date } at { $time } UTC
# A period of days, both included.
period = { $from } to { $to }
definitions = Definitions
col-unit = Unit
col-cause = Cause
col-tasks = Tasks
# The table of figures under a chart.
chart-figures = The chart's figures: { $title }
chart-week = Week

# Causes of tasks, by key; a cause a configuration adds is shown by its key.
cause-periodic_review = Periodic review
cause-name_changed = Name changed
cause-birth_date_changed = Date of birth changed
cause-citizenship_changed = Citizenship changed
cause-emigrated = Registered as emigrated
cause-deceased = Registered as deceased
cause-study_registration_missing = Not registered for studies
cause-study_progress_insufficient = Insufficient study progress
cause-employment_ended = Employment ended
cause-income_reported = Income reported
cause-income-below-threshold = Income below the threshold
cause-income-other-employer = Income from another employer
cause-income_missing = No income reported
cause-study_registration_missing_term = Not registered for studies this term
cause-study_registered = Registered for studies
cause-personal_number_replaced = Personal number replaced
cause-deregistered = Deregistered

# Outcomes of closed tasks.
outcome-no_action = No action
outcome-revocation_initiated = Revocation initiated
outcome-referred = Referred
outcome-permit_inactive = Permit no longer in force

# States of signals.
signal-pending = Pending
signal-processed = Processed
signal-unmatched = Unmatched

# Priorities.
priority-urgent = urgent
priority-high = high
priority-normal = normal
priority-low = low
