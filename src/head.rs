//! An HTTP response's header lines, as `socket.http` reads them: each
//! `name: value` line (the value starting after the white space that
//! follows the colon), lines starting with white space continuing the
//! value before them, names compared in lower case, repeated names joined
//! with ", " in the order received. Every line also counts against a byte
//! budget. Pure bytes: the glue reads the lines from the socket and builds
//! the Lua tables from a finished [`Head`].

use std::collections::HashMap;
use std::ops::Range;

/// LuaSocket's texts (the misspelling included: programs match it).
pub(crate) const MALFORMED: &str = "malformed reponse headers";
pub(crate) const OVERSIZED: &str = "oversized";

/// The status code of a status line, found as socket.http's Lua pattern
/// `"HTTP/%d*%.%d* (%d%d%d)"` finds it: at the first place in the line
/// where `HTTP/`, digits, a dot, digits, a space and three digits follow.
pub(crate) fn status_code(line: &[u8]) -> Option<u16> {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    memchr::memmem::find_iter(line, b"HTTP/").find_map(|at| {
        let mut rest = &line[at + 5..];
        rest = &rest[digits(rest)..];
        rest = rest.strip_prefix(b".")?;
        rest = &rest[digits(rest)..];
        rest = rest.strip_prefix(b" ")?;
        match rest {
            [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
                Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
            }
            _ => None,
        }
    })
}

/// The first bytes that make a line continue the previous one.
fn continues(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t' | 0x0b | 0x0c | b'\r'))
}

/// The bytes C's `isspace` accepts, which end the white space before a value.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Above this many distinct names, repeated names are found through a map
/// rather than by scanning (a hostile server may send many lines).
const SCAN_MAX: usize = 16;

/// One header line: the name as received and the value, as ranges of
/// [`Head::bytes`] (a continued value is one range: its lines follow it).
struct Line {
    name: Range<usize>,
    value: Range<usize>,
}

/// A distinct name: its first line, and whether lines repeat it.
struct Name {
    line: usize,
    repeated: bool,
}

/// The header lines read so far. Their bytes go into one buffer, in which
/// each line is appended and then fed; the usual head allocates only its
/// two short lists.
pub(crate) struct Head {
    bytes: Vec<u8>,
    /// Where the line being appended starts in `bytes`.
    pending: usize,
    lines: Vec<Line>,
    /// Distinct names (compared in lower case), in order of first appearance.
    names: Vec<Name>,
    /// (name, line) for each line that repeats an earlier name, in order.
    repeats: Vec<(usize, usize)>,
    /// Lower-case name -> index in `names`, once there are many names.
    index: HashMap<Box<[u8]>, usize>,
    budget: f64,
    /// Whether the last line is still open to continuation lines.
    open: bool,
}

impl Head {
    /// A head that may take `budget` bytes of header lines, its bytes kept
    /// in `bytes` (emptied first; [`Head::into_bytes`] gives it back).
    pub(crate) fn new(budget: f64, mut bytes: Vec<u8>) -> Head {
        bytes.clear();
        Head {
            bytes,
            pending: 0,
            lines: Vec::with_capacity(SCAN_MAX),
            names: Vec::with_capacity(SCAN_MAX),
            repeats: Vec::new(),
            index: HashMap::new(),
            budget,
            open: false,
        }
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The buffer to append the next line to (without its end of line),
    /// before calling [`Head::feed`].
    pub(crate) fn input(&mut self) -> &mut Vec<u8> {
        self.bytes.truncate(self.pending);
        &mut self.bytes
    }

    /// Takes the line appended to [`Head::input`]. Returns `Ok(true)` at the
    /// blank line that ends the head.
    pub(crate) fn feed(&mut self) -> Result<bool, &'static str> {
        let start = self.pending;
        let end = self.bytes.len();
        let line = &self.bytes[start..];
        if self.open && continues(line) {
            self.budget -= line.len() as f64;
            if self.budget < 0.0 {
                return Err(OVERSIZED);
            }
            if let Some(last) = self.lines.last_mut() {
                last.value.end = end;
            }
            self.pending = end;
            return Ok(false);
        }
        if line.is_empty() {
            self.close_last()?;
            return Ok(true);
        }
        let colon = memchr::memchr(b':', line);
        let skip = colon.map(|c| line[c + 1..].iter().take_while(|&&b| is_space(b)).count());
        // The line before is filed first: its budget check comes first.
        self.close_last()?;
        let (colon, skip) = colon.zip(skip).ok_or(MALFORMED)?;
        self.lines.push(Line {
            name: start..start + colon,
            value: start + colon + 1 + skip..end,
        });
        self.budget -= (end - start) as f64;
        self.open = true;
        self.pending = end;
        Ok(false)
    }

    /// Ends the open line: checks the budget and files it under its name.
    fn close_last(&mut self) -> Result<(), &'static str> {
        if !self.open {
            return Ok(());
        }
        self.open = false;
        if self.budget < 0.0 {
            return Err(OVERSIZED);
        }
        let i = self.lines.len() - 1;
        let name = &self.bytes[self.lines[i].name.clone()];
        let found = if self.names.len() > SCAN_MAX {
            self.index
                .get(name.to_ascii_lowercase().as_slice())
                .copied()
        } else {
            let (bytes, lines) = (&self.bytes, &self.lines);
            self.names
                .iter()
                .position(|n| bytes[lines[n.line].name.clone()].eq_ignore_ascii_case(name))
        };
        if let Some(n) = found {
            self.names[n].repeated = true;
            self.repeats.push((n, i));
            return Ok(());
        }
        if self.names.len() == SCAN_MAX {
            for (n, first) in self.names.iter().enumerate() {
                let lower = self.bytes[self.lines[first.line].name.clone()].to_ascii_lowercase();
                self.index.insert(lower.into(), n);
            }
        }
        if self.names.len() >= SCAN_MAX {
            self.index
                .insert(name.to_ascii_lowercase().into(), self.names.len());
        }
        self.names.push(Name {
            line: i,
            repeated: false,
        });
        Ok(())
    }

    /// Each distinct name in lower case, in order of first appearance, with
    /// its value (repeated lines' values joined with ", ").
    pub(crate) fn fields(&mut self, mut each: impl FnMut(&[u8], &[u8])) {
        // Stable: each name's repeats stay in the order received.
        self.repeats.sort_by_key(|&(n, _)| n);
        let mut name = Vec::new();
        let mut joined = Vec::new();
        let mut repeats = self.repeats.iter().peekable();
        for (n, first) in self.names.iter().enumerate() {
            let line = &self.lines[first.line];
            name.clear();
            name.extend(
                self.bytes[line.name.clone()]
                    .iter()
                    .map(u8::to_ascii_lowercase),
            );
            let mut value = &self.bytes[line.value.clone()];
            if first.repeated {
                joined.clear();
                joined.extend_from_slice(value);
                while let Some(&(_, i)) = repeats.next_if(|(m, _)| *m == n) {
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(&self.bytes[self.lines[i].value.clone()]);
                }
                value = &joined;
            }
            each(&name, value);
        }
    }

    /// Each header line in order: the name as received and the value.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.lines
            .iter()
            .map(|l| (&self.bytes[l.name.clone()], &self.bytes[l.value.clone()]))
    }

    /// How many distinct names there are.
    pub(crate) fn count(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pairs = Vec<(String, String)>;

    /// Feeds `lines`: the fields and the lines, or the error.
    fn read(lines: &[&str], budget: f64) -> Result<(Pairs, Pairs), &'static str> {
        let mut h = Head::new(budget, Vec::new());
        for l in lines {
            h.input().extend_from_slice(l.as_bytes());
            if h.feed()? {
                let mut fields = Vec::new();
                h.fields(|n, v| {
                    fields.push((
                        String::from_utf8_lossy(n).into(),
                        String::from_utf8_lossy(v).into(),
                    ))
                });
                let list = h
                    .lines()
                    .map(|(n, v)| {
                        (
                            String::from_utf8_lossy(n).into(),
                            String::from_utf8_lossy(v).into(),
                        )
                    })
                    .collect();
                assert_eq!(h.count(), fields.len());
                let bytes = h.into_bytes();
                assert!(bytes.len() >= lines.iter().map(|l| l.len()).sum::<usize>());
                return Ok((fields, list));
            }
        }
        panic!("no blank line")
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn names_lowered_values_after_white_space() {
        let (f, l) = read(
            &[
                "Content-Length: 5",
                "X-A:b",
                "X-B: \t c ",
                "X-C:",
                "X-D: ",
                "",
            ],
            1e9,
        )
        .unwrap();
        assert_eq!(
            f,
            pairs(&[
                ("content-length", "5"),
                ("x-a", "b"),
                ("x-b", "c "),
                ("x-c", ""),
                ("x-d", "")
            ])
        );
        assert_eq!(l[0], ("Content-Length".into(), "5".into()));
    }

    #[test]
    fn repeated_names_join_in_order_and_the_list_keeps_them_apart() {
        let (f, l) = read(
            &[
                "Set-Cookie: a=1",
                "X: y",
                "set-cookie: b=2",
                "SET-COOKIE: c=3",
                "",
            ],
            1e9,
        )
        .unwrap();
        assert_eq!(f, pairs(&[("set-cookie", "a=1, b=2, c=3"), ("x", "y")]));
        assert_eq!(l.len(), 4);
        assert_eq!(l[2], ("set-cookie".into(), "b=2".into()));
    }

    #[test]
    fn continuation_lines_are_appended_whole() {
        let (f, l) = read(&["A: one", "  two", "\tthree", "B: x", ""], 1e9).unwrap();
        assert_eq!(f, pairs(&[("a", "one  two\tthree"), ("b", "x")]));
        assert_eq!(l[0].1, "one  two\tthree");
    }

    #[test]
    fn a_first_line_with_leading_space_is_a_header_line() {
        let (f, _) = read(&[" A: b", ""], 1e9).unwrap();
        assert_eq!(f, pairs(&[(" a", "b")]));
    }

    #[test]
    fn status_codes_as_the_lua_pattern_finds_them() {
        let code = |l: &str| status_code(l.as_bytes());
        assert_eq!(code("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(code("HTTP/1.0 404"), Some(404));
        assert_eq!(code("HTTP/. 200"), Some(200));
        assert_eq!(code("HTTP/10.25 5003 x"), Some(500));
        assert_eq!(code("HTTP/x HTTP/1.1 301 later"), Some(301));
        assert_eq!(code("HTTP/1.1 abc"), None);
        assert_eq!(code("HTTP/1.1  200"), None);
        assert_eq!(code("HTTP/1.1 20"), None);
        assert_eq!(code("HTTP/11 200"), None);
        assert_eq!(code("HTTP/"), None);
    }

    #[test]
    fn no_colon_is_malformed() {
        assert_eq!(read(&["A: b", "nonsense", ""], 1e9).unwrap_err(), MALFORMED);
    }

    #[test]
    fn the_budget_counts_every_line() {
        // "A: b" is 4 bytes, "  c" 3: 7 fit in 7, not in 6
        assert!(read(&["A: b", "  c", ""], 7.0).is_ok());
        assert_eq!(read(&["A: b", "  c", ""], 6.0).unwrap_err(), OVERSIZED);
        assert_eq!(read(&["A: b", ""], 3.0).unwrap_err(), OVERSIZED);
    }

    #[test]
    fn many_names_go_through_the_map() {
        let mut lines: Vec<String> = (0..40).map(|i| format!("N{i}: {i}")).collect();
        lines.push("n3: again".into());
        lines.push("N39: again".into());
        lines.push(String::new());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (f, l) = read(&refs, 1e9).unwrap();
        assert_eq!(f.len(), 40);
        assert_eq!(f[3], ("n3".into(), "3, again".into()));
        assert_eq!(f[39], ("n39".into(), "39, again".into()));
        assert_eq!(l.len(), 42);
    }
}
