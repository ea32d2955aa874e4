# The inbox: the pages where people work on their units' tasks.

inbox-title = Follow-up inbox
inbox-signed-in-as = Signed in as { $name }
bar-label = Inbox and sign-out
bar-sign-out = Sign out
inbox-units = Your units
inbox-no-units = You hold no grant for any unit. Ask the administrator of permit-followup to give your group one.
inbox-col-open = Open
inbox-col-overdue = Overdue
inbox-tasks = Open tasks, overdue first
inbox-filter = Show
inbox-any-unit = All your units
inbox-any-cause = Every cause
inbox-any-priority = Every priority
inbox-assigned-any = Anyone or nobody
inbox-assigned-mine = Mine
inbox-assigned-none = Unassigned
inbox-none = No open task matches.
inbox-col-task = Task
inbox-col-permit = Permit
inbox-col-reason = Reason
inbox-col-due = Due
inbox-col-overdue-days = Days overdue
inbox-col-priority = Priority
inbox-col-assignee = Assigned to
inbox-nobody = Nobody
inbox-next = Next tasks
inbox-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}

task-title = Task { $id }
task-facts = The task
task-permit = Permit
task-reason = Reason
task-legal-basis = Legal basis
task-priority = Priority
task-created = Created
task-due = Due
task-overdue = Overdue by
task-state = State
task-state-open = Open
task-state-closed = Closed
task-assignee = Assigned to
task-outcome = Outcome
task-closed-by = Closed by
task-closed-at = Closed at
task-note = Note on closing
task-case = Case
task-version = Version
task-evidence = Evidence
task-no-evidence = No evidence is recorded.
task-kept-text = Your text, not saved
task-kept-text-label = What you wrote (copy it if you need it)
task-actions = What you can do
task-events = Events
evidence-occasion = Review occasion { $date }
evidence-signal = { $kind }, signal { $signal }, on { $date }
evidence-missed = No report for the period { $period } ({ $from } to { $to }): { $kind }

action-claim = Take the task
action-release = Release the task
action-assign = Assign
action-assignee = Assign to
action-assignee-help = Choose the person from the list of those who may take the task (they appear once they have signed in), or write their user id (subject).
action-note-label = Note
action-note = Add the note
action-close-legend = Close the task
action-outcome = Outcome
action-choose-outcome = Choose an outcome
action-close-note = Reason (required)
action-close = Close the task

done-claimed = You have taken the task.
done-released = The task is released.
done-assigned = The task is assigned.
done-noted = Your note is added.
done-closed = The task is closed.

refused-held = Someone else holds the task: { $holder }. See its events for when.
refused-closed = The task was closed before you sent this. See its events for who closed it and when.
refused-closed-before = The task was closed before you sent this, with the outcome "{ $outcome }". See its events for who closed it and when. Your text is kept below.
refused-forbidden = Your role does not allow this.
refused-note-required = Write a note: it is required.
refused-note-long = The note is longer than 4,000 characters.
refused-outcome = Choose an outcome.
refused-changed = The task changed since you opened it. Check it and send again; your text is kept below.

event-col-at = When (UTC)
event-col-what = What
event-col-actor = Who
event-col-detail = Detail
event-imported = Imported
event-updated = Updated
event-task_created = Task created
event-signal_attached = Signal attached
event-task_closed = Closed
event-digest_sent = In a digest
event-task_claimed = Taken
event-task_released = Released
event-task_assigned = Assigned
event-note_added = Note
event-viewed = Opened

notice-to-inbox = Back to the inbox
notice-not-found-title = Not found
notice-no-task = There is no task { $id } among your units' tasks.
notice-failed-title = Not available
notice-failed = The service cannot answer now. Try again in a moment.
notice-refused-title = Refused
notice-no-form-token = The form was not sent from this inbox, or your session has changed. Open the page again and send it from there.
notice-signed-out-title = Signed out
notice-signed-out = You are signed out.
notice-sign-in-again = Sign in again

signin-title = Sign in
signin-not-set-up = Signing in is not set up on this server. Tell the administrator of permit-followup.
signin-failed = Signing in did not succeed. Try again; if it fails again, tell the administrator of permit-followup.
signin-expired = This sign-in has already been used or took too long. Sign in again.
signin-try-again = Sign in again

# An event's sentence on a task's page, said again from its recorded parts.
said-created = { $cause } { $from }, unit { $unit }, due { $due }
said-occasion = for the review occasion { $occasion }
said-signal = from signal { $signal }
said-signal-navet = from signal { $signal } (Navet file { $file }, record { $record })
said-missed = for the covered periods without a report “{ $kind }”: { $periods }
said-attached = Evidence added { $from }
said-closed = Closed with the outcome “{ $outcome }”
said-closed-note = Closed with the outcome “{ $outcome }”. Note: { $note }
said-claimed = Took the task
said-assigned = Gave the task to { $to }
said-released = Gave the task back
said-released-from = Took the task back from { $from }
said-opened = Opened the task
said-sent = In the digest to { $unit } (message { $message })

# A signal's data, field by field.
data-employer_org_no = Employer's organisation number
data-amount_sek = Amount
data-kronor = { $name }: SEK { $amount }
data-period = Period
data-new_citizenship = New citizenship
data-destination = Country emigrated to
data-institution = Institution
data-term = Term
data-new_personal_number = New personal number
data-navet_file = Navet file
data-navet_record = Record
data-protected_identity = Protected identity
data-yes = yes
data-no = no
data-linked = linked to the permits
