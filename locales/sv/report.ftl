# Sidan från `report --format html`: vad uppföljningen har gett under en period.

report-title = Uppföljning av beviljade tillstånd: rapport { $period }
report-subtitle = En rapport framtagen med permit-followup
report-period = Period:
report-intro = (båda dagarna inräknade). Framtagen { $generated } ur registret över ärenden, signaler och sammanställningar. Varje uppgift definieras i slutet av rapporten.
report-summary = 1. Sammanfattning per enhet
report-created = 2. Skapade ärenden per enhet, grund och orsak
report-closed = 3. Avslutade ärenden per utfall
report-days = 4. Dagar från skapande till avslut
report-signals = 5. Mottagna signaler per slag och vad som blev av dem
report-digests = 6. Skickade sammanställningar
report-weeks = 7. Vecka för vecka
report-col-created = Skapade ärenden
report-col-closed = Avslutade ärenden
report-col-open = Öppna vid periodens slut
report-col-overdue = Försenade vid periodens slut
report-col-ground = Grund
report-col-outcome = Utfall
report-col-median = Median
report-col-p90 = 90:e percentilen
report-col-kind = Slag
report-col-received = Mottagna
report-col-navet = Från Navetfiler
report-col-digests = Sammanställningar
report-all-causes = alla orsaker
report-chart-title = Skapade ärenden per vecka och öppna ärenden vid varje veckas slut
report-series-created = skapade ärenden
report-series-open = öppna vid veckans slut
report-def-task-term = Ärende
report-def-task = Ett uppföljningsärende som lämnas till en handläggare: en periodisk kontroll av ett tillstånd, eller en signal (en ändring i folkbokföringen, en rapport från ett lärosäte eller en arbetsgivare, en inkomstuppgift) som kan ha betydelse för tillståndet. Ett ärende innebär aldrig ett beslut om återkallelse.
report-def-created = Ärenden som skapats under perioden, per ansvarig enhet, tillståndets grund när ärendet skapades och orsak (periodisk kontroll eller signalens slag).
report-def-closed = Ärenden som avslutats under perioden, per utfall: återkallelse inledd (en handläggare har inlett ett ärende om återkallelse), ingen åtgärd (kontrollerat, inget att göra), överlämnat (till en annan enhet eller myndighet), tillståndet gäller inte längre (avslutat av systemet eftersom tillståndet dessförinnan återkallats, löpt ut eller återtagits).
report-def-open = Ärenden som skapats senast periodens sista dag och inte avslutats vid periodens slut.
report-def-overdue = Av dessa, de ärenden vars förfallodatum är senast periodens sista dag.
report-def-days-term = Dagar från skapande till avslut
report-def-days = För de ärenden som avslutats under perioden, antalet hela dagar från den dag ärendet skapades till den dag det avslutades. Medianen är det mittersta värdet (medelvärdet av de två mittersta vid ett jämnt antal); den 90:e percentilen är det minsta antal dagar som minst 90 % av ärendena inte översteg.
report-def-signals-term = Mottagna signaler
report-def-signals = Signaler vars fil lästes in under perioden, per slag, och den status var och en har nu: väntande (väntar på en körning eller på att personens tillstånd ska finnas), behandlade (har lett till ärenden eller underlag, eller bedömts inte kräva något), utan matchning (inget tillstånd för personen inom den konfigurerade tiden); och hur många av dem som härletts ur Navetaviseringar, Skatteverkets filer ur folkbokföringen jämförda med det som sparats om varje person.
report-def-digests-term = Skickade sammanställningar
report-def-digests = E-postmeddelanden till enheterna med deras nya ärenden som e-postservern tog emot under perioden.
report-def-week = En ISO-vecka, måndag till söndag, skriven år-Wvecka; dagarna är lokala datum i schemats tidszon.
report-yields = 8. Vad varje indikation ger
report-yields-intro = Av de ärenden som avslutats under perioden, efter vad som gav upphov till dem: hur många som fick varje utfall, med andelen av de avslutade, och medianen av dagarna från skapande till avslut; varje orsak först för alla enheter, sedan per enhet.
report-all-units = alla enheter
report-col-median-days = Median dagar till avslut
report-def-yields-term = Vad varje indikation ger
report-def-yields = För varje orsak — den periodiska kontrollen, varje slag av signal, varje förväntad uppgift som uteblev — de ärenden den gav upphov till som avslutats under perioden, hur många av dem som fick varje utfall och hur stor andel av de avslutade det är, och medianen av deras dagar från skapande till avslut (som i avsnitt 4). Varje orsak som konfigurationen känner till visas, med nollor och streck när inget av dess ärenden har avslutats; en enhet visas under en orsak när den har haft ett ärende med den orsaken som skapats eller avslutats under perioden. En orsak vars ärenden oftast avslutas utan åtgärd tar handläggarnas tid och ger lite.
report-yields-chart-title = Ärenden avslutade under perioden per utfall och orsak (alla enheter)
report-yields-note = { $closed ->
    [one] { $closed } avslutat
   *[other] { $closed } avslutade
}, median { $median } { $days ->
    [one] dag
   *[other] dagar
}
report-yields-none-closed = Inget ärende med dessa orsaker avslutades under perioden: { $causes }.
