//! The methods of stream objects: `listen` and `accept` for masters and
//! servers; `receive`, `receiveany`, `send`, `shutdown`,
//! `getstats`/`setstats` for `tcp{client}` and `unixstream{client}`.
//!
//! Replaces LuaSocket's `buffer.c` (`buffer_meth_*`) and the stream halves
//! of `tcp.c` and `unixstream.c`. The buffer and its receive patterns live
//! in `buffer.rs`, behind `Sock::receive`; this file reads the arguments and
//! pushes LuaSocket's returns.

use std::net::Shutdown;

use super::class::{check_id, fail, one, push_done, push_new, switch_class, Want};
use crate::buffer::{send_range, Pattern};
use crate::error::{misuse, NetError};
use crate::mime::is_integer_value;
use crate::sock::Deliver;
use crate::sys::lua::{Kind, Raise, Ret, State};

/// `listen([backlog])` → `1`, and the object becomes the server class `S`.
pub(crate) fn listen<const M: u8, const S: u8>(l: &State) -> Ret {
    let mut s = check_id::<M>(l)?;
    let backlog = l.opt_number(2, 32.0)?;
    let backlog = if backlog.is_nan() {
        32
    } else {
        backlog.clamp(0.0, i32::MAX as f64) as i32
    };
    let r = s.listen(backlog);
    drop(s);
    if r.is_ok() {
        switch_class(l, const { Want::of(S).class() });
    }
    push_done(l, r)
}

/// `accept()` → a new object of class `C`, or `nil, msg`.
pub(crate) fn accept<const S: u8, const C: u8>(l: &State) -> Ret {
    let mut s = check_id::<S>(l)?;
    let got = s.accept();
    drop(s);
    match got {
        Ok(client) => {
            push_new(l, client, const { Want::of(C).class() });
            Ok(1)
        }
        Err(e) => fail(l, &e),
    }
}

/// `receive`'s arguments (after self): the pattern, the prefix and
/// `maxsize`, read and checked as LuaSocket reads them (tcp and tls alike).
#[inline(always)]
pub(crate) fn receive_args(l: &State) -> Result<(Pattern, &[u8], Option<usize>), Raise> {
    // Most calls pass at most a pattern: one look at the top spares the
    // type checks of the absent prefix and maxsize.
    let top = l.top();
    let prefix = if top >= 3 {
        l.opt_bytes(3)?.unwrap_or(&[])
    } else {
        &[]
    };
    // As upstream, anything lua_isnumber accepts (numeric strings too) is a
    // byte count; otherwise a string pattern, "*l" by default. A string that
    // parses as a pattern is never numeric, so trying the pattern first
    // gives the same answer without a strtod on every call.
    let bad = || Raise::arg(2, misuse::RECEIVE_PATTERN);
    let pattern = match l.kind(2) {
        Kind::None | Kind::Nil => Pattern::Line,
        Kind::Number => Pattern::count(l.to_number(2).unwrap_or(-1.0)).ok_or_else(bad)?,
        Kind::String => match Pattern::parse(l.check_bytes(2)?) {
            Some(p) => p,
            None => Pattern::count(l.to_number(2).ok_or_else(bad)?).ok_or_else(bad)?,
        },
        _ => return Err(l.type_error(2, "string")),
    };
    let maxsize = match if top >= 4 { l.kind(4) } else { Kind::None } {
        Kind::None | Kind::Nil => None,
        _ => {
            let m = l.check_number(4)?;
            if m.is_nan() || m < 0.0 {
                return Err(Raise::arg(4, misuse::MAXSIZE));
            }
            Some(if m >= usize::MAX as f64 {
                usize::MAX
            } else {
                m as usize
            })
        }
    };
    Ok((pattern, prefix, maxsize))
}

/// `receive([pattern [, prefix [, maxsize]]])` → `data` or `nil, err,
/// partial`, then the elapsed time (`_DEBUG`).
pub(crate) fn receive<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let (pattern, prefix, maxsize) = receive_args(l)?;
    s.receive(pattern, prefix.len(), maxsize, Push { l, prefix });
    Ok(4)
}

/// `receiveany(max)` → up to `max` bytes (what is buffered, or else what
/// one read brings), or `nil, err` when nothing came.
pub(crate) fn receiveany<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let max = check_max(l, 2)?;
    s.receive_any(max, |got| push_any(l, got))
}

/// `receiveany`'s returns, for tcp and tls objects: the bytes, or
/// `nil, err`.
pub(crate) fn push_any(l: &State, got: Result<&[u8], &NetError>) -> Ret {
    match got {
        Ok(data) => {
            l.push_bytes(data);
            Ok(1)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// `receiveany`'s `max`, read as `luaL_checkinteger` reads it (5.3 and
/// 5.4 refuse a number without an integer value; 5.1, 5.2 and LuaJIT
/// truncate it), then required to be at least 1.
pub(crate) fn check_max(l: &State, idx: i32) -> Result<usize, Raise> {
    let m = l.check_number(idx)?;
    if cfg!(any(feature = "lua53", feature = "lua54")) && !is_integer_value(m) {
        return Err(Raise::arg(idx, misuse::NOT_INTEGER));
    }
    if m.is_nan() || m < 1.0 {
        return Err(Raise::arg(idx, misuse::RECEIVEANY_MAX));
    }
    Ok(if m >= usize::MAX as f64 {
        usize::MAX
    } else {
        m as usize
    })
}

/// Pushes what `receive` returns: `prefix .. data, nil, nil` or
/// `nil, err, prefix .. partial`, then the elapsed time.
pub(crate) struct Push<'a> {
    pub(crate) l: &'a State,
    pub(crate) prefix: &'a [u8],
}

impl Deliver for Push<'_> {
    type Out = ();

    #[inline(always)]
    fn deliver(self, data: &[u8], err: Option<&NetError>, elapsed: f64) {
        let Push { l, prefix } = self;
        match err {
            None => {
                l.push_concat(prefix, data);
                l.push_nil();
                l.push_nil();
            }
            Some(e) => {
                l.push_nil();
                l.push_str(&e.to_string());
                l.push_concat(prefix, data);
            }
        }
        l.push_number(elapsed);
    }
}

/// `send(data [, i [, j]])` → `last_index` or `nil, err, last_index`,
/// then the elapsed time (`_DEBUG`).
pub(crate) fn send<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let data = l.check_bytes(2)?;
    let i = l.opt_number(3, 1.0)?;
    let j = l.opt_number(4, -1.0)?;
    let range = send_range(data.len(), i, j);
    let (sent, err, elapsed) = s.send(&data[range.from..range.to]);
    push_sent(l, range.base + sent as f64, err.as_ref(), elapsed)
}

/// Pushes what `send` returns: `last, nil, nil` or `nil, err, last`, then
/// the elapsed time (tcp and tls objects alike).
pub(crate) fn push_sent(l: &State, last: f64, err: Option<&NetError>, elapsed: f64) -> Ret {
    match err {
        None => {
            l.push_number(last);
            l.push_nil();
            l.push_nil();
        }
        Some(e) => {
            l.push_nil();
            l.push_str(&e.to_string());
            l.push_number(last);
        }
    }
    l.push_number(elapsed);
    Ok(4)
}

/// `shutdown([mode])`: `"both"` (default), `"send"` or `"receive"` → `1`.
pub(crate) fn shutdown<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let how = match l.opt_bytes(2)?.unwrap_or(b"both") {
        b"both" => Shutdown::Both,
        b"send" => Shutdown::Write,
        b"receive" => Shutdown::Read,
        other => {
            let other = String::from_utf8_lossy(other);
            return Err(Raise::arg(2, misuse::invalid_option(&other)));
        }
    };
    s.shutdown(how);
    Ok(one(l))
}

/// `getstats()` → `received, sent, age`.
pub(crate) fn getstats<const W: u8>(l: &State) -> Ret {
    let s = check_id::<W>(l)?;
    let (received, sent, age) = s.stats();
    l.push_number(received);
    l.push_number(sent);
    l.push_number(age);
    Ok(3)
}

/// `setstats([received [, sent [, age]]])` → `1`.
pub(crate) fn setstats<const W: u8>(l: &State) -> Ret {
    let mut s = check_id::<W>(l)?;
    let (received, sent, _) = s.stats();
    let received = l.opt_number(2, received)?;
    let sent = l.opt_number(3, sent)?;
    s.set_stats(received, sent, l.to_number(4));
    Ok(one(l))
}
