//! What commands print to stdout: aligned tables for people, JSON for scripts (`--json`).
//! Progress and errors go to stderr and never mix with this.

use std::io::{self, Write};

use serde::Serialize;

/// Prints a value as pretty JSON.
pub fn json<T: Serialize>(value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    line(&text)
}

/// Prints one line.
pub fn line(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
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

pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
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
    fn columns_align_to_the_widest_cell() {
        let text = render_table(&["ID", "NAME"], &[vec!["1".into(), "web".into()], vec!["12".into(), "x".into()]]);
        assert_eq!(text, "ID  NAME\n1   web\n12  x");
    }
}
