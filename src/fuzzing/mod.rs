//! Property checks over hostile bytes for the native code that parses
//! what a peer or a caller sends, one file per cargo-fuzz target in `fuzz/`:
//! `line_splitter` (the receive buffer, `buffer.rs`), `mime_codecs` (the
//! MIME codecs, `mime/`), `url` (the URL escapes, `url.rs`), `http_head`
//! (a response head's lines and status code, `head.rs`) and `x509` (the
//! certificate reader of `getpeercertificate`, `tls/cert.rs`).
//!
//! Each target takes any bytes, reads its options and chunk boundaries
//! from their front (`input.rs`), and panics when a property fails: the
//! result differs from the oracle (the codecs' own `naive` versions, the
//! stream model in `line_splitter.rs`, so it cannot depend on where chunks
//! are split, or the model of socket.http's Lua loop in `http_head.rs`), a
//! round trip loses bytes, or a size bound is broken.
//! `cargo test` replays `fuzz/regressions/` and a pseudo-random sweep
//! through them.
//!
//! Built only for tests and with the `fuzzing` feature; not a public API.

mod http_head;
mod input;
mod line_splitter;
mod mime;
mod url;
mod x509;

pub use http_head::http_head;
pub use line_splitter::line_splitter;
pub use mime::mime_codecs;
pub use url::url;
pub use x509::x509;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    type Check = fn(&[u8]);

    const TARGETS: &[(&str, Check)] = &[
        ("line_splitter", line_splitter),
        ("mime_codecs", mime_codecs),
        ("url", url),
        ("http_head", http_head),
        ("x509", |data| {
            x509(data);
        }),
    ];

    /// Every committed seed and finding still passes.
    #[test]
    fn regressions_replay() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
        for (name, check) in TARGETS {
            let dir = root.join(name);
            let mut files = 0;
            for entry in std::fs::read_dir(&dir).expect("fuzz/regressions/<target>") {
                let path = entry.expect("directory entry").path();
                let data = std::fs::read(&path).expect("regression file");
                let caught = std::panic::catch_unwind(|| check(&data));
                assert!(caught.is_ok(), "{} fails again", path.display());
                files += 1;
            }
            assert!(files > 0, "no inputs in {}", dir.display());
        }
    }

    /// A deterministic sweep: short inputs, half their bytes from the
    /// characters each parser cares about.
    #[test]
    fn pseudo_random_sweep() {
        let interesting: &[(&str, &[u8])] = &[
            ("line_splitter", b"\r\n\r\nab"),
            ("mime_codecs", b"\r\n.= \tAZaz09+/=\0\xff"),
            ("url", b"%%0aF_g-"),
            ("http_head", b"\n\n: \tHTTP/1.0 200aA"),
            ("x509", b"\x30\x31\x06\x02\x17\x18\x0d\x81\x82\xa0\x5a"),
        ];
        let mut rng = Rng::new(0x1E70_FB17);
        for ((name, check), (_, alphabet)) in TARGETS.iter().zip(interesting) {
            for _ in 0..1500 {
                let len = rng.below(200);
                let mut data: Vec<u8> = (0..len)
                    .map(|_| match rng.below(2) {
                        0 => rng.next() as u8,
                        _ => alphabet[rng.below(alphabet.len())],
                    })
                    .collect();
                // Long mime inputs are slow unoptimised; seeds cover them.
                if *name == "mime_codecs" && !data.is_empty() {
                    data[0] &= 0x7f;
                }
                check(&data);
            }
        }
    }
}
