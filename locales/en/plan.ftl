# The page of `plan --format html`: the forecast of periodic reviews.

plan-title = Follow-up workload forecast { $period }
plan-subtitle = A forecast made by permit-followup
plan-intro = Generated { $generated } for the period { $period } (ISO weeks { $weeks }). Each week shows the periodic review tasks that daily ticks would create for the unit, and the reviews still waiting for capacity at the week's end.
plan-figures = Figures:
plan-figures-exact = exact: daily ticks with no signals arriving.
plan-figures-estimate = an estimate: every week reserves each unit's average weekly signal tasks of { $weeks ->
    [one] the week
   *[other] the { $weeks } weeks
} { $period }.
plan-compared-with = Compared with the proposed configuration
plan-compared-how = Lighter bars and dashed lines show the proposal.
plan-summary = Summary
plan-col-capacity = Weekly capacity
plan-col-tasks = Tasks created
plan-col-peak = Peak backlog
plan-col-stops = Backlog stops growing
plan-col-proposed-capacity = Proposed: weekly capacity
plan-col-proposed-tasks = Proposed: tasks created
plan-col-proposed-peak = Proposed: peak backlog
plan-col-proposed-stops = Proposed: backlog stops growing
plan-unlimited = unlimited
plan-no-backlog = no backlog
plan-never = never
plan-unit-nothing-due = No periodic reviews fall due for this unit in the period.
plan-unit-no-backlog = No backlog: every review that falls due fits the unit's weekly capacity.
plan-chart-created = Periodic review tasks created per week
plan-chart-backlog = Backlog: reviews waiting for capacity at the week's end
plan-series-created = created
plan-series-backlog = backlog
plan-series-proposed-created = proposed: created
plan-series-proposed-backlog = proposed: backlog
plan-limit-capacity = weekly capacity
plan-limit-proposed-capacity = proposed capacity
plan-backlog = Backlog
plan-def-tasks = Periodic review tasks a daily tick would create for the unit in the week: one for each permit whose review falls due, within the unit's weekly capacity (signal tasks are not forecast; with an estimate, each week first reserves the unit's average weekly signal tasks).
plan-def-backlog = Reviews that are due but were deferred because the unit's weekly capacity was used up, as counted after the week's last tick. They are taken up in later weeks, oldest first.
plan-def-peak = The largest backlog at any week's end in the period.
plan-def-stops = The first week from which the backlog never rises again in the period; “never” when it is still rising in the last week.
plan-def-week = An ISO week, Monday to Sunday in the schedule's time zone, written year-Wweek.
