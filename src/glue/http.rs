//! `require("luasocket_rs").socket_http()`: the native helpers of
//! `socket.http`. `quiet` tells whether a kept connection can be reused;
//! `statusline` reads the rest of a status line and finds its code;
//! `receiveheaders` reads a response's header lines from
//! one of our `tcp{client}` objects in one call, with the meaning of the
//! Lua loop it stands in for (`head.rs`): each line is one
//! `receive("*l", nil, maxline)` under the socket's timeout rules, so a
//! slow server is given the same time as before.

use super::class::try_id;
use super::class::want::TCP_CLIENT;
use super::set_functions;
use crate::buffer::Pattern;
use crate::error::NetError;
use crate::head::{status_code, Head};
use crate::pool;
use crate::sock::Deliver;
use crate::sys::lua::{native, Kind, Native, Ret, State};

const FUNCTIONS: &[(&str, Native)] = &[
    ("receiveheaders", native!(receiveheaders)),
    ("quiet", native!(quiet)),
    ("statusline", native!(statusline)),
];

/// Builds the helper table and leaves it on the stack.
pub(crate) fn open(l: &State) -> Ret {
    l.new_table(0, FUNCTIONS.len());
    let t = l.top();
    set_functions(l, t, FUNCTIONS);
    Ok(1)
}

/// Appends a received line to a buffer; gives back the error, if any.
struct Append<'a>(&'a mut Vec<u8>);

impl Deliver for Append<'_> {
    type Out = Option<String>;

    #[inline(always)]
    fn deliver(self, data: &[u8], err: Option<&NetError>, _elapsed: f64) -> Option<String> {
        match err {
            None => {
                self.0.extend_from_slice(data);
                None
            }
            Some(e) => Some(e.to_string()),
        }
    }
}

/// `maxline` as socket.http passes it: `Some(None)` for nil (no cap),
/// `None` for anything the Lua code should handle itself.
fn read_maxline(l: &State, idx: i32) -> Option<Option<usize>> {
    match l.kind(idx) {
        Kind::Nil | Kind::None => Some(None),
        Kind::Number => match l.to_number(idx) {
            Some(m) if m >= 0.0 => Some(Some(m as usize)),
            _ => None,
        },
        _ => None,
    }
}

/// `statusline(sock, head, maxline)`: reads the rest of a status line
/// after its first bytes `head` (as `receive("*l", head, maxline)`) →
/// the code (nil when the line has none) and the line; or `nil, err`.
/// `false` when `sock` is not one of our `tcp{client}` objects or the
/// arguments are not what socket.http passes.
fn statusline(l: &State) -> Ret {
    let (Some(head), Some(maxline)) = (l.to_bytes(2), read_maxline(l, 3)) else {
        return not_mine(l);
    };
    let Some(mut s) = try_id::<TCP_CLIENT>(l) else {
        return not_mine(l);
    };
    let mut line = pool::take_scratch();
    line.clear();
    line.extend_from_slice(head);
    let failed = s.receive(Pattern::Line, head.len(), maxline, Append(&mut line));
    drop(s);
    let r = match failed {
        Some(e) => l.fail(&e),
        None => {
            match status_code(&line) {
                Some(code) => l.push_integer(i64::from(code)),
                None => l.push_nil(),
            }
            l.push_bytes(&line);
            Ok(2)
        }
    };
    pool::give_scratch(line);
    r
}

/// `receiveheaders(sock, list, maxline, budget)` → a table of the header
/// lines up to the blank line (names in lower case, repeated names joined
/// with ", "), or `nil, err`. With a table `list` (empty), each line also
/// goes there as `{name, value}`, in order, the name as received.
/// Returns `false` when `sock` is not one of our `tcp{client}` objects or
/// the limits are not numbers (`maxline` may be nil): socket.http then
/// reads the lines itself.
fn receiveheaders(l: &State) -> Ret {
    // Anything else (a negative or NaN maxline, say) is left to the Lua
    // loop, which raises or fails as it always did.
    let Some(maxline) = read_maxline(l, 3) else {
        return not_mine(l);
    };
    let budget = match l.kind(4) {
        Kind::Number => l.to_number(4).unwrap_or(0.0),
        _ => return not_mine(l),
    };
    let Some(mut s) = try_id::<TCP_CLIENT>(l) else {
        return not_mine(l);
    };
    let mut head = Head::new(budget, pool::take_scratch());
    let failed = loop {
        if let Some(e) = s.receive(Pattern::Line, 0, maxline, Append(head.input())) {
            break Some(e);
        }
        match head.feed() {
            Ok(true) => break None,
            Ok(false) => {}
            Err(msg) => break Some(msg.to_string()),
        }
    };
    drop(s);
    if let Some(e) = failed {
        pool::give_scratch(head.into_bytes());
        return l.fail(&e);
    }
    l.new_table(0, head.count());
    let t = l.top();
    head.fields(|name, value| {
        l.push_bytes(name);
        l.push_bytes(value);
        l.set_top_pair(t);
    });
    if l.kind(2) == Kind::Table {
        for (i, (name, value)) in head.lines().enumerate() {
            l.new_table(2, 0);
            let e = l.top();
            l.push_bytes(name);
            l.set_index(e, 1);
            l.push_bytes(value);
            l.set_index(e, 2);
            l.set_index(2, i as i64 + 1);
        }
    }
    pool::give_scratch(head.into_bytes());
    Ok(1)
}

/// `quiet(sock)` → whether a kept connection, one of our `tcp{client}`
/// objects, is still as it was left (nothing buffered, nothing readable:
/// no data, end of stream or error); `nil` for any other object (then
/// socket.http asks `dirty` and `select`).
fn quiet(l: &State) -> Ret {
    match try_id::<TCP_CLIENT>(l) {
        Some(s) => {
            let quiet = s.quiet();
            drop(s);
            l.push_bool(quiet);
        }
        None => l.push_nil(),
    }
    Ok(1)
}

fn not_mine(l: &State) -> Ret {
    l.push_bool(false);
    Ok(1)
}
