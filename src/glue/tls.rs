//! `socket.tls`'s native half: `newcontext`, `wrap`, the methods of
//! `tls{client}`/`tls{server}` objects and of peer certificates.
//!
//! Replaces the Lua bindings of LuaSec's `context.c`, `ssl.c` and `x509.c`.
//! The connection and its buffer live in `tls/` (core); this file reads
//! arguments and pushes LuaSec's returns. `lua/socket/tls.lua` checks the
//! parameter table before `newcontext` sees it, and takes the descriptor
//! out of the wrapped socket.

use std::cell::{RefCell, RefMut};

use super::class::one;
use super::stream::{check_max, push_any, receive_args, Push};
use super::{check_c_int, set_functions};
use crate::error::{misuse, NetError};
use crate::inet;
use crate::sys;
use crate::sys::lua::{native, Kind, Native, Payload, Raise, Ret, State};
use crate::timeout::Mode;
use crate::tls::{self, cert, Context, Params, Protocol, TlsStream, Verify};

/// What a connection object's block holds.
type ConnObj = RefCell<TlsStream>;
/// A context: `None` once collected.
type CtxObj = RefCell<Option<Context>>;
/// A peer certificate (DER), emptied when collected.
struct CertObj(RefCell<Vec<u8>>);

impl Payload for RefCell<TlsStream> {
    const TAG: usize = 0x6c75_6174_6c73_636e;
}

impl Payload for RefCell<Option<Context>> {
    const TAG: usize = 0x6c75_6174_6c73_6378;
}

impl Payload for CertObj {
    const TAG: usize = 0x6c75_6174_6c73_6372;
}

const CLIENT: &str = "tls{client}";
const SERVER: &str = "tls{server}";
const ANY: &str = "tls{any}";
const CONTEXT: &str = "tls{context}";
const CERTIFICATE: &str = "tls{certificate}";

const CONN_METHODS: &[(&str, Native)] = &[
    ("close", native!(close)),
    ("dirty", native!(dirty)),
    ("dohandshake", native!(dohandshake)),
    ("getalpn", native!(getalpn)),
    ("getfd", native!(getfd)),
    ("getpeercertificate", native!(getpeercertificate)),
    ("getpeerchain", native!(getpeerchain)),
    ("getpeername", native!(getpeername)),
    ("getsniname", native!(getsniname)),
    ("getsockname", native!(getsockname)),
    ("getstats", native!(getstats)),
    ("gettimeout", native!(gettimeout)),
    ("info", native!(info)),
    ("receive", native!(receive)),
    ("receiveany", native!(receiveany)),
    ("send", native!(send)),
    ("setfd", native!(setfd)),
    ("settimeout", native!(settimeout)),
    ("sni", native!(sni)),
];

const CERT_METHODS: &[(&str, Native)] = &[
    ("digest", native!(digest)),
    ("issuer", native!(issuer)),
    ("notafter", native!(notafter)),
    ("notbefore", native!(notbefore)),
    ("pem", native!(pem)),
    ("serial", native!(serial)),
    ("subject", native!(subject)),
];

/// `require("luasocket_rs").socket_tls()`: registers the classes and
/// returns `{ newcontext = f, wrap = f }` (the raw forms the Lua module
/// calls).
pub(crate) fn open(l: &State) -> Ret {
    let conn_meta: &[(&str, Native)] = &[
        ("__gc", native!(conn_gc)),
        ("__tostring", native!(conn_tostring)),
        ("__close", native!(conn_close_variable)),
    ];
    l.register_class(CLIENT, CONN_METHODS, conn_meta, &[ANY]);
    l.register_class(SERVER, CONN_METHODS, conn_meta, &[ANY]);
    l.register_class(
        CONTEXT,
        &[],
        &[
            ("__gc", native!(ctx_gc)),
            ("__tostring", native!(ctx_tostring)),
        ],
        &[],
    );
    l.register_class(
        CERTIFICATE,
        CERT_METHODS,
        &[
            ("__gc", native!(cert_gc)),
            ("__tostring", native!(cert_tostring)),
        ],
        &[],
    );
    l.new_table(0, 3);
    let t = l.top();
    set_functions(
        l,
        t,
        &[
            ("newcontext", native!(newcontext)),
            ("wrap", native!(wrap)),
            ("iscontext", native!(iscontext)),
        ],
    );
    Ok(1)
}

// ---- contexts ------------------------------------------------------------

/// Reads string field `name` of the table at 1 (nil when absent).
fn opt_field(l: &State, name: &str) -> Result<Option<String>, Raise> {
    let v = match l.get_field(1, name) {
        Kind::Nil => None,
        Kind::String => Some(String::from_utf8_lossy(l.to_bytes(-1).unwrap_or(&[])).into_owned()),
        _ => {
            l.pop(1);
            return Err(Raise::msg(misuse::tls_param(name)));
        }
    };
    l.pop(1);
    Ok(v)
}

/// `newcontext(t)`, `t` as `tls.lua` normalised it: `mode`, `protocol`,
/// `verify` ("none", "peer" or "required"), the file names, `alpn` (a
/// list) and `servername` → a context, or `nil, msg` when a file does not
/// load.
fn newcontext(l: &State) -> Ret {
    if l.kind(1) != Kind::Table {
        return Err(l.type_error(1, "table"));
    }
    let bad = |name: &str| Raise::msg(misuse::tls_param(name));
    let server = match opt_field(l, "mode")?.as_deref() {
        Some("server") => true,
        Some("client") | None => false,
        Some(_) => return Err(bad("mode")),
    };
    let protocol = match opt_field(l, "protocol")?.as_deref() {
        Some("tlsv1_2") => Protocol::Tls12,
        Some("tlsv1_3") => Protocol::Tls13,
        Some("any") | None => Protocol::Any,
        Some(_) => return Err(bad("protocol")),
    };
    let verify = match opt_field(l, "verify")?.as_deref() {
        Some("none") => Verify::None,
        Some("peer") => Verify::Peer,
        Some("required") => Verify::PeerRequired,
        None if server => Verify::None,
        None => Verify::Peer,
        Some(_) => return Err(bad("verify")),
    };
    let mut alpn = Vec::new();
    match l.get_field(1, "alpn") {
        Kind::Nil => {}
        Kind::Table => {
            let t = l.top();
            let mut i = 1;
            loop {
                match l.get_index(t, i) {
                    Kind::Nil => break,
                    Kind::String => {
                        let p = l.to_bytes(-1).unwrap_or(&[]).to_vec();
                        l.pop(1);
                        if p.is_empty() || p.len() > 255 {
                            l.pop(1);
                            return Err(bad("alpn"));
                        }
                        alpn.push(p);
                    }
                    _ => {
                        l.pop(2);
                        return Err(bad("alpn"));
                    }
                }
                i += 1;
            }
        }
        _ => {
            l.pop(1);
            return Err(bad("alpn"));
        }
    }
    l.pop(1);
    let params = Params {
        server,
        protocol,
        verify,
        cafile: opt_field(l, "cafile")?,
        capath: opt_field(l, "capath")?,
        certificate: opt_field(l, "certificate")?,
        key: opt_field(l, "key")?,
        alpn,
        servername: opt_field(l, "servername")?,
    };
    match tls::config::build(&params) {
        Ok(ctx) => {
            l.new_object::<CtxObj>(RefCell::new(Some(ctx)), CONTEXT, 0);
            Ok(1)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// `iscontext(v)` → whether `v` is a context.
fn iscontext(l: &State) -> Ret {
    l.push_bool(l.to_object::<CtxObj>(1).is_some());
    Ok(1)
}

fn ctx_gc(l: &State) -> Ret {
    if let Some((cell, _)) = l.to_object::<CtxObj>(1) {
        if let Ok(mut c) = cell.try_borrow_mut() {
            *c = None;
        }
        l.retire_object::<CtxObj>(1);
    }
    Ok(0)
}

fn ctx_tostring(l: &State) -> Ret {
    l.push_str(&format!("{}: {:p}", CONTEXT, l.to_pointer(1)));
    Ok(1)
}

// ---- connections ---------------------------------------------------------

/// `wrap(ctx, fd, block, total)` → a `tls{client}` or `tls{server}`
/// object owning `fd`, with the wrapped socket's timeouts.
fn wrap(l: &State) -> Ret {
    let ctx = match l.to_object::<CtxObj>(1) {
        Some((cell, _)) => cell.borrow().clone(),
        None => None,
    };
    let Some(ctx) = ctx else {
        return Err(Raise::arg(1, misuse::expected(CONTEXT)));
    };
    let fd = check_c_int(l, 2)?;
    if fd < 0 {
        return Err(Raise::arg(2, misuse::expected("open socket")));
    }
    let block = l.opt_number(3, -1.0)?;
    let total = l.opt_number(4, -1.0)?;
    let server = ctx.is_server();
    let stream = TlsStream::new(fd, ctx, (block, total));
    let (name, id) = if server { (SERVER, 1) } else { (CLIENT, 0) };
    l.new_object::<ConnObj>(RefCell::new(stream), name, id);
    Ok(1)
}

/// Checks argument 1 is a TLS connection and borrows it.
fn check(l: &State) -> Result<RefMut<'_, TlsStream>, Raise> {
    match l.to_object::<ConnObj>(1) {
        Some((cell, _)) => cell.try_borrow_mut().map_err(|_| Raise::msg(misuse::BUSY)),
        None => Err(Raise::arg(1, misuse::expected(ANY))),
    }
}

fn conn_close_variable(l: &State) -> Ret {
    if let Some((cell, _)) = l.to_object::<ConnObj>(1) {
        if let Ok(mut s) = cell.try_borrow_mut() {
            s.close();
        }
    }
    Ok(0)
}

fn conn_gc(l: &State) -> Ret {
    conn_close_variable(l)?;
    l.retire_object::<ConnObj>(1);
    Ok(0)
}

fn conn_tostring(l: &State) -> Ret {
    let name = match l.to_object::<ConnObj>(1) {
        Some((_, 1)) => SERVER,
        Some(_) => CLIENT,
        None => return Err(Raise::msg(misuse::BAD_TOSTRING)),
    };
    l.push_str(&format!("{}: {:p}", name, l.to_pointer(1)));
    Ok(1)
}

/// `close()` → `1`: sends close_notify, closes the descriptor.
fn close(l: &State) -> Ret {
    check(l)?.close();
    Ok(one(l))
}

/// `dohandshake()` → `true`, or `false, msg` (`"wantread"`/`"wantwrite"`
/// with a zero timeout; a certificate or protocol failure; `"closed"`), as
/// LuaSec returns.
fn dohandshake(l: &State) -> Ret {
    let r = check(l)?.handshake();
    match r {
        Ok(()) => {
            l.push_bool(true);
            Ok(1)
        }
        Err(e) => {
            l.push_bool(false);
            l.push_str(&e.to_string());
            Ok(2)
        }
    }
}

/// `sni(name)` → `true` (a client's server name, before the handshake);
/// `false` once the handshake started or on a server.
fn sni(l: &State) -> Ret {
    let mut s = check(l)?;
    let name = l.check_str(2)?;
    l.push_bool(s.set_sni(&name));
    Ok(1)
}

/// `getsniname()` → the name the client asked for (a server), the name
/// checked (a client), or nil.
fn getsniname(l: &State) -> Ret {
    let s = check(l)?;
    match s.server_name() {
        Some(n) => l.push_str(&n),
        None => l.push_nil(),
    }
    Ok(1)
}

fn getfd(l: &State) -> Ret {
    let s = check(l)?;
    l.push_number(s.fd() as f64);
    Ok(1)
}

/// `setfd(n)`: replaces the descriptor without closing the old one.
fn setfd(l: &State) -> Ret {
    let mut s = check(l)?;
    let n = l.check_number(2)?;
    let fd = if n.is_finite() && n >= -1.0 && n <= i32::MAX as f64 {
        n as i32
    } else {
        -1
    };
    s.set_fd(fd);
    Ok(0)
}

fn dirty(l: &State) -> Ret {
    let dirty = check(l)?.dirty();
    l.push_bool(dirty);
    Ok(1)
}

fn settimeout(l: &State) -> Ret {
    let mut s = check(l)?;
    let value = l.opt_number(2, -1.0)?;
    let mode = l.opt_bytes(3)?.unwrap_or(b"b");
    let mode = Mode::parse(mode).ok_or_else(|| Raise::arg(3, misuse::TIMEOUT_MODE))?;
    s.set_timeout(value, mode);
    Ok(one(l))
}

fn gettimeout(l: &State) -> Ret {
    let (block, total) = check(l)?.timeouts();
    l.push_number(block);
    l.push_number(total);
    Ok(2)
}

/// `getstats()` → `received, sent` (plaintext bytes).
fn getstats(l: &State) -> Ret {
    let (received, sent) = check(l)?.stats();
    l.push_number(received);
    l.push_number(sent);
    Ok(2)
}

/// `receive([pattern [, prefix [, maxsize]]])`, exactly as `tcp`'s.
fn receive(l: &State) -> Ret {
    let mut s = check(l)?;
    let (pattern, prefix, maxsize) = receive_args(l)?;
    s.receive(pattern, prefix.len(), maxsize, Push { l, prefix });
    Ok(4)
}

fn receiveany(l: &State) -> Ret {
    let mut s = check(l)?;
    let max = check_max(l, 2)?;
    s.receive_any(max, |got| push_any(l, got))
}

/// `send(data [, i [, j]])`, exactly as `tcp`'s.
fn send(l: &State) -> Ret {
    let mut s = check(l)?;
    let data = l.check_bytes(2)?;
    let i = l.opt_number(3, 1.0)?;
    let j = l.opt_number(4, -1.0)?;
    let range = crate::buffer::send_range(data.len(), i, j);
    let (sent, err, elapsed) = s.send(&data[range.from..range.to]);
    super::stream::push_sent(l, range.base + sent as f64, err.as_ref(), elapsed)
}

/// Pushes `ip, port, family` of the local or peer address, or `nil, msg`.
fn push_name(l: &State, peer: bool) -> Ret {
    let s = check(l)?;
    let fd = s.fd();
    drop(s);
    if fd < 0 {
        return l.fail(&NetError::from_errno(libc::EBADF).to_string());
    }
    let addr = sys::with_fd(fd, |s| if peer { s.peer_addr() } else { s.local_addr() });
    let named = addr
        .map_err(NetError::from)
        .and_then(|a| inet::numeric_name(&a).map(|n| (n, i32::from(a.family()))));
    match named {
        Ok(((ip, port), family)) => {
            l.push_str(&ip);
            l.push_integer(i64::from(port));
            l.push_str(inet::family_name(family));
            Ok(3)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

fn getpeername(l: &State) -> Ret {
    push_name(l, true)
}

fn getsockname(l: &State) -> Ret {
    push_name(l, false)
}

/// `getalpn()` → the agreed protocol, or nil.
fn getalpn(l: &State) -> Ret {
    let s = check(l)?;
    match s.alpn() {
        Some(p) => l.push_bytes(p),
        None => l.push_nil(),
    }
    Ok(1)
}

/// `info([field])` → a table (`protocol`, `cipher`, `key`,
/// `authentication`, `encryption`, `mac`, `bits`, `algbits`) or the one
/// field; nil before the handshake.
fn info(l: &State) -> Ret {
    let s = check(l)?;
    let field = l.opt_str(2)?;
    let Some(i) = s.info() else {
        l.push_nil();
        return Ok(1);
    };
    drop(s);
    l.new_table(0, 8);
    let t = l.top();
    for (k, v) in [
        ("protocol", i.protocol),
        ("cipher", i.cipher.as_str()),
        ("key", i.key),
        ("authentication", i.authentication),
        ("encryption", i.encryption.as_str()),
        ("mac", i.mac),
    ] {
        l.push_str(v);
        l.set_field(t, k);
    }
    for k in ["bits", "algbits"] {
        l.push_integer(i64::from(i.bits));
        l.set_field(t, k);
    }
    if let Some(f) = field {
        l.get_field(t, &f);
    }
    Ok(1)
}

fn push_cert(l: &State, der: Vec<u8>) {
    l.new_object::<CertObj>(CertObj(RefCell::new(der)), CERTIFICATE, 0);
}

/// `getpeercertificate([n])` → the peer's certificate (n = 1, its own) or
/// the n-th of the chain it sent, or nil.
fn getpeercertificate(l: &State) -> Ret {
    let s = check(l)?;
    let n = l.opt_number(2, 1.0)?;
    let chain = s.peer_certificates();
    drop(s);
    let idx = if (1.0..1e9).contains(&n) {
        n as usize - 1
    } else {
        usize::MAX
    };
    match chain.and_then(|mut c| (idx < c.len()).then(|| c.swap_remove(idx))) {
        Some(der) => push_cert(l, der),
        None => l.push_nil(),
    }
    Ok(1)
}

/// `getpeerchain()` → a list of the peer's certificates, or nil.
fn getpeerchain(l: &State) -> Ret {
    let chain = check(l)?.peer_certificates();
    let Some(chain) = chain else {
        l.push_nil();
        return Ok(1);
    };
    l.new_table(chain.len(), 0);
    let t = l.top();
    for (i, der) in chain.into_iter().enumerate() {
        push_cert(l, der);
        l.set_index(t, i as i64 + 1);
    }
    Ok(1)
}

// ---- certificates --------------------------------------------------------

/// Checks argument 1 is a certificate; returns a copy of its DER.
fn check_cert(l: &State) -> Result<Vec<u8>, Raise> {
    match l.to_object::<CertObj>(1) {
        Some((c, _)) => Ok(c.0.borrow().clone()),
        None => Err(Raise::arg(1, misuse::expected(CERTIFICATE))),
    }
}

fn parsed(l: &State) -> Result<cert::CertInfo, Raise> {
    let der = check_cert(l)?;
    cert::parse(&der).ok_or_else(|| Raise::msg(misuse::TLS_BAD_CERT))
}

fn push_name_table(l: &State, entries: &[cert::NameEntry]) {
    l.new_table(entries.len(), 0);
    let t = l.top();
    for (i, e) in entries.iter().enumerate() {
        l.new_table(0, 3);
        let et = l.top();
        l.push_str(&e.oid);
        l.set_field(et, "oid");
        l.push_str(&e.name);
        l.set_field(et, "name");
        l.push_bytes(&e.value);
        l.set_field(et, "value");
        l.set_index(t, i as i64 + 1);
    }
}

/// `subject()` → `{ {oid =, name =, value =}, ... }` as LuaSec lists it.
fn subject(l: &State) -> Ret {
    let c = parsed(l)?;
    push_name_table(l, &c.subject);
    Ok(1)
}

fn issuer(l: &State) -> Ret {
    let c = parsed(l)?;
    push_name_table(l, &c.issuer);
    Ok(1)
}

/// `notbefore()` → `"Dec  6 00:00:00 2026 GMT"`.
fn notbefore(l: &State) -> Ret {
    let c = parsed(l)?;
    l.push_str(&c.not_before);
    Ok(1)
}

fn notafter(l: &State) -> Ret {
    let c = parsed(l)?;
    l.push_str(&c.not_after);
    Ok(1)
}

/// `serial()` → the serial number in uppercase hex, as LuaSec.
fn serial(l: &State) -> Ret {
    let c = parsed(l)?;
    l.push_str(&cert::hex(&c.serial).to_uppercase());
    Ok(1)
}

/// `digest([alg])` → lowercase hex of the DER digest; `alg` is `"sha1"`
/// (the default), `"sha256"`, `"sha384"` or `"sha512"`.
fn digest(l: &State) -> Ret {
    let der = check_cert(l)?;
    let alg = l.opt_str(2)?.unwrap_or_else(|| "sha1".to_string());
    match cert::digest(&der, &alg) {
        Some(h) => {
            l.push_str(&h);
            Ok(1)
        }
        None => Err(Raise::arg(2, misuse::TLS_DIGEST)),
    }
}

/// `pem()` → the certificate as PEM text.
fn pem(l: &State) -> Ret {
    let der = check_cert(l)?;
    l.push_str(&cert::pem(&der));
    Ok(1)
}

fn cert_gc(l: &State) -> Ret {
    if let Some((c, _)) = l.to_object::<CertObj>(1) {
        if let Ok(mut v) = c.0.try_borrow_mut() {
            *v = Vec::new();
        }
        l.retire_object::<CertObj>(1);
    }
    Ok(0)
}

fn cert_tostring(l: &State) -> Ret {
    l.push_str(&format!("{}: {:p}", CERTIFICATE, l.to_pointer(1)));
    Ok(1)
}
