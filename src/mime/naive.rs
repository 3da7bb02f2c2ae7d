//! One oracle per MIME codec: LuaSocket's `mime.c` loops read literally,
//! a byte at a time, with no chunks and no word tricks. The codecs' unit
//! tests and the fuzz targets (`fuzzing/mime.rs`) compare against these.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// RFC 4648 base64, six bits at a time off a bit accumulator.
pub(crate) fn b64(x: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for &c in x {
        acc = acc << 8 | c as u32;
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(B64[(acc >> bits) as usize & 63]);
        }
    }
    if bits > 0 {
        out.push(B64[(acc << (6 - bits)) as usize & 63]);
    }
    while out.len() % 4 != 0 {
        out.push(b'=');
    }
    out
}

/// LuaSocket's lenient decoding: other bytes skipped, `=` a zero digit,
/// `=` third gives 1 byte, `=` fourth 2, an unfinished quad nothing.
pub(crate) fn unb64(x: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = x
        .iter()
        .copied()
        .filter(|&c| c == b'=' || B64.contains(&c))
        .collect();
    let mut out = Vec::new();
    for q in digits.chunks_exact(4) {
        let v = q.iter().fold(0u32, |v, &c| {
            let d = B64.iter().position(|&a| a == c).unwrap_or(0);
            v << 6 | d as u32
        });
        let keep = match (q[2], q[3]) {
            (b'=', _) => 1,
            (_, b'=') => 2,
            _ => 3,
        };
        out.extend_from_slice(&v.to_be_bytes()[1..1 + keep]);
    }
    out
}

fn qp_plain(c: u8) -> bool {
    (33..=126).contains(&c) && c != b'='
}

fn push_quoted(c: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[b'=', HEX[c as usize >> 4], HEX[c as usize & 15]]);
}

/// `mime.c`'s `qpencode` and `qppad`: a window of up to three bytes, each
/// byte entering at the back and decided at the front.
pub(crate) fn qp(x: &[u8], marker: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut win: Vec<u8> = Vec::new();
    for &c in x {
        win.push(c);
        while let Some(&first) = win.first() {
            match first {
                b'\r' if win.len() < 2 => break,
                b'\r' if win[1] == b'\n' => {
                    out.extend_from_slice(marker);
                    win.clear();
                    break;
                }
                b' ' | b'\t' if win.len() < 3 => break,
                b' ' | b'\t' if win[1..] == *b"\r\n" => {
                    push_quoted(first, &mut out);
                    out.extend_from_slice(marker);
                    win.clear();
                    break;
                }
                b' ' | b'\t' => out.push(first),
                c if qp_plain(c) => out.push(c),
                c => push_quoted(c, &mut out),
            }
            win.remove(0);
        }
    }
    for &c in &win {
        if qp_plain(c) {
            out.push(c);
        } else {
            push_quoted(c, &mut out);
        }
    }
    if !win.is_empty() {
        out.extend_from_slice(b"=\r\n");
    }
    out
}

/// `mime.c`'s `qpdecode` over the whole input; undecided bytes at the end
/// are dropped.
pub(crate) fn unqp(x: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::new();
    let mut i = 0;
    while i < x.len() {
        match x[i] {
            b'=' => {
                let Some(pair) = x.get(i + 1..i + 3) else {
                    break;
                };
                match (hex(pair[0]), hex(pair[1])) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ if pair == b"\r\n" => {}
                    _ => out.extend_from_slice(&x[i..i + 3]),
                }
                i += 3;
            }
            b'\r' => {
                let Some(&next) = x.get(i + 1) else {
                    break;
                };
                if next == b'\n' {
                    out.extend_from_slice(b"\r\n");
                }
                i += 2;
            }
            c => {
                if c == b'\t' || (32..127).contains(&c) {
                    out.push(c);
                }
                i += 1;
            }
        }
    }
    out
}

/// `mime.c`'s `wrp` and `qpwrp` loops, byte by byte, with C's `int`
/// counter (wrapping here where C would overflow).
pub(crate) fn wrap(mut left: i32, length: i32, x: &[u8], qp: bool) -> (Vec<u8>, i32) {
    let mut out = Vec::new();
    for &c in x {
        match c {
            b'\r' => {}
            b'\n' => {
                out.extend_from_slice(b"\r\n");
                left = length;
            }
            _ => {
                let min = match (qp, c) {
                    (false, _) => 0,
                    (true, b'=') => 3,
                    (true, _) => 1,
                };
                if left <= min {
                    out.extend_from_slice(if qp { b"=\r\n" } else { b"\r\n" });
                    left = length;
                }
                out.push(c);
                left = left.wrapping_sub(1);
            }
        }
    }
    (out, left)
}

/// `mime.c`'s `eolprocess`, byte by byte.
pub(crate) fn eol(mut last: i32, x: &[u8], marker: &[u8]) -> (Vec<u8>, i32) {
    let line_end = |c: i32| c == 13 || c == 10;
    let mut out = Vec::new();
    for &c in x {
        let c = c as i32;
        if !line_end(c) {
            out.push(c as u8);
            last = 0;
        } else if line_end(last) {
            if c == last {
                out.extend_from_slice(marker);
            }
            last = 0;
        } else {
            out.extend_from_slice(marker);
            last = c;
        }
    }
    (out, last)
}

/// `mime.c`'s `dot`, byte by byte.
pub(crate) fn dot(mut state: u64, x: &[u8]) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    for &c in x {
        out.push(c);
        state = match c {
            b'\r' => 1,
            b'\n' if state == 1 => 2,
            b'.' if state == 2 => {
                out.push(b'.');
                0
            }
            _ => 0,
        };
    }
    (out, state)
}
