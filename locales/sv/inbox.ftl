# Inkorgen: sidorna där handläggare och chefer arbetar med sina enheters uppgifter.

inbox-title = Inkorg för uppföljning
inbox-signed-in-as = Inloggad som { $name }
bar-label = Inkorg och utloggning
bar-sign-out = Logga ut
inbox-units = Dina enheter
inbox-no-units = Du har inte behörighet till någon enhet. Be den som administrerar permit-followup att ge din grupp behörighet.
inbox-col-open = Öppna
inbox-col-overdue = Försenade
inbox-tasks = Öppna uppgifter, försenade först
inbox-filter = Visa
inbox-any-unit = Alla dina enheter
inbox-any-cause = Alla orsaker
inbox-any-priority = Alla prioriteter
inbox-assigned-any = Tilldelade eller inte
inbox-assigned-mine = Mina
inbox-assigned-none = Ej tilldelade
inbox-none = Ingen öppen uppgift stämmer med urvalet.
inbox-col-task = Uppgift
inbox-col-permit = Tillstånd
inbox-col-reason = Skäl
inbox-col-due = Senast
inbox-col-overdue-days = Dagar försenad
inbox-col-priority = Prioritet
inbox-col-assignee = Tilldelad
inbox-nobody = Ingen
inbox-next = Nästa uppgifter
inbox-days = { $days ->
    [one] { $days } dag
   *[other] { $days } dagar
}

task-title = Uppgift { $id }
task-facts = Uppgiften
task-permit = Tillstånd
task-reason = Skäl
task-legal-basis = Rättslig grund
task-priority = Prioritet
task-created = Skapad
task-due = Ska vara klar
task-overdue = Försenad med
task-state = Status
task-state-open = Öppen
task-state-closed = Avslutad
task-assignee = Tilldelad
task-outcome = Utfall
task-closed-by = Avslutad av
task-closed-at = Avslutad
task-note = Anteckning vid avslut
task-case = Ärende
task-version = Version
task-evidence = Underlag
task-no-evidence = Inget underlag finns registrerat.
task-kept-text = Din text, inte sparad
task-kept-text-label = Det du skrev (kopiera det om du behöver det)
task-actions = Det här kan du göra
task-events = Händelser
evidence-occasion = Uppföljningstillfälle { $date }
evidence-signal = { $kind }, signal { $signal }, den { $date }
evidence-missed = Uppgift saknas för perioden { $period } ({ $from }–{ $to }): { $kind }

action-claim = Ta uppgiften
action-release = Lämna tillbaka uppgiften
action-assign = Tilldela
action-assignee = Tilldela till
action-assignee-help = Välj personen i listan över dem som får ta uppgiften (de finns med när de har loggat in en gång), eller skriv personens användar-id (subject).
action-note-label = Anteckning
action-note = Lägg till anteckningen
action-close-legend = Avsluta uppgiften
action-outcome = Utfall
action-choose-outcome = Välj utfall
action-close-note = Motivering (obligatorisk)
action-close = Avsluta uppgiften

done-claimed = Du har tagit uppgiften.
done-released = Uppgiften är tillbakalämnad.
done-assigned = Uppgiften är tilldelad.
done-noted = Din anteckning är tillagd.
done-closed = Uppgiften är avslutad.

refused-held = Någon annan har redan uppgiften: { $holder }. Se händelserna för när.
refused-closed = Uppgiften avslutades innan du skickade detta. Se händelserna för vem som avslutade den och när.
refused-closed-before = Uppgiften avslutades innan du skickade detta, med utfallet "{ $outcome }". Se händelserna för vem som avslutade den och när. Din text finns kvar nedan.
refused-forbidden = Din roll ger inte behörighet till detta.
refused-note-required = Skriv en anteckning. Den är obligatorisk.
refused-note-long = Anteckningen är längre än 4 000 tecken.
refused-outcome = Välj ett utfall.
refused-changed = Uppgiften har ändrats sedan du öppnade den. Kontrollera den och skicka igen. Din text finns kvar nedan.

event-col-at = När (UTC)
event-col-what = Vad
event-col-actor = Vem
event-col-detail = Detaljer
event-imported = Inläst
event-updated = Uppdaterad
event-task_created = Uppgift skapad
event-signal_attached = Signal kopplad
event-task_closed = Avslutad
event-digest_sent = I en sammanställning
event-task_claimed = Tagen
event-task_released = Tillbakalämnad
event-task_assigned = Tilldelad
event-note_added = Anteckning
event-viewed = Öppnad

notice-to-inbox = Tillbaka till inkorgen
notice-not-found-title = Hittades inte
notice-no-task = Det finns ingen uppgift { $id } bland dina enheters uppgifter.
notice-failed-title = Inte tillgänglig
notice-failed = Tjänsten kan inte svara just nu. Försök igen om en stund.
notice-refused-title = Nekad
notice-no-form-token = Formuläret skickades inte från den här inkorgen, eller så har din session ändrats. Öppna sidan igen och skicka därifrån.
notice-signed-out-title = Utloggad
notice-signed-out = Du är utloggad.
notice-sign-in-again = Logga in igen

signin-title = Logga in
signin-not-set-up = Inloggning är inte konfigurerad på den här servern. Kontakta den som administrerar permit-followup.
signin-failed = Inloggningen lyckades inte. Försök igen. Om det inte fungerar, kontakta den som administrerar permit-followup.
signin-expired = Den här inloggningen har redan använts eller tog för lång tid. Logga in igen.
signin-try-again = Logga in igen

# En händelses mening på en uppgifts sida, återgiven från de delar som registrerades.
said-created = { $cause } { $from }, enhet { $unit }, ska vara klar { $due }
said-occasion = för uppföljningstillfället { $occasion }
said-signal = utifrån signal { $signal }
said-signal-navet = utifrån signal { $signal } (Navet-fil { $file }, post { $record })
said-missed = för täckta perioder utan rapport om ”{ $kind }”: { $periods }
said-attached = Underlag tillagt { $from }
said-closed = Avslutad med utfallet ”{ $outcome }”
said-closed-note = Avslutad med utfallet ”{ $outcome }”. Anteckning: { $note }
said-claimed = Tog uppgiften
said-assigned = Tilldelade uppgiften till { $to }
said-released = Lämnade tillbaka uppgiften
said-released-from = Tog tillbaka uppgiften från { $from }
said-opened = Öppnade uppgiften
said-sent = I sammanställningen till { $unit } (meddelande { $message })

# En signals uppgifter, fält för fält.
data-employer_org_no = Arbetsgivarens organisationsnummer
data-amount_sek = Belopp
data-kronor = { $name }: { $amount } kr
data-period = Period
data-new_citizenship = Nytt medborgarskap
data-destination = Utflyttningsland
data-institution = Lärosäte
data-term = Termin
data-new_personal_number = Nytt personnummer
data-navet_file = Navet-fil
data-navet_record = Post
data-protected_identity = Skyddad identitet
data-yes = ja
data-no = nej
data-linked = kopplat till tillstånden
