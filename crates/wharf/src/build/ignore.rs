//! `.dockerignore`: which files of a build context stay on the client.
//!
//! The semantics are those of the engine's own pattern matcher
//! (github.com/moby/patternmatcher, which the docker CLI uses to filter the
//! context and the daemon uses to drop the Dockerfile and `.dockerignore`
//! from it):
//!
//! ```text
//! # a comment (only at the very start of a line)
//! *.log            a name in the context's root, `*` stops at `/`
//! **/*.tmp         at any depth (`**` spans directories, even none)
//! build/           a directory and everything under it (patterns are cleaned: `build`)
//! /secrets         a leading `/` is the context's root, as without it
//! !build/keep.txt  an exception: sent after all; the last matching line wins
//! ```
//!
//! A path is excluded when its last matching pattern is not an exception;
//! a pattern matches a path when it matches the path itself or one of its
//! parent directories. Patterns are Go's `filepath.Match` syntax (`*`, `?`,
//! `[a-z]`, `[^a-z]`, `\` escapes) plus `**`.
//!
//! ```
//! use wharf::build::Dockerignore;
//!
//! let ignore = Dockerignore::parse("# build output\ntarget/\n*.log\n!important.log\n")?;
//! assert!(ignore.excludes("target/debug/app"));
//! assert!(ignore.excludes("server.log"));
//! assert!(!ignore.excludes("important.log"));
//! assert!(!ignore.excludes("logs/server.log")); // `*` does not cross `/`
//! assert!(!ignore.excludes("src/main.rs"));
//! # Ok::<(), wharf::Error>(())
//! ```

use regex_lite::Regex;

use crate::error::{Error, Result};

/// The patterns of a `.dockerignore` file, compiled.
///
/// ```
/// let ignore = wharf::build::Dockerignore::new(["**/*.tmp", "!keep.tmp"])?;
/// assert!(ignore.excludes("a/b/c.tmp"));
/// assert!(!ignore.excludes("keep.tmp"));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Dockerignore {
    patterns: Vec<Pattern>,
    exceptions: bool,
}

#[derive(Clone, Debug)]
struct Pattern {
    /// The cleaned pattern, without its `!`.
    text: String,
    exception: bool,
    kind: Kind,
}

/// How a pattern is matched: moby compiles the simple shapes to string
/// comparisons and the rest to a regular expression.
#[derive(Clone, Debug)]
enum Kind {
    /// No wildcard: the path equals the pattern.
    Exact,
    /// `dir/**`: the path starts with `dir/`.
    Prefix,
    /// `**/name` or `**name`: the path ends with it.
    Suffix,
    Regex(Regex),
}

impl Dockerignore {
    /// Reads a `.dockerignore` file's text as the docker CLI does
    /// (moby/patternmatcher `ignorefile.ReadAll`): a UTF-8 byte order mark
    /// is dropped, lines starting with `#` are comments, lines are trimmed
    /// and blank ones skipped, each pattern is cleaned like a path and a
    /// leading `/` removed. A malformed pattern (`[` unclosed, a lone `!`)
    /// is an [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) error.
    ///
    /// ```
    /// let ignore = wharf::build::Dockerignore::parse("/node_modules\n./dist//\n")?;
    /// assert_eq!(ignore.patterns().collect::<Vec<_>>(), ["node_modules", "dist"]);
    /// assert!(wharf::build::Dockerignore::parse("[a-").is_err());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Dockerignore> {
        Dockerignore::new(read_patterns(text))
    }

    /// Compiles patterns as moby's `patternmatcher.New` does: each is
    /// trimmed, cleaned like a path (`a//b/../c` is `a/c`); a leading `!`
    /// makes it an exception. Unlike [`parse`](Dockerignore::parse), a
    /// leading `/` is kept (and then matches nothing in a context).
    ///
    /// ```
    /// let ignore = wharf::build::Dockerignore::new(["docs", "!docs/README.md"])?;
    /// assert!(ignore.excludes("docs/index.html"));
    /// assert!(!ignore.excludes("docs/README.md"));
    /// assert!(wharf::build::Dockerignore::new(["!"]).is_err());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn new<I, S>(patterns: I) -> Result<Dockerignore>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut ignore = Dockerignore::default();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            let mut text = clean(p);
            let exception = text.starts_with('!');
            if exception {
                if text.len() == 1 {
                    return Err(Error::invalid_argument(
                        "illegal exclusion pattern: \"!\" in .dockerignore",
                    ));
                }
                text.remove(0);
                ignore.exceptions = true;
            }
            let kind = compile(&text).map_err(|why| {
                Error::invalid_argument(format!("bad .dockerignore pattern {p:?}: {why}"))
            })?;
            ignore.patterns.push(Pattern {
                text,
                exception,
                kind,
            });
        }
        Ok(ignore)
    }

    /// The patterns, cleaned, exceptions with their `!`.
    ///
    /// ```
    /// let ignore = wharf::build::Dockerignore::new(["a/./b/", "!c"])?;
    /// assert_eq!(ignore.patterns().collect::<Vec<_>>(), ["a/b", "!c"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn patterns(&self) -> impl Iterator<Item = String> + '_ {
        self.patterns.iter().map(|p| {
            if p.exception {
                format!("!{}", p.text)
            } else {
                p.text.clone()
            }
        })
    }

    /// Whether `path` (relative to the context, `/`-separated) stays out:
    /// its last matching pattern, matched against the path or one of its
    /// parent directories, is not an exception (moby's
    /// `MatchesOrParentMatches`). The context's root (`.`) never does.
    ///
    /// ```
    /// let ignore = wharf::build::Dockerignore::new(["**", "!src"])?;
    /// assert!(ignore.excludes("README.md"));
    /// assert!(!ignore.excludes("src/lib.rs"));
    /// assert!(!ignore.excludes("."));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn excludes(&self, path: &str) -> bool {
        let path = clean(path);
        if path == "." {
            return false;
        }
        let parents: Vec<&str> = match path.rfind('/') {
            Some(i) => path[..i]
                .match_indices('/')
                .map(|(j, _)| &path[..j])
                .chain(std::iter::once(&path[..i]))
                .collect(),
            None => Vec::new(),
        };
        let mut excluded = false;
        for pattern in &self.patterns {
            // An inclusion cannot change an excluded path, nor an exception
            // an included one.
            if pattern.exception != excluded {
                continue;
            }
            if pattern.matches(&path) || parents.iter().any(|p| pattern.matches(p)) {
                excluded = !pattern.exception;
            }
        }
        excluded
    }

    /// Whether any pattern is an exception (`!...`).
    pub(crate) fn has_exceptions(&self) -> bool {
        self.exceptions
    }

    /// Whether an exception names something under the directory `dir`, so
    /// that an excluded directory must still be walked (moby's
    /// `TarWithOptions`: `strings.HasPrefix(pattern + "/", dir + "/")`).
    pub(crate) fn may_include_under(&self, dir: &str) -> bool {
        let dir = format!("{dir}/");
        self.patterns
            .iter()
            .filter(|p| p.exception)
            .any(|p| format!("{}/", p.text).starts_with(&dir))
    }

    /// Adds an exception for `path` if the patterns exclude it: the docker
    /// CLI always sends the Dockerfile and `.dockerignore` (cli/command/
    /// image/build/context.go, `TrimBuildFilesFromExcludes`); the daemon
    /// drops them from the context again after reading them.
    pub(crate) fn keep(&mut self, path: &str) {
        if self.excludes(path) {
            self.patterns.push(Pattern {
                text: path.to_owned(),
                exception: true,
                kind: Kind::Exact,
            });
            self.exceptions = true;
        }
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix => path.starts_with(&self.text[..self.text.len() - 2]),
            Kind::Suffix => {
                let suffix = &self.text[2..];
                path.ends_with(suffix) || suffix.strip_prefix('/').is_some_and(|bare| path == bare)
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }
}

/// The lines of a `.dockerignore` file as patterns (moby/patternmatcher,
/// `ignorefile/ignorefile.go`, `ReadAll`).
fn read_patterns(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patterns = Vec::new();
    for line in text.lines() {
        // A comment only when `#` is the line's very first character.
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let exception = pattern.starts_with('!');
        if exception {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        patterns.push(if exception {
            format!("!{cleaned}")
        } else {
            cleaned
        });
    }
    patterns
}

/// Go's `filepath.Clean` for `/`-separated paths: repeated separators,
/// `.` elements and `name/..` pairs go; `..` past the root of an absolute
/// path goes too; an empty result is `.`.
pub(crate) fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// A pattern's matcher, as moby's `Pattern.compile` makes it (with `/` as
/// the separator): `**` is any run of directories, `*` and `?` stop at
/// `/`, regular-expression characters that mean nothing to
/// `filepath.Match` are escaped.
fn compile(pattern: &str) -> std::result::Result<Kind, String> {
    validate(pattern)?;
    #[derive(PartialEq)]
    enum Detected {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut re = String::from("^");
    let mut detected = Detected::Exact;
    let mut chars = pattern.chars().peekable();
    let mut first = true;
    while let Some(ch) = chars.next() {
        match ch {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // `**/` is `**`.
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    // `**` at the end accepts everything, as in .gitignore.
                    if detected == Detected::Exact {
                        detected = Detected::Prefix;
                    } else {
                        re.push_str(".*");
                        detected = Detected::Regex;
                    }
                } else {
                    // Any number of directories, none included.
                    re.push_str("(.*/)?");
                    detected = Detected::Regex;
                }
                if first {
                    detected = Detected::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                detected = Detected::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                detected = Detected::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(ch);
            }
            '\\' => match chars.next() {
                Some(next) => {
                    re.push('\\');
                    re.push(next);
                    detected = Detected::Regex;
                }
                None => re.push('\\'),
            },
            '[' | ']' => {
                re.push(ch);
                detected = Detected::Regex;
            }
            _ => re.push(ch),
        }
        first = false;
    }
    Ok(match detected {
        Detected::Exact => Kind::Exact,
        Detected::Prefix => Kind::Prefix,
        Detected::Suffix => Kind::Suffix,
        Detected::Regex => {
            re.push('$');
            Kind::Regex(Regex::new(&re).map_err(|e| e.to_string())?)
        }
    })
}

/// The syntax check moby makes with Go's `filepath.Match(pattern, ".")`:
/// a character class must be closed and hold at least one character or
/// range, `-` and `]` must be escaped where they would be ambiguous, and a
/// trailing `\` escapes nothing.
fn validate(pattern: &str) -> std::result::Result<(), String> {
    const BAD: &str = "syntax error in pattern";
    let mut chars = pattern.chars().peekable();
    // One class character (`getEsc` in Go's path/filepath/match.go).
    let class_char = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| match chars.next() {
        None | Some('-') | Some(']') => Err(BAD.to_owned()),
        Some('\\') => chars.next().map(|_| ()).ok_or_else(|| BAD.to_owned()),
        Some(_) => Ok(()),
    };
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                chars.next().ok_or_else(|| BAD.to_owned())?;
            }
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut ranges = 0;
                loop {
                    if chars.peek() == Some(&']') && ranges > 0 {
                        chars.next();
                        break;
                    }
                    class_char(&mut chars)?;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        class_char(&mut chars)?;
                    }
                    ranges += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
