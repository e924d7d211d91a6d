//! What commands print to stdout: aligned tables for people, JSON for scripts (`--json`).
//! Progress and errors go to stderr ([`note`]) and never mix with this.
//!
//! Text for people passes through [`clean`]: names, messages, titles and error texts come
//! from other people (through the server, or a GitHub issue), and a terminal obeys control
//! sequences in what it prints (clearing the screen, rewriting lines, reordering text with bidi
//! controls). JSON stays exact: serde escapes control characters, and a script wants the bytes.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

/// Whether a character may change what a terminal shows rather than show itself: C0 controls
/// but tab and newline (so ESC, CR, backspace), DEL, C1 controls, and the bidi and invisible
/// format characters (Arabic letter mark, zero-width spaces and joiners, LRM/RLM, the bidi
/// embeddings, overrides and isolates, word joiner and invisible operators, BOM).
fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{b}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// `text` without the characters that could drive a terminal (controls but tab and newline,
/// DEL, C1, bidi and invisible format characters): the one function every text-mode print of
/// someone else's text goes through.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(text.chars().filter(|c| !is_unsafe(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Prints a value as pretty JSON, exactly.
pub fn json<T: Serialize>(value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    raw_line(&text)
}

/// Prints one line of text for people, [`clean`]ed.
pub fn line(text: &str) -> io::Result<()> {
    raw_line(&clean(text))
}

/// Prints one line exactly as given: JSON only.
pub fn raw_line(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// Prints progress, a warning or an error to stderr, [`clean`]ed.
pub fn note(text: &str) {
    eprintln!("{}", clean(text));
}

/// Prints rows under headers, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    line(&render_table(headers, rows))
}

/// The first line of `text`, cut to `max` characters with an ellipsis, for a table cell.
pub fn ellipsize(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("");
    if first.chars().count() <= max && !text.contains('\n') {
        return first.to_owned();
    }
    let kept: String = first.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// The table as text, its cells [`clean`]ed first so that columns line up with what shows.
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| clean(c).into_owned()).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let render = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut lines = vec![render(headers.to_vec())];
    lines.extend(rows.iter().map(|r| render(r.iter().map(String::as_str).collect())));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_one_short_line() {
        assert_eq!(ellipsize("short", 10), "short");
        assert_eq!(ellipsize("a longer task", 6), "a lon…");
        assert_eq!(ellipsize("two\nlines", 10), "two…");
    }

    #[test]
    fn terminal_escapes_from_the_server_are_stripped() {
        let payload = "\u{1b}[2J\u{1b}]0;pwned\u{7}ok\r\u{202e}txt.exe\u{9b}31m\u{200b}\u{feff}\tdone\n";
        assert_eq!(clean(payload), "[2J]0;pwnedoktxt.exe31m\tdone\n");
        assert!(matches!(clean("plain: é 漢字 👍\n\tx"), Cow::Borrowed(_)));
        let table = render_table(&["NAME", "X"], &[vec!["\u{1b}[2Jevil\u{202e}".into(), "1".into()]]);
        assert_eq!(table, "NAME     X\n[2Jevil  1");
    }

    #[test]
    fn columns_align_to_the_widest_cell() {
        let text = render_table(&["ID", "NAME"], &[vec!["1".into(), "web".into()], vec!["12".into(), "x".into()]]);
        assert_eq!(text, "ID  NAME\n1   web\n12  x");
    }
}
