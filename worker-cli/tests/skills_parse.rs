//! Every `baton` command in a fenced block of every `skills/*/SKILL.md` parses with the real
//! command line: a skill that names a missing command or flag, or a value the CLI refuses,
//! fails the build, in a second, before `e2e/tests/skills.rs` runs every line against a server.
//!
//! Placeholders a skill may use where a value must come from the reader (`<project>`,
//! `<id>`, `bt_...`) are replaced by example values of the right shape before parsing; see
//! [`PLACEHOLDERS`].

use clap::Parser;

/// Placeholders skills use, and the example values they stand for when parsed.
const PLACEHOLDERS: &[(&str, &str)] = &[
    ("<project>", "web"),
    ("<pickup_url or bt_id>", "bt_abcdefghijklmnopqrstuvwx23"),
    ("<name>", "web"),
    ("<id>", "7"),
    ("<token>", "btp_example"),
    ("bt_...", "bt_abcdefghijklmnopqrstuvwx23"),
    ("\"$BATON_URL\"", "http://127.0.0.1:8787"),
    ("\"$BATON_TOKEN\"", "btp_example"),
    ("$BATON_URL", "http://127.0.0.1:8787"),
    ("$BATON_TOKEN", "btp_example"),
];

/// The `baton` commands of a skill's fenced `sh` blocks, with their line numbers.
fn commands(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for line in baton::skills::block_lines(markdown) {
        let mut text = line.text;
        for (placeholder, value) in PLACEHOLDERS {
            text = text.replace(placeholder, value);
        }
        // One line may chain commands: each `baton ...` part is checked.
        for part in split_chain(&text) {
            let part = part.trim();
            if part.starts_with("baton ") {
                out.push((line.line, part.to_owned()));
            }
        }
    }
    out
}

/// Splits a line at `&&`, `||` and `;` outside quotes, and drops a trailing `> file`.
fn split_chain(line: &str) -> Vec<String> {
    let (mut single, mut double) = (false, false);
    let mut parts = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let quoted = single || double;
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            ';' if !quoted => {
                parts.push(String::new());
                continue;
            }
            '&' | '|' if !quoted && chars.peek() == Some(&c) => {
                chars.next();
                parts.push(String::new());
                continue;
            }
            '>' if !quoted => {
                // A redirection ends the command's words.
                while chars.peek().is_some_and(|c| *c != ';' && *c != '&' && *c != '|') {
                    chars.next();
                }
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// Replaces each `$(...)` command substitution (say, `"$(jq -r .lease.token baton.json)"`)
/// by an example word: what matters here is the command around it.
fn substitute_commands(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let mut depth = 1;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push_str("example");
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Splits a command line into words as `sh` would for these simple cases: single and double
/// quotes, backslash escapes inside double quotes, no expansions.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed ' in {line}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => word.extend(chars.next()),
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed \" in {line}")),
                    }
                }
            }
            // bash's ANSI-C quoting, `$'a\nb'`: how a skill writes a message of several lines.
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => word.push('\n'),
                            Some('t') => word.push('\t'),
                            Some(c) => word.push(c),
                            None => return Err(format!("unclosed $' in {line}")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed $' in {line}")),
                    }
                }
            }
            '|' | '>' | '<' | '$' | '`' => {
                return Err(format!("{line}: shell syntax ({c}) in a command: keep skills' commands plain"))
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

#[test]
fn every_command_a_skill_teaches_parses_with_the_real_cli() {
    let skills = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../skills");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&skills).unwrap().flatten() {
        let path = entry.path().join("SKILL.md");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (line, command) in commands(&text) {
            let mut command = substitute_commands(&command);
            for (placeholder, value) in PLACEHOLDERS {
                command = command.replace(placeholder, value);
            }
            let parsed = words(&command).and_then(|args| {
                baton::cli::Cli::try_parse_from(&args).map(|_| ()).map_err(|e| e.render().to_string())
            });
            match parsed {
                Ok(()) => checked += 1,
                Err(why) => failures.push(format!("{}:{line}: {command}\n{why}", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{} skill command(s) do not parse:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(checked >= 30, "only {checked} commands found: is the extraction broken?");
}

#[test]
fn commands_are_extracted_from_sh_blocks_only_with_continuations_and_chains() {
    let text = "text `baton nope`\n```sh\nbaton task ls --ready   # the ready ones\nbaton pass --task 'x' \\\n  --to W-2\nbaton catch bt_... && baton done bt_... --output '{\"ok\":true}'\n```\n```json\nbaton not-this\n```\n";
    let found: Vec<String> = commands(text).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        found,
        [
            "baton task ls --ready",
            "baton pass --task 'x' --to W-2",
            "baton catch bt_abcdefghijklmnopqrstuvwx23",
            "baton done bt_abcdefghijklmnopqrstuvwx23 --output '{\"ok\":true}'"
        ]
    );
    assert_eq!(words("baton x 'a b' \"c \\\"d\\\"\"").unwrap(), ["baton", "x", "a b", "c \"d\""]);
    assert!(words("baton x | jq").is_err());
    assert_eq!(words("baton d $'a: b\\nc'").unwrap(), ["baton", "d", "a: b\nc"]);
    assert!(words("baton d $HOME").is_err());
    assert_eq!(
        split_chain("baton a 'x; y' && baton b > out.json; baton c"),
        ["baton a 'x; y' ", " baton b ", " baton c"]
    );
    assert_eq!(
        substitute_commands("baton done --lease-token \"$(jq -r .t f)\""),
        "baton done --lease-token \"example\""
    );
}
