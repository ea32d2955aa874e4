# The page of `report --format html`: what the follow-up produced in a period.

report-title = Follow-up of granted permits: report { $period }
report-subtitle = A report made by permit-followup
report-period = Period:
report-intro = (both days included). Generated { $generated } from the register of tasks, signals and digests. Every figure is defined at the end.
report-summary = 1. Summary by unit
report-created = 2. Tasks created, by unit, ground and cause
report-closed = 3. Tasks closed, by outcome
report-days = 4. Days from creation to closing
report-signals = 5. Signals received, by kind and what became of them
report-digests = 6. Digests sent
report-weeks = 7. Week by week
report-col-created = Tasks created
report-col-closed = Tasks closed
report-col-open = Open at end
report-col-overdue = Overdue at end
report-col-ground = Ground
report-col-outcome = Outcome
report-col-median = Median
report-col-p90 = 90th percentile
report-col-kind = Kind
report-col-received = Received
report-col-navet = From Navet files
report-col-digests = Digests
report-all-causes = all causes
report-chart-title = Tasks created per week, and open at each week's end
report-series-created = tasks created
report-series-open = open at week's end
report-def-task-term = Task
report-def-task = A follow-up case flagged for a caseworker: a periodic review of a permit, or a signal (a population-register change, a report from a university or an employer, an income declaration) that may bear on the permit. A task never decides a revocation.
report-def-created = Tasks created on a day of the period, by the responsible unit, the ground of the permit when the task was created, and the cause (a periodic review or the signal's kind).
report-def-closed = Tasks closed on a day of the period, by outcome: revocation initiated (a caseworker started revocation proceedings), no action (reviewed, nothing to do), referred (handed to another unit or authority), permit no longer in force (closed by the system because the permit was revoked, expired or withdrawn first).
report-def-open = Tasks created on or before the period's last day and not closed by its end.
report-def-overdue = Of those, the tasks due on or before the period's last day.
report-def-days-term = Days from creation to closing
report-def-days = For the tasks closed in the period, the whole days between the day a task was created and the day it was closed. The median is the middle value (the mean of the two middle ones for an even count); the 90th percentile is the smallest number of days that at least 90 % of the tasks did not exceed.
report-def-signals-term = Signals received
report-def-signals = Signals whose feed was imported on a day of the period, by kind, and the state each is in now: pending (waiting for a tick or for its person's permit), processed (turned into tasks or evidence, or found to ask for none), unmatched (no permit for the person within the configured window); and how many of them were derived from Navet notification files, the Tax Agency's population-register files compared with what was kept of each person.
report-def-digests-term = Digests sent
report-def-digests = Mails to units listing their new tasks that the mail server accepted during the period.
report-def-week = An ISO week, Monday to Sunday, written year-Wweek; days are local dates in the schedule's time zone.
report-yields = 8. What each indication yields
report-yields-intro = Of the tasks closed in the period, by what made them: how many ended each way, with the share of those closed, and the median days from creation to closing; each cause over all units first, then in each unit.
report-all-units = all units
report-col-median-days = Median days to close
report-def-yields-term = What each indication yields
report-def-yields = For each cause — the periodic review, each kind of signal, each expected report that did not come — the tasks it gave that were closed in the period, how many of them ended with each outcome and what share of those closed that is, and the median of their days from creation to closing (as in section 4). Every cause the configuration knows is listed, with zeros and dashes when none of its tasks was closed; a unit is listed under a cause when it had a task of that cause created or closed in the period. A cause whose tasks mostly end with no action costs caseworkers' time and yields little.
report-yields-chart-title = Tasks closed in the period by outcome, per cause (all units)
report-yields-note = { $closed } closed, median { $median } { $days ->
    [one] day
   *[other] days
}
report-yields-none-closed = No task of these causes was closed in the period: { $causes }.
