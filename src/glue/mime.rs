//! The `mime.core` table: reads each function's arguments the way `mime.c`
//! does (`luaL_optlstring`, `luaL_checknumber`, ...), runs the codec and
//! pushes LuaSocket's results.
//!
//! Conventions kept from `mime.c`, all visible to Lua:
//! - `b64`, `unb64`, `qp`, `unqp`: `nil` as the first argument returns
//!   `nil, nil`; `nil` as the second ends the data (padding or soft break as
//!   the codec needs) and returns `A, nil`, where an empty `A` becomes `nil`
//!   (for `qp`/`unqp`, as in C, any `A` starting with a NUL byte does too).
//! - `wrp`, `qpwrp`, `eol`, `dot` return their state as a float
//!   (`lua_pushnumber`), and at the end of data `wrp`/`qpwrp` return the
//!   final break or `nil`, then `length`; `eol` returns `nil, 0`; `dot`
//!   returns `nil, 2`.
//! - Markers are C strings: they end at the first NUL byte.
//! - Numbers are converted as the C casts do on x86-64 (see [`c_int`]).
//!
//! Output is built in the thread's pooled scratch buffer (`pool.rs`) and
//! copied once into the Lua string.

use super::{check_c_int, set_functions};
use crate::mime::{base64, c_int, c_size, c_string, dot, eol, qp, wrap, Out};
use crate::sys::lua::{native, Native, Ret, State};

const VERSION: &str = "MIME 1.0.3";

const FUNCTIONS: &[(&str, Native)] = &[
    ("b64", native!(b64)),
    ("unb64", native!(unb64)),
    ("qp", native!(qp)),
    ("unqp", native!(unqp)),
    ("wrp", native!(wrp)),
    ("qpwrp", native!(qpwrp)),
    ("eol", native!(eol)),
    ("dot", native!(dot)),
];

/// Builds the `mime.core` table and leaves it on the stack.
pub(crate) fn open(l: &State) -> Ret {
    l.new_table(0, FUNCTIONS.len() + 2);
    let t = l.top();
    set_functions(l, t, FUNCTIONS);
    l.push_str(VERSION);
    l.set_field(t, "_VERSION");
    l.push_str(super::namespace::IMPLEMENTATION);
    l.set_field(t, "_IMPLEMENTATION");
    Ok(1)
}

// ---- output buffer ------------------------------------------------------

/// The output buffer of one call: the thread's pooled scratch buffer.
fn scratch() -> Out {
    Out::from_pool()
}

fn give_back(v: Out) {
    v.recycle()
}

// ---- argument conversions -----------------------------------------------

// ---- pushing results ------------------------------------------------------

fn nil_nil(l: &State) -> Ret {
    l.push_nil();
    l.push_nil();
    Ok(2)
}

/// The last call of a chunked codec: `A, nil`, with an empty `A` as `nil`.
/// `c_empty` tests emptiness as C's `*lua_tostring(L, -1)` does.
fn push_final(l: &State, out: Out, c_empty: bool) -> Ret {
    let bytes = out.as_slice();
    let empty = if c_empty {
        matches!(bytes.first(), None | Some(0))
    } else {
        bytes.is_empty()
    };
    if empty {
        l.push_nil();
    } else {
        l.push_bytes(bytes);
    }
    give_back(out);
    l.push_nil();
    Ok(2)
}

/// A middle call: the output, then the bytes carried to the next call.
fn push_step(l: &State, out: Out, rest: &[u8]) -> Ret {
    l.push_bytes(out.as_slice());
    give_back(out);
    l.push_bytes(rest);
    Ok(2)
}

/// A stateful filter's result: the output (or `nil`) and its state.
fn push_with_state(l: &State, out: Option<&[u8]>, state: f64) -> Ret {
    match out {
        Some(b) => l.push_bytes(b),
        None => l.push_nil(),
    }
    l.push_number(state);
    Ok(2)
}

// ---- the functions ----------------------------------------------------------

/// `A, B = b64(C [, D])`: base64 of the largest prefix of `C .. D` whose
/// length is a multiple of 3, and the rest of it unencoded. With `D` nil the
/// rest is encoded too, with padding, and `B` is nil.
fn b64(l: &State) -> Ret {
    let Some(first) = l.opt_bytes(1)? else {
        return nil_nil(l);
    };
    let second = l.opt_bytes(2)?;
    let mut codec = base64::Encoder::default();
    let mut out = scratch();
    codec.feed(first, &mut out);
    match second {
        None => {
            codec.finish(&mut out);
            push_final(l, out, false)
        }
        Some(second) => {
            codec.feed(second, &mut out);
            push_step(l, out, codec.rest())
        }
    }
}

/// `A, B = unb64(C [, D])`: the bytes of every complete quad of `C .. D`
/// (bytes outside the alphabet skipped), and the digits of the unfinished
/// quad. With `D` nil an unfinished quad is dropped and `B` is nil.
fn unb64(l: &State) -> Ret {
    let Some(first) = l.opt_bytes(1)? else {
        return nil_nil(l);
    };
    let second = l.opt_bytes(2)?;
    let mut codec = base64::Decoder::default();
    let mut out = scratch();
    codec.feed(first, &mut out);
    match second {
        None => push_final(l, out, false),
        Some(second) => {
            codec.feed(second, &mut out);
            push_step(l, out, codec.rest())
        }
    }
}

/// `A, B = qp(C [, D [, marker]])`: quoted-printable of what can be decided
/// in `C .. D`, and the undecided bytes; CRLF becomes `marker` (default
/// CRLF). With `D` nil the undecided bytes are written with a soft break.
fn qp(l: &State) -> Ret {
    let first = l.opt_bytes(1)?;
    let marker = c_string(l.opt_bytes(3)?.unwrap_or(wrap::CRLF));
    let Some(first) = first else {
        return nil_nil(l);
    };
    let second = l.opt_bytes(2)?;
    let mut codec = qp::Encoder::new(marker);
    let mut out = scratch();
    codec.feed(first, &mut out);
    match second {
        None => {
            codec.finish(&mut out);
            push_final(l, out, true)
        }
        Some(second) => {
            codec.feed(second, &mut out);
            push_step(l, out, codec.rest())
        }
    }
}

/// `A, B = unqp(C [, D])`: the decoding of what can be decided in `C .. D`,
/// and the undecided bytes. With `D` nil the undecided bytes are dropped.
fn unqp(l: &State) -> Ret {
    let Some(first) = l.opt_bytes(1)? else {
        return nil_nil(l);
    };
    let second = l.opt_bytes(2)?;
    let mut codec = qp::Decoder::default();
    let mut out = scratch();
    codec.feed(first, &mut out);
    match second {
        None => push_final(l, out, true),
        Some(second) => {
            codec.feed(second, &mut out);
            push_step(l, out, codec.rest())
        }
    }
}

/// `A, n = wrp(left, B [, length])`: `B` broken into CRLF lines of at most
/// `length` (default 76) bytes, `left` being the room on the current line;
/// `n` is the room left after `A`. With `B` nil: CRLF if the line is
/// unfinished (else nil), and `length`.
fn wrp(l: &State) -> Ret {
    let left = c_int(l.check_number(1)?);
    let input = l.opt_bytes(2)?;
    let length = c_int(l.opt_number(3, 76.0)?);
    let Some(input) = input else {
        return push_with_state(l, wrap::text_end(left, length), length as f64);
    };
    let mut out = scratch();
    let left = wrap::wrap_text(left, length, input, &mut out);
    push_with_state(l, Some(out.as_slice()), left as f64)?;
    give_back(out);
    Ok(2)
}

/// `A, n = qpwrp(left, B [, length])`: like `wrp`, for quoted-printable
/// text: breaks are soft (`=\r\n`) and never split an `=XX` escape.
fn qpwrp(l: &State) -> Ret {
    let left = c_int(l.check_number(1)?);
    let input = l.opt_bytes(2)?;
    let length = c_int(l.opt_number(3, 76.0)?);
    let Some(input) = input else {
        return push_with_state(l, wrap::qp_end(left, length), length as f64);
    };
    let mut out = scratch();
    let left = wrap::wrap_qp(left, length, input, &mut out);
    push_with_state(l, Some(out.as_slice()), left as f64)?;
    give_back(out);
    Ok(2)
}

/// `A, n = eol(ctx, B [, marker])`: `B` with every line end (CRLF, LF, CR
/// or LFCR) replaced by `marker` (default CRLF); `ctx` and `n` carry the
/// last CR or LF seen (its code) or 0 between calls. With `B` nil: `nil, 0`.
fn eol(l: &State) -> Ret {
    let last = check_c_int(l, 1)?;
    let input = l.opt_bytes(2)?;
    let marker = c_string(l.opt_bytes(3)?.unwrap_or(wrap::CRLF));
    let Some(input) = input else {
        return push_with_state(l, None, 0.0);
    };
    let mut out = scratch();
    let last = eol::eol(last, input, marker, &mut out);
    push_with_state(l, Some(out.as_slice()), last as f64)?;
    give_back(out);
    Ok(2)
}

/// `A, n = dot(state, B)`: `B` with a `.` doubled at the start of each
/// line (after CRLF); `state` counts the CRLF bytes just seen (2 at the
/// start of a line). With `B` nil: `nil, 2`.
fn dot(l: &State) -> Ret {
    let state = c_size(l.check_number(1)?);
    let Some(input) = l.opt_bytes(2)? else {
        return push_with_state(l, None, 2.0);
    };
    let mut out = scratch();
    let state = dot::dot(state, input, &mut out);
    push_with_state(l, Some(out.as_slice()), state as f64)?;
    give_back(out);
    Ok(2)
}
