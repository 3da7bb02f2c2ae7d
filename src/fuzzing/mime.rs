//! The `mime_codecs` target: every `mime.core` codec against its oracle
//! (`mime::naive`), for any chunking, plus round trips and size bounds.

use std::borrow::Cow;

use super::input::{chunk_sizes, split, Input};
use crate::mime::{base64, dot, eol, naive, qp, wrap, Out};

/// Every `mime.core` codec: the low bits of the first byte pick which;
/// all four high bits set stretch the input past the codecs' 64 KiB pieces.
pub fn mime_codecs(data: &[u8]) {
    let mut inp = Input::new(data);
    let pick = inp.byte();
    let long = pick & 0xf0 == 0xf0;
    match pick % 4 {
        0 => mime_base64(inp.rest(), long),
        1 => mime_qp(inp.rest(), long),
        2 => mime_wrap(inp.rest(), long),
        _ => mime_eol_dot(inp.rest(), long),
    }
}

/// Past the 64 KiB pieces in which `qp` and `eol` work.
const LONG: usize = 64 * 1024 + 100;

/// The payload, repeated up to [`LONG`] bytes when `long` is set.
fn stretch(x: &[u8], long: bool) -> Cow<'_, [u8]> {
    if long && !x.is_empty() {
        Cow::Owned(x.repeat(LONG.div_ceil(x.len())))
    } else {
        Cow::Borrowed(x)
    }
}

fn out_vec(out: &Out) -> Vec<u8> {
    out.as_slice().to_vec()
}

/// `b64` as mime.lua calls it: each call a fresh codec given the last
/// rest and one chunk, then a final call that pads.
fn b64_calls(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Out::default();
    let mut rest = Vec::new();
    for part in parts {
        let mut e = base64::Encoder::default();
        e.feed(&rest, &mut out);
        e.feed(part, &mut out);
        rest = e.rest().to_vec();
        assert!(rest.len() < 3);
    }
    let mut e = base64::Encoder::default();
    e.feed(&rest, &mut out);
    e.finish(&mut out);
    out_vec(&out)
}

/// `unb64` as mime.lua calls it; the final call drops an unfinished quad.
fn unb64_calls(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Out::default();
    let mut rest = Vec::new();
    for part in parts {
        let mut d = base64::Decoder::default();
        d.feed(&rest, &mut out);
        d.feed(part, &mut out);
        rest = d.rest().to_vec();
        assert!(rest.len() < 4);
    }
    base64::Decoder::default().feed(&rest, &mut out);
    out_vec(&out)
}

/// Lines between CRLFs are at most `length` bytes long.
fn assert_lines_fit(text: &[u8], length: usize) {
    for line in text.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(line.len() <= length, "line of {} > {length}", line.len());
        assert!(!line.contains(&b'\r'), "stray CR");
    }
}

/// `b64` and `unb64`: equal to the references for any chunking;
/// `unb64(b64(x)) == x`, also once wrapped by `wrp`.
fn mime_base64(data: &[u8], long: bool) {
    let mut inp = Input::new(data);
    let sizes = chunk_sizes(&mut inp);
    let length = 4 + inp.byte() as i32 % 80;
    let x = &*stretch(inp.rest(), long);
    let parts = split(x, &sizes);

    let coded = naive::b64(x);
    assert_eq!(coded.len(), x.len().div_ceil(3) * 4);
    assert_eq!(b64_calls(&parts), coded, "b64");
    let mut e = base64::Encoder::default();
    let mut out = Out::default();
    for part in &parts {
        e.feed(part, &mut out);
    }
    e.finish(&mut out);
    assert_eq!(out.as_slice(), coded, "b64, one codec");

    assert_eq!(unb64_calls(&split(&coded, &sizes)), x, "unb64(b64(x))");
    let mut wrapped = Out::default();
    let mut left = length;
    for part in split(&coded, &sizes) {
        left = wrap::wrap_text(left, length, part, &mut wrapped);
    }
    wrapped.extend(wrap::text_end(left, length).unwrap_or(b""));
    assert_lines_fit(wrapped.as_slice(), length as usize);
    assert_eq!(
        unb64_calls(&split(wrapped.as_slice(), &sizes)),
        x,
        "wrapped"
    );

    // The payload read as (noisy) base64 text.
    let decoded = unb64_calls(&parts);
    assert_eq!(decoded, naive::unb64(x), "unb64");
    assert!(decoded.len() <= x.len() / 4 * 3);
    let mut d = base64::Decoder::default();
    let mut out = Out::default();
    for part in &parts {
        d.feed(part, &mut out);
    }
    assert_eq!(out.as_slice(), decoded, "unb64, one codec");
}

fn qp_calls(parts: &[&[u8]], marker: &[u8]) -> Vec<u8> {
    let mut out = Out::default();
    let mut rest = Vec::new();
    for part in parts {
        let mut e = qp::Encoder::new(marker);
        e.feed(&rest, &mut out);
        e.feed(part, &mut out);
        rest = e.rest().to_vec();
        assert!(rest.len() <= 2);
    }
    let mut e = qp::Encoder::new(marker);
    e.feed(&rest, &mut out);
    e.finish(&mut out);
    out_vec(&out)
}

fn unqp_calls(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Out::default();
    let mut rest = Vec::new();
    for part in parts {
        let mut d = qp::Decoder::default();
        d.feed(&rest, &mut out);
        d.feed(part, &mut out);
        rest = d.rest().to_vec();
        assert!(rest.len() <= 2);
    }
    qp::Decoder::default().feed(&rest, &mut out);
    out_vec(&out)
}

/// `qp`, `unqp` and `qpwrp`: equal to the references for any chunking;
/// with the CRLF marker `unqp(qp(x)) == x`, also once wrapped by `qpwrp`.
fn mime_qp(data: &[u8], long: bool) {
    let mut inp = Input::new(data);
    let flags = inp.byte();
    let marker: &[u8] = match flags % 4 {
        0 | 1 => b"\r\n",
        2 => b"\n",
        _ => {
            let n = inp.byte() as usize % 16;
            inp.take(n)
        }
    };
    let length = 4 + (flags >> 2) as i32 % 80;
    let sizes = chunk_sizes(&mut inp);
    let x = &*stretch(inp.rest(), long);
    let parts = split(x, &sizes);

    let coded = naive::qp(x, marker);
    assert_eq!(qp_calls(&parts, marker), coded, "qp");
    let mut e = qp::Encoder::new(marker);
    let mut out = Out::default();
    for part in &parts {
        e.feed(part, &mut out);
    }
    e.finish(&mut out);
    assert_eq!(out.as_slice(), coded, "qp, one codec");
    assert!(coded.len() <= 3 * x.len() + x.len() / 2 * marker.len() + 3);

    if marker == b"\r\n" {
        assert_eq!(unqp_calls(&split(&coded, &sizes)), x, "unqp(qp(x))");
        let mut wrapped = Out::default();
        let mut left = length;
        for part in split(&coded, &sizes) {
            left = wrap::wrap_qp(left, length, part, &mut wrapped);
        }
        wrapped.extend(wrap::qp_end(left, length).unwrap_or(b""));
        assert_lines_fit(wrapped.as_slice(), length as usize);
        assert_eq!(unqp_calls(&split(wrapped.as_slice(), &sizes)), x, "wrapped");
    }

    let decoded = unqp_calls(&parts);
    assert_eq!(decoded, naive::unqp(x), "unqp");
    assert!(decoded.len() <= x.len());
    let mut d = qp::Decoder::default();
    let mut out = Out::default();
    for part in &parts {
        d.feed(part, &mut out);
    }
    assert_eq!(out.as_slice(), decoded, "unqp, one codec");
}

/// A C `int` option: mostly small, sometimes an edge value.
fn c_int_option(inp: &mut Input) -> i32 {
    const EDGES: [i32; 8] = [76, 0, -1, 1, 2, 3, i32::MIN, i32::MAX];
    match inp.byte() {
        b @ 0..=199 => b as i32,
        b @ 200..=247 => EDGES[b as usize % 8],
        _ => inp.i32(),
    }
}

/// `wrp` and `qpwrp`: the output and the `left` count carried between
/// calls equal the reference's for any chunking, and so does the flush.
fn mime_wrap(data: &[u8], long: bool) {
    let mut inp = Input::new(data);
    let length = c_int_option(&mut inp);
    let start = c_int_option(&mut inp);
    let sizes = chunk_sizes(&mut inp);
    let x = &*stretch(inp.rest(), long);
    for qp in [false, true] {
        let (want, want_left) = naive::wrap(start, length, x, qp);
        let mut out = Out::default();
        let mut left = start;
        for part in split(x, &sizes) {
            left = if qp {
                wrap::wrap_qp(left, length, part, &mut out)
            } else {
                wrap::wrap_text(left, length, part, &mut out)
            };
        }
        assert_eq!((out.as_slice(), left), (&want[..], want_left), "qp {qp}");
        assert!(want.len() <= 4 * x.len());
        let end = if qp {
            wrap::qp_end(left, length)
        } else {
            wrap::text_end(left, length)
        };
        let soft: &[u8] = if qp { b"=\r\n" } else { b"\r\n" };
        assert_eq!(end, (left < length).then_some(soft), "flush");
    }
}

/// `eol` and `dot`: output and carried state equal the references' for
/// any chunking; removing the stuffed dots gives the input back.
fn mime_eol_dot(data: &[u8], long: bool) {
    let mut inp = Input::new(data);
    let flags = inp.byte();
    let last = match flags % 4 {
        0 => 0,
        1 => 13,
        2 => 10,
        _ => inp.i32(),
    };
    let state = match (flags >> 2) % 4 {
        3 => inp.i32() as i64 as u64,
        s => s as u64,
    };
    let marker: &[u8] = match (flags >> 4) % 4 {
        0 => b"\r\n",
        1 => b"\n",
        2 => b"",
        _ => {
            let n = inp.byte() as usize % 16;
            inp.take(n)
        }
    };
    let sizes = chunk_sizes(&mut inp);
    let x = &*stretch(inp.rest(), long);
    let parts = split(x, &sizes);

    let (want, want_last) = naive::eol(last, x, marker);
    let mut out = Out::default();
    let mut got_last = last;
    for part in &parts {
        got_last = eol::eol(got_last, part, marker, &mut out);
    }
    assert_eq!((out.as_slice(), got_last), (&want[..], want_last), "eol");
    assert!(want.len() <= x.len() * marker.len().max(1));

    let (want, want_state) = naive::dot(state, x);
    let mut out = Out::default();
    let mut got_state = state;
    for part in &parts {
        got_state = dot::dot(got_state, part, &mut out);
    }
    assert_eq!((out.as_slice(), got_state), (&want[..], want_state), "dot");
    // Unstuffing: drop the dot after each dot that starts a line.
    let mut back = Vec::new();
    let mut s = state;
    let mut skip_dot = false;
    for &c in &want {
        if skip_dot {
            assert_eq!(c, b'.', "stuffed dot");
            skip_dot = false;
            continue;
        }
        back.push(c);
        skip_dot = c == b'.' && s == 2;
        s = match c {
            b'\r' => 1,
            b'\n' if s == 1 => 2,
            _ => 0,
        };
    }
    assert_eq!(back, x, "unstuffed");
}
