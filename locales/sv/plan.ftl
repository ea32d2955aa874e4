# Sidan från `plan --format html`: prognosen över periodiska kontroller.

plan-title = Prognos över uppföljningsärenden { $period }
plan-subtitle = En prognos framtagen med permit-followup
plan-intro = Framtagen { $generated } för perioden { $period } (ISO-veckorna { $weeks }). Varje vecka visar de ärenden om periodisk kontroll som de dagliga körningarna skulle skapa för enheten, och de kontroller som vid veckans slut fortfarande väntar på ledig kapacitet.
plan-figures = Siffrorna:
plan-figures-exact = exakta: dagliga körningar utan att några signaler kommer in.
plan-figures-estimate = en uppskattning: varje vecka reserveras enhetens genomsnittliga antal signalärenden per vecka under { $weeks ->
    [one] veckan
   *[other] de { $weeks } veckorna
} { $period }.
plan-compared-with = Jämförs med den föreslagna konfigurationen
plan-compared-how = Ljusare staplar och streckade linjer visar förslaget.
plan-summary = Sammanfattning
plan-col-capacity = Kapacitet per vecka
plan-col-tasks = Skapade ärenden
plan-col-peak = Största balans
plan-col-stops = Balansen slutar öka
plan-col-proposed-capacity = Förslag: kapacitet per vecka
plan-col-proposed-tasks = Förslag: skapade ärenden
plan-col-proposed-peak = Förslag: största balans
plan-col-proposed-stops = Förslag: balansen slutar öka
plan-unlimited = obegränsad
plan-no-backlog = ingen balans
plan-never = aldrig
plan-unit-nothing-due = Inga periodiska kontroller infaller för enheten under perioden.
plan-unit-no-backlog = Ingen balans: varje kontroll som infaller ryms inom enhetens kapacitet per vecka.
plan-chart-created = Skapade ärenden om periodisk kontroll per vecka
plan-chart-backlog = Balans: kontroller som väntar på kapacitet vid veckans slut
plan-series-created = skapade
plan-series-backlog = balans
plan-series-proposed-created = förslag: skapade
plan-series-proposed-backlog = förslag: balans
plan-limit-capacity = kapacitet per vecka
plan-limit-proposed-capacity = föreslagen kapacitet
plan-backlog = Balans
plan-def-tasks = Ärenden om periodisk kontroll som en daglig körning skulle skapa för enheten under veckan: ett för varje tillstånd vars kontroll infaller, inom enhetens kapacitet per vecka. Signalärenden ingår inte i prognosen; vid en uppskattning reserveras först enhetens genomsnittliga antal signalärenden per vecka.
plan-def-backlog = Kontroller som har infallit men skjutits upp eftersom enhetens kapacitet för veckan var förbrukad, räknat efter veckans sista körning. De tas upp under senare veckor, de äldsta först.
plan-def-peak = Den största balansen vid slutet av någon vecka under perioden.
plan-def-stops = Den första vecka från vilken balansen inte längre ökar under perioden; ”aldrig” om den fortfarande ökar den sista veckan.
plan-def-week = En ISO-vecka, måndag till söndag i schemats tidszon, skriven år-Wvecka.
