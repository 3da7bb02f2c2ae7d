//! The table behind `socket.url`'s native helpers: `escape`, `unescape`
//! and `protect_segment`, each taking one string (or number, converted as
//! `string.gsub` converts it) and returning one string.
//!
//! A wrong argument raises what `luaL_checklstring` would:
//! `bad argument #1 to 'escape' (string expected, got nil)`.

use super::set_functions;
use crate::pool;
use crate::sys::lua::{native, Native, Ret, State};
use crate::url;

const FUNCTIONS: &[(&str, Native)] = &[
    ("escape", native!(escape)),
    ("unescape", native!(unescape)),
    ("protect_segment", native!(protect_segment)),
];

/// Builds the helper table and leaves it on the stack.
pub(crate) fn open(l: &State) -> Ret {
    l.new_table(0, FUNCTIONS.len());
    let t = l.top();
    set_functions(l, t, FUNCTIONS);
    Ok(1)
}

/// Runs `code` over argument 1 and pushes the result. When `changes` says
/// the result would equal the argument, the argument itself is returned (no
/// copy, no new string): `check_bytes` has left a string in its slot, a
/// number argument converted as `string.gsub` would convert it.
#[inline(always)]
fn transform(l: &State, changes: fn(&[u8]) -> bool, code: fn(&[u8], &mut Vec<u8>)) -> Ret {
    let input = l.check_bytes(1)?;
    if !changes(input) {
        l.push_value(1);
        return Ok(1);
    }
    let mut out = pool::take_scratch();
    out.clear();
    code(input, &mut out);
    l.push_bytes(&out);
    pool::give_scratch(out);
    Ok(1)
}

/// `url.escape(s)`: `s` with every byte other than `A-Z a-z 0-9 _` as `%xx`.
fn escape(l: &State) -> Ret {
    transform(l, url::escape_changes, url::escape)
}

/// `url.unescape(s)`: `s` with every `%XY` (two hex digits) decoded.
fn unescape(l: &State) -> Ret {
    transform(l, url::unescape_changes, url::unescape)
}

/// `protect_segment(s)`: one path segment as `url.build_path` writes it.
fn protect_segment(l: &State) -> Ret {
    transform(l, url::protect_changes, url::protect_segment)
}
