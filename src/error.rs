//! Errors as LuaSocket reports them.
//!
//! Replaces `pierror.h`, `io.c`'s `io_strerror` and `usocket.c`'s
//! `socket_strerror`/`socket_gaistrerror`. Core functions return
//! `Result<T, NetError>`; the glue turns an `Err` into `nil, msg`, and
//! `NetError`'s `Display` is that `msg`, exactly. Unlike Rust's `io::Error`,
//! OS errors show the bare C library text, without " (os error N)".

use std::io;

use crate::sys;

/// A network outcome that Lua sees as `nil, "<message>"`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NetError {
    #[error("timeout")]
    Timeout,
    #[error("closed")]
    Closed,
    #[error("oversized")]
    Oversized,
    #[error("{}", os_message(.0))]
    Os(#[from] io::Error),
    #[error("{0}")]
    Resolve(String),
    #[error("{0}")]
    Msg(&'static str),
}

impl NetError {
    pub(crate) fn from_errno(code: i32) -> NetError {
        NetError::Os(io::Error::from_raw_os_error(code))
    }
}

/// The single table of OS error texts LuaSocket programs compare against.
pub(crate) fn os_message(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => errno_message(code),
        None if e.kind() == io::ErrorKind::TimedOut => "timeout".to_string(),
        None => e.to_string(),
    }
}

/// The text for an errno value, LuaSocket's way.
pub(crate) fn errno_message(code: i32) -> String {
    match code {
        libc::ETIMEDOUT => "timeout".to_string(),
        libc::EPIPE | libc::ECONNRESET | libc::ECONNABORTED => "closed".to_string(),
        libc::ECONNREFUSED => "connection refused".to_string(),
        libc::EADDRINUSE => "address already in use".to_string(),
        libc::EISCONN => "already connected".to_string(),
        libc::EACCES => "permission denied".to_string(),
        _ => sys::strerror(code),
    }
}

/// The text for a `getaddrinfo`/`getnameinfo` failure.
pub(crate) fn gai_message(err: sys::GaiError) -> String {
    let text = match err.code {
        libc::EAI_AGAIN => "temporary failure in name resolution",
        libc::EAI_BADFLAGS => "invalid value for ai_flags",
        libc::EAI_FAIL => "non-recoverable failure in name resolution",
        libc::EAI_FAMILY => "ai_family not supported",
        libc::EAI_MEMORY => "memory allocation failure",
        libc::EAI_NONAME => "host or service not provided, or not known",
        libc::EAI_OVERFLOW => "argument buffer overflow",
        libc::EAI_SERVICE => "service not supported for socket type",
        libc::EAI_SOCKTYPE => "ai_socktype not supported",
        libc::EAI_SYSTEM => return sys::strerror(err.errno),
        code => return sys::gai_strerror(code),
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_use_luasocket_texts() {
        assert_eq!(
            NetError::from_errno(libc::ECONNREFUSED).to_string(),
            "connection refused"
        );
        assert_eq!(NetError::from_errno(libc::ECONNRESET).to_string(), "closed");
        assert_eq!(NetError::from_errno(libc::EPIPE).to_string(), "closed");
        assert_eq!(NetError::from_errno(libc::ETIMEDOUT).to_string(), "timeout");
        assert_eq!(
            NetError::from_errno(libc::EADDRINUSE).to_string(),
            "address already in use"
        );
        assert_eq!(
            NetError::from_errno(libc::EISCONN).to_string(),
            "already connected"
        );
        assert_eq!(
            NetError::from_errno(libc::EACCES).to_string(),
            "permission denied"
        );
    }

    #[test]
    fn other_errors_are_bare_strerror() {
        let text = NetError::from_errno(libc::EALREADY).to_string();
        assert_eq!(text, "Operation already in progress");
        assert!(!text.contains("os error"));
    }

    #[test]
    fn resolver_errors() {
        let e = sys::GaiError {
            code: libc::EAI_NONAME,
            errno: 0,
        };
        assert_eq!(gai_message(e), "host or service not provided, or not known");
        let e = sys::GaiError {
            code: libc::EAI_SERVICE,
            errno: 0,
        };
        assert_eq!(gai_message(e), "service not supported for socket type");
    }
}
