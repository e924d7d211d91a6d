//! The shell lines of a skill's fenced `sh` blocks, as a reader would type them: a line
//! continued with `\\` joined to the next, `# comments` dropped, blank lines skipped. One
//! reading of skills for both their checks: every `baton` command parses with the real CLI
//! (`tests/skills_parse.rs`), and every line runs against a server (`e2e/tests/skills.rs`).

/// The lines of `markdown`'s `sh` (or `bash`, or unmarked) fenced blocks, with the number of
/// the line each starts on and the index of its block.
pub fn block_lines(markdown: &str) -> Vec<BlockLine> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut block = 0;
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            if in_block {
                in_block = false;
            } else if trimmed == "```" || trimmed == "```sh" || trimmed == "```bash" {
                in_block = true;
                block += 1;
            }
            continue;
        }
        if !in_block {
            continue;
        }
        let (start, text) = match pending.take() {
            Some((start, before)) => (start, format!("{before} {trimmed}")),
            None => (n + 1, trimmed.to_owned()),
        };
        if let Some(stripped) = text.strip_suffix('\\') {
            pending = Some((start, stripped.trim_end().to_owned()));
            continue;
        }
        let text = strip_comment(&text);
        if !text.is_empty() {
            out.push(BlockLine { line: start, block, text });
        }
    }
    out
}

/// One shell line of a skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockLine {
    /// The line of the `SKILL.md` it starts on (1-based).
    pub line: usize,
    /// Which fenced block it is in (1-based, in order).
    pub block: usize,
    pub text: String,
}

/// Drops a `# comment` outside quotes.
pub fn strip_comment(line: &str) -> String {
    let (mut single, mut double) = (false, false);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && (i == 0 || line[..i].ends_with(' ')) => {
                return line[..i].trim_end().to_owned()
            }
            _ => {}
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continued_lines_join_and_comments_go() {
        let md = "text\n```sh\nbaton a \\\n  --b c   # why\n\n# only a comment\nbaton d '#e'\n```\n```json\n{}\n```\n";
        let lines = block_lines(md);
        assert_eq!(
            lines,
            vec![
                BlockLine { line: 3, block: 1, text: "baton a --b c".into() },
                BlockLine { line: 7, block: 1, text: "baton d '#e'".into() },
            ]
        );
    }
}
