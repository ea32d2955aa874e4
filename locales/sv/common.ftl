# Ord som alla sidor och e-postmeddelandet delar.

# En dag i löptext: 2 december 2026.
date-long = { $day } { $month ->
    [1] januari
    [2] februari
    [3] mars
    [4] april
    [5] maj
    [6] juni
    [7] juli
    [8] augusti
    [9] september
    [10] oktober
    [11] november
   *[12] december
} { $year }
# Klockslag, timmar och minuter: 07.30.
clock = { $hours }.{ $minutes }
# När en sida togs fram.
generated-at = den { $date } kl. { $time } UTC
# En period av dagar, båda inräknade.
period = { $from } – { $to }
definitions = Definitioner
col-unit = Enhet
col-cause = Orsak
col-tasks = Ärenden
# Tabellen med siffror under ett diagram.
chart-figures = Diagrammets siffror: { $title }
chart-week = Vecka

# Orsaker till ärenden, efter nyckel; en orsak som konfigurationen lägger till visas med sin nyckel.
cause-periodic_review = Periodisk kontroll
cause-name_changed = Ändrat namn
cause-birth_date_changed = Ändrat födelsedatum
cause-citizenship_changed = Ändrat medborgarskap
cause-emigrated = Avregistrerad som utflyttad
cause-deceased = Avregistrerad som avliden
cause-study_registration_missing = Saknar registrering på studier
cause-study_progress_insufficient = Otillräckliga studieresultat
cause-employment_ended = Anställningen har upphört
cause-income_reported = Inkomst rapporterad
cause-income-below-threshold = Inkomst under gränsbeloppet
cause-income-other-employer = Inkomst från annan arbetsgivare
cause-income_missing = Ingen inkomst rapporterad
cause-study_registration_missing_term = Inte registrerad på studier under terminen
cause-study_registered = Registrerad på studier
cause-personal_number_replaced = Nytt personnummer
cause-deregistered = Avregistrerad

# Utfall för avslutade ärenden.
outcome-no_action = Ingen åtgärd
outcome-revocation_initiated = Återkallelse inledd
outcome-referred = Överlämnat
outcome-permit_inactive = Tillståndet gäller inte längre

# Signalers status.
signal-pending = Väntande
signal-processed = Behandlade
signal-unmatched = Utan matchning

# Prioriteter.
priority-urgent = brådskande
priority-high = hög
priority-normal = normal
priority-low = låg
