# Sammanställningen som en enhet får: ämnesraden och orden i båda delarna.

# Ämnesraden och rubriken: hur många nya ärenden, för vilken enhet.
digest-title = { $count ->
    [one] { $count } nytt uppföljningsärende för { $unit }
   *[other] { $count } nya uppföljningsärenden för { $unit }
}
# Det som ämnesraden lägger till inom parentes, var och en bara när det finns några.
digest-subject-urgent = { $count } brådskande
digest-subject-overdue = { $count } försenade
digest-subject-notes = { $title } ({ $notes })
# Sammanfattningen under rubriken.
digest-summary = { $date }. { $new } { $overdue }
digest-summary-none-new = Inga nya ärenden.
digest-summary-by-priority = Per prioritet: { $counts }.
digest-summary-count = { $count } { $priority }
digest-summary-overdue = { $count ->
    [0] Inget av enhetens öppna ärenden är försenat.
    [one] { $count } av enhetens öppna ärenden är försenat.
   *[other] { $count } av enhetens öppna ärenden är försenade.
}
# Rubriker för prioritetsgrupperna.
digest-group-urgent = Brådskande
digest-group-high = Prioritet: hög
digest-group-normal = Prioritet: normal
digest-group-low = Prioritet: låg
digest-group-count = { $heading } ({ $count })
digest-overdue = Försenade
digest-overdue-none = Inga: alla enhetens öppna ärenden ligger inom förfallodatum.
digest-overdue-more = och ytterligare { $count }; alla enhetens öppna ärenden visas med
digest-overdue-more-inbox = och ytterligare { $count }; alla enhetens öppna ärenden finns i inkorgen:
# Kolumnernas namn.
digest-col-task = Ärende
digest-col-permit = Tillstånd
digest-col-due = Förfallodatum
# The due-date column of the text part, which has less room.
digest-col-due-text = Förfaller
digest-col-cause = Orsak
digest-col-overdue = Försenat
digest-col-priority = Prioritet
digest-col-what = Vad och varför
# Raderna för ett ärende.
digest-task = ärende { $id }
digest-days-overdue = { $days ->
    [one] försenat { $days } dag
   *[other] försenat { $days } dagar
}
digest-days = { $days ->
    [one] { $days } dag
   *[other] { $days } dagar
}
digest-legal-basis = Rättslig grund: { $basis }
digest-priority = Prioritet: { $priority }
digest-case = Akt:
digest-open = Öppna:
# Sidfoten.
digest-period-one-day = Sammanställningen tar upp de ärenden som skapades för { $unit } den { $day } och som inte fanns med i någon tidigare sammanställning, samt enhetens försenade ärenden den { $today }.
digest-period-days = Sammanställningen tar upp de ärenden som skapades för { $unit } från och med den { $from } till och med den { $to } och som inte fanns med i någon tidigare sammanställning, samt enhetens försenade ärenden den { $today }.
digest-period-overdue-only = Sammanställningen tar upp de försenade ärendena för { $unit } den { $today }.
digest-lookup = Ett ärende kan sökas upp i ärendesystemet med tillståndets id, eller med
digest-lookup-case-text = Varje rad ”Akt:” öppnar tillståndet i ärendesystemet.
digest-lookup-case-html = Varje tillstånds id länkar till akten i ärendesystemet.
digest-close = Ett handlagt ärende avslutas med
digest-inbox-text = Öppna ett ärende i inkorgen via raden ”Öppna:” för att ta ärendet, göra en anteckning eller avsluta det med ett utfall:
digest-inbox-html = Öppna ett ärende i inkorgen (varje ärendes id är en länk) för att ta ärendet, göra en anteckning eller avsluta det med ett utfall:
digest-recipients = Sammanställningen skickas till adresserna i [units.{ $unit }] email i konfigurationen för permit-followup. Ändringar av mottagarna görs av tjänstens driftansvariga.
digest-privacy = Meddelandet innehåller endast ärende- och tillstånds-id, aldrig namn, person-id eller personnummer.
