//! Errors as LuaSocket reports them.
//!
//! Replaces `pierror.h`, `io.c`'s `io_strerror` and `usocket.c`'s
//! `socket_strerror`/`socket_gaistrerror`. Core functions return
//! `Result<T, NetError>`; the glue turns an `Err` into `nil, msg`, and
//! `NetError`'s `Display` is that `msg`, exactly. Unlike Rust's `io::Error`,
//! OS errors show the bare C library text, without " (os error N)".
//!
//! Every message the library gives lives in this file: the returned ones
//! (`NetError`) and the raised ones ([`misuse`]). Specs compare them exactly.

use std::io;

use crate::sys;

/// The text of a timeout, also `select`'s third result.
pub(crate) const TIMEOUT: &str = "timeout";

/// A network outcome that Lua sees as `nil, "<message>"`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NetError {
    #[error("{}", TIMEOUT)]
    Timeout,
    #[error("closed")]
    Closed,
    #[error("oversized")]
    Oversized,
    #[error("{}", os_message(.0))]
    Os(#[from] io::Error),
    /// What a datagram socket reports for `Closed` and EPIPE, as
    /// upstream's `udp_strerror` words it.
    #[error("refused")]
    Refused,
    #[error("{0}")]
    Resolve(String),
    /// `dns.toip`/`tohostname`: the `hstrerror` text of the lookup's outcome.
    #[error("{}", host_message(*.0))]
    Host(i32),
    #[error("setsockopt failed")]
    SetOption,
    #[error("getsockopt failed")]
    GetOption,
    /// A unix-domain path of 108 bytes or more.
    #[error("path too long")]
    PathTooLong,
    /// bind or connect got no address to try.
    #[error("no info on address")]
    NoAddress,
    /// poll(2) itself failed in `select`.
    #[error("select failed")]
    SelectFailed,
    /// A negative datagram size, which upstream turns into a failed
    /// allocation.
    #[error("out of memory")]
    OutOfMemory,
    /// `poller:modify` or `poller:remove` of an object not in the set.
    #[error("not in poller")]
    NotMember,
    /// `socket.tls`: a handshake with a zero timeout must wait to read
    /// (LuaSec's word).
    #[error("wantread")]
    WantRead,
    /// ... or to write.
    #[error("wantwrite")]
    WantWrite,
    /// `socket.tls`: a TLS failure (certificate check, alert, bad record,
    /// a file that does not load), its text made in `tls/`.
    #[error("{0}")]
    Tls(String),
}

impl NetError {
    pub(crate) fn from_errno(code: i32) -> NetError {
        NetError::Os(io::Error::from_raw_os_error(code))
    }

    /// The error as a datagram socket reports it: a closed socket (or
    /// EPIPE) is "refused"; everything else as usual.
    pub(crate) fn for_datagram(self) -> NetError {
        match self {
            NetError::Closed => NetError::Refused,
            NetError::Os(e) if e.raw_os_error() == Some(libc::EPIPE) => NetError::Refused,
            other => other,
        }
    }
}

/// The text upstream's `toip`/`tohostname` give for a failed lookup with
/// resolver code `code`: "host not found" for an unknown name.
fn host_message(code: i32) -> &'static str {
    match code {
        libc::EAI_AGAIN => "Host name lookup failure",
        libc::EAI_FAIL => "Unknown server error",
        _ => "host not found",
    }
}

/// Messages raised as Lua errors for misuse (a wrong argument, an unknown
/// option), worded as LuaSocket words them; `luaL_argerror` adds the
/// "bad argument #n to 'f' (...)" around the argument ones.
#[cfg(feature = "lua")]
pub(crate) mod misuse {
    /// A method called while the same object is in use (a re-entrant call).
    pub(crate) const BUSY: &str = "socket is busy";
    pub(crate) const BAD_TOSTRING: &str = "invalid object passed to '__tostring'";
    pub(crate) const TIMEOUT_MODE: &str = "invalid timeout mode";
    pub(crate) const RECEIVE_PATTERN: &str = "invalid receive pattern";
    pub(crate) const MAXSIZE: &str = "invalid maxsize";
    /// `receiveany`'s `max` is not a positive integer.
    pub(crate) const RECEIVEANY_MAX: &str = "invalid max";
    pub(crate) const LINGER_ON: &str = "boolean 'on' field expected";
    pub(crate) const LINGER_TIMEOUT: &str = "number 'timeout' field expected";
    pub(crate) const IP: &str = "ip expected";
    pub(crate) const MULTIADDR_FIELD: &str = "string 'multiaddr' field expected";
    pub(crate) const INTERFACE_FIELD: &str = "string 'interface' field expected";
    pub(crate) const INTERFACE_NUMBER: &str = "number 'interface' field expected";
    pub(crate) const MULTIADDR_IP: &str = "invalid 'multiaddr' ip address";
    pub(crate) const INTERFACE_IP: &str = "invalid 'interface' ip address";
    pub(crate) const HOST_AND_SERV: &str = "host and serv cannot be both nil";
    pub(crate) const NOT_INTEGER: &str = "number has no integer representation";
    /// A method of a foreign object that `select` calls raised no string.
    pub(crate) const METHOD_CALL: &str = "error in method call";
    /// `poller:add`/`modify` with events other than "r", "w", "rw".
    pub(crate) const POLLER_EVENTS: &str = "invalid events ('r', 'w' or 'rw' expected)";
    /// `poller:add` of a value that is neither one of our sockets nor a
    /// table or userdata (with a `getfd` method).
    pub(crate) const POLLER_OBJECT: &str = "socket expected";
    /// `socket.poller(backend)` with a name other than "epoll" or "poll".
    pub(crate) const POLLER_BACKEND: &str = "invalid backend ('epoll' or 'poll' expected)";

    /// `tls.newcontext` with a parameter of the wrong type or value.
    pub(crate) fn tls_param(name: &str) -> String {
        format!("socket.tls: invalid value for parameter '{name}'")
    }
    /// A certificate whose DER `socket.tls` cannot read.
    pub(crate) const TLS_BAD_CERT: &str = "socket.tls: malformed certificate";
    /// `cert:digest(alg)` with an algorithm other than sha1/256/384/512.
    pub(crate) const TLS_DIGEST: &str = "digest algorithm not supported";

    /// `luaL_checkudata`'s complaint: "<class> expected".
    pub(crate) fn expected(what: &str) -> String {
        format!("{what} expected")
    }

    /// An option name `getoption`/`setoption` does not know (at most 35
    /// characters of it are shown, as upstream's format does).
    pub(crate) fn unsupported_option(name: &[u8]) -> String {
        let shown: String = String::from_utf8_lossy(name).chars().take(35).collect();
        format!("unsupported option `{shown}'")
    }

    /// `luaL_checkoption`'s complaint.
    pub(crate) fn invalid_option(name: &str) -> String {
        format!("invalid option '{name}'")
    }

    /// A panic caught at the Lua boundary.
    pub(crate) fn internal(detail: &str) -> String {
        format!("luasocket internal error: {detail}")
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
    fn poller_texts() {
        assert_eq!(NetError::NotMember.to_string(), "not in poller");
    }

    #[test]
    fn other_errors_are_bare_strerror() {
        let text = NetError::from_errno(libc::EALREADY).to_string();
        assert_eq!(text, "Operation already in progress");
        assert!(!text.contains("os error"));
    }

    #[test]
    fn datagram_sockets_say_refused() {
        assert_eq!(NetError::Closed.for_datagram().to_string(), "refused");
        let epipe = NetError::from_errno(libc::EPIPE).for_datagram();
        assert_eq!(epipe.to_string(), "refused");
        assert_eq!(NetError::Timeout.for_datagram().to_string(), "timeout");
        assert_eq!(NetError::SelectFailed.to_string(), "select failed");
        assert_eq!(NetError::OutOfMemory.to_string(), "out of memory");
        assert_eq!(
            NetError::Host(libc::EAI_NONAME).to_string(),
            "host not found"
        );
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
