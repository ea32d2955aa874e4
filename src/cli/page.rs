//! What the `plan` and `report` CSV outputs share: cells a spreadsheet never runs. (Their HTML
//! pages come from templates: [`crate::layout`].)

/// One CSV cell: quoted when it holds a comma, quote or line break, and neutralised with a
/// leading `'` when it starts like a formula (`=`, `+`, `-`, `@`, tab or carriage return), so
/// that a spreadsheet shows it instead of running it.
pub fn csv_cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A CSV line of cells, ended by CRLF as RFC 4180 has it.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells.iter().map(|c| csv_cell(c.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_are_neutralised_and_quoted_when_needed() {
        assert_eq!(csv_cell("study"), "study");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+46"), "'+46");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_line(&["a", "b"]), "a,b\r\n");
    }
}
