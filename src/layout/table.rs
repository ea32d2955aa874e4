//! A table of figures for `templates/table.html`: a heading (which names the table's scrolling
//! frame), column headers, and rows whose first cell heads the row. Words are left-aligned and
//! figures right-aligned.

/// A table with its heading.
#[derive(Debug)]
pub struct Table {
    /// The heading's `id`, unique on the page.
    pub id: String,
    /// The heading above the table.
    pub heading: String,
    /// The column headers.
    pub columns: Vec<Column>,
    /// The rows; the first cell of each heads its row.
    pub rows: Vec<Vec<Cell>>,
}

/// A column header.
#[derive(Debug)]
pub struct Column {
    /// What the column holds.
    pub name: String,
    /// Words (left-aligned) rather than figures.
    pub text: bool,
}

/// A cell.
#[derive(Debug)]
pub struct Cell {
    /// What it says.
    pub value: String,
    /// Words (left-aligned) rather than a figure.
    pub text: bool,
}

impl Column {
    /// A column of words.
    pub fn words(name: String) -> Column {
        Column { name, text: true }
    }

    /// A column of figures.
    pub fn figures(name: String) -> Column {
        Column { name, text: false }
    }
}

impl Cell {
    /// Words.
    pub fn words(value: impl Into<String>) -> Cell {
        Cell { value: value.into(), text: true }
    }

    /// A figure, already written in the page's language.
    pub fn figure(value: String) -> Cell {
        Cell { value, text: false }
    }
}
