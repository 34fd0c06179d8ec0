//! Splitting one shell-like command line into words, the way docker-py
//! splits a `command` given as a string: Python's `shlex.split(s)`
//! (docker-py `docker/utils/utils.py`, `split_command`), that is POSIX mode
//! with no comments (CPython `Lib/shlex.py`, `read_token`):
//!
//! - words are separated by spaces, tabs, carriage returns and newlines;
//! - `'...'` keeps everything literally;
//! - `"..."` keeps everything, except that `\` escapes `"` and `\` (before
//!   any other character the backslash stays);
//! - outside quotes, `\` escapes any character;
//! - quotes join to the word around them (`a"b c"d` is one word), and `''`
//!   alone is an empty word;
//! - `#`, `$`, `*`, `;` and the like are ordinary characters: no comment,
//!   expansion or operator. (The `shlex` crate differs on comments and on
//!   escapes inside double quotes, hence this small splitter.)
//!
//! An unclosed quote, or a trailing `\`, is an error, as in Python.

/// The words of `line`, or why it cannot be split.
pub(crate) fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    // Whether the word being read exists even if empty (it had quotes).
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                word.push(chars.next().ok_or("no escaped character after `\\`")?);
                in_word = true;
            }
            '\'' => {
                loop {
                    match chars.next().ok_or("no closing quotation")? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
                in_word = true;
            }
            '"' => {
                loop {
                    match chars.next().ok_or("no closing quotation")? {
                        '"' => break,
                        '\\' => match chars.next().ok_or("no closing quotation")? {
                            c @ ('"' | '\\') => word.push(c),
                            c => {
                                word.push('\\');
                                word.push(c);
                            }
                        },
                        c => word.push(c),
                    }
                }
                in_word = true;
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    /// Cases with the answers of CPython 3's `shlex.split`.
    #[test]
    fn splits_as_python_shlex_does() {
        let cases: &[(&str, &[&str])] = &[
            ("echo hello world", &["echo", "hello", "world"]),
            ("  a\t b\r\nc  ", &["a", "b", "c"]),
            ("sh -c 'echo $HOME; ls'", &["sh", "-c", "echo $HOME; ls"]),
            (r#"echo "a \"b\" \$c \\ d""#, &["echo", r#"a "b" \$c \ d"#]),
            (r"a\ b c\'d", &["a b", "c'd"]),
            (r#"a"b c"d"#, &["ab cd"]),
            ("'' x \"\"", &["", "x", ""]),
            ("# not a comment", &["#", "not", "a", "comment"]),
            ("echo a#b", &["echo", "a#b"]),
            ("", &[]),
            ("'it''s'", &["its"]),
            ("\\\n", &["\n"]),
            ("naïve «quotes»", &["naïve", "«quotes»"]),
        ];
        for (line, words) in cases {
            assert_eq!(split(line).unwrap(), *words, "{line:?}");
        }
        for bad in ["'open", "\"open", "trailing\\", "\"a\\"] {
            assert!(split(bad).is_err(), "{bad:?}");
        }
    }
}
