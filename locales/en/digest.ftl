# The digest a unit receives: its subject, both parts' words.

# The subject and the title: how many new tasks, for which unit.
digest-title = { $count ->
    [one] { $count } new follow-up task for { $unit }
   *[other] { $count } new follow-up tasks for { $unit }
}
# What the subject adds in brackets, each only when there are any.
digest-subject-urgent = { $count } urgent
digest-subject-overdue = { $count } overdue
digest-subject-notes = { $title } ({ $notes })
# The summary under the title.
digest-summary = { $date }. { $new } { $overdue }
digest-summary-none-new = No new tasks.
digest-summary-by-priority = By priority: { $counts }.
digest-summary-count = { $count } { $priority }
digest-summary-overdue = { $count ->
    [0] No open task of the unit is overdue.
    [one] { $count } open task of the unit is overdue.
   *[other] { $count } open tasks of the unit are overdue.
}
# Headings of the priority groups.
digest-group-urgent = Urgent
digest-group-high = High priority
digest-group-normal = Normal priority
digest-group-low = Low priority
digest-group-count = { $heading } ({ $count })
digest-overdue = Overdue
digest-overdue-none = None: every open task of the unit is within its due date.
digest-overdue-more = and { $count } more; every open task of the unit is listed by
digest-overdue-more-inbox = and { $count } more; every open task of the unit is in the inbox:
# Column names.
digest-col-task = Task
digest-col-permit = Permit
digest-col-due = Due
# The due-date column of the text part, which has less room.
digest-col-due-text = Due
digest-col-cause = Cause
digest-col-overdue = Overdue
digest-col-priority = Priority
digest-col-what = What and why
# A task's lines.
digest-task = task { $id }
digest-days-overdue = { $days ->
    [one] { $days } day overdue
   *[other] { $days } days overdue
}
digest-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
digest-legal-basis = Legal basis: { $basis }
digest-priority = { $priority } priority
digest-case = Case:
digest-open = Open:
# The footer.
digest-period-one-day = This digest lists the tasks created for { $unit } on { $day } that no earlier digest listed, and the unit's overdue tasks on { $today }.
digest-period-days = This digest lists the tasks created for { $unit } from { $from } to { $to } that no earlier digest listed, and the unit's overdue tasks on { $today }.
digest-period-overdue-only = This digest lists the overdue tasks of { $unit } on { $today }.
digest-lookup = Look a task up in the case system by its permit id, or with
digest-lookup-case-text = Each “Case:” line opens the permit in the case system.
digest-lookup-case-html = Each permit id links to its case in the case system.
digest-close = Close a task, once handled, with
digest-inbox-text = Open a task at its “Open:” link, in the inbox, to claim it, add a note or close it with an outcome:
digest-inbox-html = Open a task in the inbox (each task id is a link) to claim it, add a note or close it with an outcome:
digest-recipients = It goes to the addresses of [units.{ $unit }] email in permit-followup's configuration; to change who receives it, ask the service's operators to change that list.
digest-privacy = This mail lists task and permit ids only, never names, person ids or personal numbers.
