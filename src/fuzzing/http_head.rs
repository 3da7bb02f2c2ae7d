//! The `http_head` target: a response head's lines (`head.rs`) against a
//! model of `socket.http`'s Lua loop, which reads the same lines when the
//! socket is not one of ours; and the status code against a backtracking
//! match of its Lua pattern.

use super::input::Input;
use crate::head::{status_code, Head, MALFORMED, OVERSIZED};

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// What a head gives: its fields (lower-case names in order of first
/// appearance, repeated names' values joined with ", ") and its lines.
#[derive(Debug, PartialEq)]
struct Read {
    fields: Pairs,
    lines: Pairs,
}

/// The bytes of Lua's `%s` (C's `isspace`) and of socket.http's `FOLD`.
fn lua_space(b: u8) -> bool {
    b" \t\n\x0b\x0c\r".contains(&b)
}
fn folds(line: &[u8]) -> bool {
    line.first().is_some_and(|b| b" \t\x0b\x0c\r".contains(b))
}

/// `receiveheaders` in lua/socket/http.lua, line by line; `None` when the
/// lines end before the blank line.
fn model(lines: &[&[u8]], mut budget: f64) -> Option<Result<Read, &'static str>> {
    let mut next = lines.iter().copied();
    let mut line = next.next()?;
    let mut read = Read {
        fields: Vec::new(),
        lines: Vec::new(),
    };
    while !line.is_empty() {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Some(Err(MALFORMED));
        };
        let name = &line[..colon];
        let after = &line[colon + 1..];
        let mut value = after[after.iter().take_while(|&&b| lua_space(b)).count()..].to_vec();
        budget -= line.len() as f64;
        line = next.next()?;
        while folds(line) {
            budget -= line.len() as f64;
            if budget < 0.0 {
                return Some(Err(OVERSIZED));
            }
            value.extend_from_slice(line);
            line = next.next()?;
        }
        if budget < 0.0 {
            return Some(Err(OVERSIZED));
        }
        read.lines.push((name.to_vec(), value.clone()));
        let lower = name.to_ascii_lowercase();
        match read.fields.iter_mut().find(|(n, _)| *n == lower) {
            Some((_, old)) => {
                old.extend_from_slice(b", ");
                old.extend_from_slice(&value);
            }
            None => read.fields.push((lower, value)),
        }
    }
    Some(Ok(read))
}

/// `lines` fed to a [`Head`] whose buffer held `garbage` bytes before.
fn fed(lines: &[&[u8]], budget: f64, garbage: usize) -> Option<Result<Read, &'static str>> {
    let mut head = Head::new(budget, vec![b'x'; garbage]);
    for line in lines {
        head.input().extend_from_slice(line);
        match head.feed() {
            Err(e) => return Some(Err(e)),
            Ok(false) => {}
            Ok(true) => {
                let mut fields = Vec::new();
                head.fields(|n, v| fields.push((n.to_vec(), v.to_vec())));
                assert_eq!(head.count(), fields.len(), "count");
                let lines = head
                    .lines()
                    .map(|(n, v)| (n.to_vec(), v.to_vec()))
                    .collect();
                return Some(Ok(Read { fields, lines }));
            }
        }
    }
    None
}

/// `"HTTP/%d*%.%d* (%d%d%d)"` tried at every position, each `%d*` giving
/// back digits one at a time as Lua's matcher does.
fn model_status(line: &[u8]) -> Option<u16> {
    fn digits_then(s: &[u8], rest: &dyn Fn(&[u8]) -> Option<u16>) -> Option<u16> {
        let most = s.iter().take_while(|b| b.is_ascii_digit()).count();
        (0..=most).rev().find_map(|n| rest(&s[n..]))
    }
    let code = |s: &[u8]| match s {
        [b' ', a, b, c, ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    };
    let minor = |s: &[u8]| digits_then(s, &code);
    let dot = |s: &[u8]| s.strip_prefix(b".").and_then(minor);
    (0..line.len()).find_map(|at| {
        line[at..]
            .strip_prefix(b"HTTP/")
            .and_then(|s| digits_then(s, &dot))
    })
}

/// Reads the budget, the garbage left in the head's buffer and the lines
/// (the payload split at each LF, as `receive("*l")` gives them without
/// their LF), then checks the head and each line's status code.
pub fn http_head(data: &[u8]) {
    let mut inp = Input::new(data);
    let budget = match inp.byte() % 4 {
        0 => 1e9,
        1 => f64::from(inp.byte()),
        2 => f64::from(inp.i32()),
        _ => f64::from(inp.byte() % 64) - 8.0,
    };
    let garbage = usize::from(inp.byte());
    let payload = inp.rest();
    let lines: Vec<&[u8]> = payload.split(|&b| b == b'\n').collect();
    assert_eq!(fed(&lines, budget, garbage), model(&lines, budget), "head");
    for line in &lines {
        assert_eq!(status_code(line), model_status(line), "status code");
    }
    assert_eq!(status_code(payload), model_status(payload), "status code");
}
