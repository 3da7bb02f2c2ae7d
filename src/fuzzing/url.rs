//! The `url` target: the URL escapes against their oracles (`url::naive`).

/// `url.escape`, `url.unescape` and segment protection: equal to
/// references, appending to what the buffer holds; unescaping undoes both
/// encodings; the `*_changes` shortcuts agree with the results.
pub fn url(data: &[u8]) {
    use crate::url::{
        escape, escape_changes, naive, protect_changes, protect_segment, unescape, unescape_changes,
    };
    let run = naive::appended;
    let x = data;

    let escaped = run(escape, x);
    assert_eq!(escaped, naive::escape(x), "escape");
    assert_eq!(escape_changes(x), escaped != x);
    assert_eq!(run(unescape, &escaped), x, "unescape(escape(x))");

    let protected = run(protect_segment, x);
    assert_eq!(protected, naive::protect(x), "protect_segment");
    assert_eq!(protect_changes(x), protected != x);
    assert_eq!(run(unescape, &protected), x, "unescape(protect(x))");

    let unescaped = run(unescape, x);
    assert_eq!(unescaped, naive::unescape(x), "unescape");
    assert_eq!(unescape_changes(x), unescaped != x);
}
