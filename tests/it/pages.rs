//! The `plan` and `report` pages in a real browser (headless chromium): each loads without a
//! console message, fetches nothing, and shows every unit's name and its figures.

use crate::both_engines;
use crate::browser::{assert_self_contained, render};
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

both_engines!(
    fn the_plan_page_renders_in_a_browser_with_every_unit_and_both_curves(engine) {
        let env = Env::new(engine, &format!("{}[units.study]\nweekly_capacity = 6\n", crate::report::YEARLY)).unwrap();
        let mut csv = HEADER.to_string();
        for i in 0..30u64 {
            let due = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap() + chrono::Days::new(i);
            csv += &format!("S-{i},H-{i},,study,{},,active,,,\n", chrono::Datelike::with_year(&due, 2026).unwrap());
        }
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2027-02-01"]);
        let halved = env.file("halved.toml", "[units.study]\nweekly_capacity = 3\n");
        let html = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-05-09", "--compare", &halved, "--format", "html", "--now", "2027-02-01"]);
        assert_self_contained(&html);
        let page = env.file("plan.html", &html);
        let rendered = render(std::path::Path::new(&page), 1280, Some(&env.path("plan.png")));
        assert!(rendered.console.is_empty(), "console: {:?}", rendered.console);
        units_named(&rendered.dom);
        assert!(rendered.dom.contains("Follow-up workload forecast 2027-03-01 to 2027-05-09"));
        assert!(rendered.dom.contains("proposed: backlog") && rendered.dom.contains("weekly capacity"));
        // The summary row of the study unit: seven reviews fall due a week for four weeks and two
        // in the fifth; capacity 6 leaves a backlog of 1, 2, 3, 4, then none; capacity 3 of
        // 4, 8, 12, 16, then 15, 12, ...
        let row = rendered.dom.split("<tr>").find(|r| r.contains("Study permits unit")).unwrap();
        let cells: Vec<&str> = row.split("<td").skip(1).map(|c| c.split('>').nth(1).unwrap_or("").split('<').next().unwrap_or("")).collect();
        assert_eq!(cells[1..], ["6", "30", "4", "2027-W12", "3", "30", "16", "2027-W12"], "{row}");
    }
);

both_engines!(
    fn the_report_page_renders_in_a_browser_as_a_report_with_definitions(engine) {
        let env = Env::new(engine, crate::report::YEARLY).unwrap();
        crate::report::history(&env);
        let html = env.ok(&["report", "--from", "2027-03-01", "--to", "2027-03-14", "--format", "html", "--now", "2027-04-06"]);
        assert_self_contained(&html);
        let page = env.file("report.html", &html);
        let rendered = render(std::path::Path::new(&page), 1280, Some(&env.path("report.png")));
        assert!(rendered.console.is_empty(), "console: {:?}", rendered.console);
        let dom = rendered.dom;
        assert!(dom.contains("Follow-up of granted permits: report 2027-03-01 to 2027-03-14"), "title");
        assert!(dom.contains("Generated 2027-04-06"), "generated-at");
        for section in ["Summary by unit", "Tasks created, by unit, ground and cause", "Tasks closed, by outcome", "Days from creation to closing", "Signals received", "Digests sent", "Definitions"] {
            assert!(dom.contains(section), "{section}");
        }
        let summary = dom.split("<tr>").find(|r| r.contains("Study permits unit (study)")).unwrap();
        assert!(summary.contains("<td>13</td><td>6</td><td>7</td><td>6</td>"), "{summary}");
        assert!(dom.contains(">revocation_initiated</td><td>1</td>") && dom.contains(">permit_inactive</td><td>1</td>"));
        assert!(dom.contains(">Study permits unit (study)</td><td class=\"text\">all causes</td><td>6</td><td>2</td><td>10</td>"), "{dom}");
    }
);
