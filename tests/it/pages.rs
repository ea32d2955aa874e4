//! The `plan` and `report` pages in a real browser (headless chromium), in English and Swedish:
//! each loads without a console message, fetches nothing, shows every unit's name and its
//! figures in the language asked for, and axe-core finds nothing against WCAG 2.1 AA in the
//! light or the dark colour scheme, on a desktop screen or a 320 px one.

use crate::both_engines;
use crate::browser::{assert_self_contained, axe, render};
use crate::helpers::Env;
use crate::import::HEADER;

fn units_named(dom: &str) {
    for name in [
        "Study permits unit",
        "Work permits unit",
        "Family ties unit",
        "Protection unit (refugees)",
        "Other permits unit",
    ] {
        assert!(dom.contains(name), "{name} is not on the page");
    }
}

/// axe-core on `html` light and dark, 1280 and 320 px wide: no violation.
fn accessible(env: &Env, name: &str, html: &str) {
    for (width, dark) in [(1280, false), (1280, true), (320, false), (320, true)] {
        let found = axe(env.dir.path(), name, html, width, dark);
        assert!(
            found.is_empty(),
            "axe on {name} at {width} px{}: {found:#?}",
            if dark { ", dark" } else { "" }
        );
    }
}

/// The cells after the row header of the row that holds `marker`.
fn cells<'d>(dom: &'d str, marker: &str) -> Vec<&'d str> {
    let row =
        dom.split("<tr>").find(|r| r.contains(marker)).unwrap_or_else(|| panic!("no row with {marker}"));
    row.split("<td")
        .skip(1)
        .map(|c| c.split('>').nth(1).unwrap_or("").split('<').next().unwrap_or(""))
        .collect()
}

both_engines!(
    fn the_plan_page_renders_in_a_browser_with_every_unit_and_both_curves_in_both_languages(engine) {
        let env = Env::new(engine, &format!("{}[units.study]\nweekly_capacity = 6\n", crate::report::YEARLY)).unwrap();
        let mut csv = HEADER.to_string();
        for i in 0..30u64 {
            let due = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap() + chrono::Days::new(i);
            csv += &format!("S-{i},H-{i},,study,{},,active,,,\n", chrono::Datelike::with_year(&due, 2026).unwrap());
        }
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2027-02-01"]);
        let halved = env.file("halved.toml", "[units.study]\nweekly_capacity = 3\n");
        for (language, title, words) in [
            ("en", "Follow-up workload forecast 1 March 2027 to 9 May 2027", ["proposed: backlog", "weekly capacity: 6"]),
            ("sv", "Prognos över uppföljningsärenden 1 mars 2027 – 9 maj 2027", ["förslag: balans", "kapacitet per vecka: 6"]),
        ] {
            let html = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-05-09", "--compare", &halved, "--format", "html", "--now", "2027-02-01", "--language", language]);
            assert_self_contained(&html);
            assert!(html.contains(&format!("<html lang=\"{language}\">")));
            let page = env.file(&format!("plan-{language}.html"), &html);
            let rendered = render(std::path::Path::new(&page), 1280, Some(&env.path(&format!("plan-{language}.png"))));
            assert!(rendered.console.is_empty(), "console: {:?}", rendered.console);
            units_named(&rendered.dom);
            assert!(rendered.dom.contains(title), "{title}");
            for w in words {
                assert!(rendered.dom.contains(w), "{w:?} is not on the {language} page");
            }
            // The summary row of the study unit: seven reviews fall due a week for four weeks and two
            // in the fifth; capacity 6 leaves a backlog of 1, 2, 3, 4, then none; capacity 3 of
            // 4, 8, 12, 16, then 15, 12, ...
            assert_eq!(
                cells(&rendered.dom, "Study permits unit"),
                ["6", "30", "4", "2027-W12", "3", "30", "16", "2027-W12"],
                "{language}"
            );
            accessible(&env, &format!("plan-{language}"), &html);
        }
        let default = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-03-07", "--format", "html", "--now", "2027-02-01"]);
        assert!(default.contains("<html lang=\"en\">"), "[web] language is en unless set");
        let swedish = Env::new(engine, "[web]\nlanguage = \"sv\"\n").unwrap();
        let html = swedish.ok(&["plan", "--from", "2027-03-01", "--to", "2027-03-07", "--format", "html", "--now", "2027-02-01"]);
        assert!(html.contains("<html lang=\"sv\">") && html.contains("Sammanfattning"), "[web] language chooses the default");
    }
);

both_engines!(
    fn the_report_page_renders_in_a_browser_as_a_report_with_definitions_in_both_languages(engine) {
        let env = Env::new(engine, crate::report::YEARLY).unwrap();
        crate::report::history(&env);
        for (language, title, generated, sections, revocation, all_causes) in [
            (
                "en",
                "Follow-up of granted permits: report 1 March 2027 to 14 March 2027",
                "Generated on 6 April 2027",
                ["Summary by unit", "Tasks created, by unit, ground and cause", "Tasks closed, by outcome", "Days from creation to closing", "Signals received", "Digests sent", "What each indication yields", "Tasks closed in the period by outcome, per cause (all units)", "6 closed, median 2 days", "Definitions"],
                "Revocation initiated",
                "all causes",
            ),
            (
                "sv",
                "Uppföljning av beviljade tillstånd: rapport 1 mars 2027 – 14 mars 2027",
                "Framtagen den 6 april 2027",
                ["Sammanfattning per enhet", "Skapade ärenden per enhet, grund och orsak", "Avslutade ärenden per utfall", "Dagar från skapande till avslut", "Mottagna signaler", "Skickade sammanställningar", "Vad varje indikation ger", "Ärenden avslutade under perioden per utfall och orsak (alla enheter)", "6 avslutade, median 2 dagar", "Definitioner"],
                "Återkallelse inledd",
                "alla orsaker",
            ),
        ] {
            let html = env.ok(&["report", "--from", "2027-03-01", "--to", "2027-03-14", "--format", "html", "--now", "2027-04-06", "--language", language]);
            assert_self_contained(&html);
            let page = env.file(&format!("report-{language}.html"), &html);
            let rendered = render(std::path::Path::new(&page), 1280, Some(&env.path(&format!("report-{language}.png"))));
            assert!(rendered.console.is_empty(), "console: {:?}", rendered.console);
            let dom = rendered.dom;
            assert!(dom.contains(title), "title {title}");
            assert!(dom.contains(generated), "generated-at {generated}");
            for section in sections {
                assert!(dom.contains(section), "{section}");
            }
            assert_eq!(cells(&dom, "Study permits unit (study)</th><td>13"), ["13", "6", "7", "6"]);
            assert_eq!(cells(&dom, &format!(">{revocation}</th>")), ["1"]);
            assert_eq!(cells(&dom, &format!(">{all_causes}</td><td>6")), [all_causes, "6", "2", "10"]);
            accessible(&env, &format!("report-{language}"), &html);
        }
    }
);
