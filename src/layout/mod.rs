//! The one layout every page and the digest's HTML part stand in (`templates/layout.html`),
//! and the one stylesheet (`templates/style.css`), so the plan and report pages, the mail and
//! the inbox look like one product. Templates are askama's, checked when the program is
//! compiled and escaped by the engine; their words come from [`crate::i18n`].
//!
//! The stylesheet is embedded in the page where the page stands alone (a `plan` or `report`
//! file, a mail, whose clients read styles only from the document) and linked where a server
//! serves it ([`STYLESHEET_PATH`] under `Content-Security-Policy: default-src 'self'`, which
//! forbids inline styles).

pub mod chart;
pub mod shares;
pub mod table;

use crate::i18n::Language;

/// The stylesheet, as served and as embedded.
pub const STYLESHEET: &str = include_str!("../../templates/style.css");

/// Where a server serves [`STYLESHEET`].
pub const STYLESHEET_PATH: &str = "/static/style.css";

/// How a page gets its styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StyleSheet {
    /// In a `<style>` element of its head: a file or a mail that stands alone.
    Embedded,
    /// By `<link rel="stylesheet">` to this path on the page's own server.
    Linked(&'static str),
}

/// What kind of document the layout frames: a page of the width of a screen, or a mail in a
/// column that mail clients and phones show whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page: `plan`, `report`, the inbox.
    Page,
    /// The digest's HTML part.
    Mail,
}

impl Kind {
    /// The class of `<body>`, which the stylesheet reads.
    pub fn class(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Mail => "mail",
        }
    }
}

/// What the layout needs of every document: its language, title, the line under the title, and
/// how it gets its styles.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The language of every word on it (`<html lang>`).
    pub lang: Language,
    /// `<title>` and the `<h1>`.
    pub title: String,
    /// The line under the title; none when empty.
    pub subtitle: String,
    /// Embedded or linked.
    pub style: StyleSheet,
    /// Page or mail.
    pub kind: Kind,
}

impl Frame {
    /// The stylesheet's text, for [`StyleSheet::Embedded`].
    pub fn css(&self) -> &'static str {
        STYLESHEET
    }
}
