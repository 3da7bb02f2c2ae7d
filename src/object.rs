//! Object classes and the methods socket kinds share: checking `self`,
//! `close`/`__gc`/`__close`, `__tostring`, `getfd`/`setfd`/`dirty`,
//! `settimeout`/`gettimeout`, `getoption`/`setoption`, names, the buffered
//! stream methods of `tcp{client}` and `unixstream{client}`, and the
//! datagram methods of `udp` and `unixdgram` objects.
//!
//! Replaces LuaSocket's `auxiliar.c` (classes and groups), `buffer.c`'s
//! `buffer_meth_*` and the identical `meth_*` wrappers that `tcp.c`, `udp.c`
//! and `unix*.c` each repeat. Each shared method is generic over what it
//! wants of `self` (a class or a group id from [`want`]), so a kind's method
//! table names `object::send::<TCP_CLIENT>` instead of a wrapper function.

use std::cell::RefMut;
use std::ffi::c_int;
use std::net::Shutdown;

use socket2::SockAddr;

use crate::buffer::{send_range, Pattern};
use crate::error::NetError;
use crate::inet;
use crate::options::{self, OptValue, SockOpt, ValueKind};
use crate::sock::Sock;
use crate::sys::lua::{native, Kind, Native, Raise, Ret, State};
use crate::timeout::Mode;

/// What a method wants of `self`, as a const-generic argument: a class id
/// (below [`want::GROUP`]) or a group id.
pub(crate) mod want {
    pub(crate) const TCP_MASTER: u8 = 1;
    pub(crate) const TCP_CLIENT: u8 = 2;
    pub(crate) const TCP_SERVER: u8 = 3;
    pub(crate) const UDP_UNCONNECTED: u8 = 4;
    pub(crate) const UDP_CONNECTED: u8 = 5;
    pub(crate) const UNIXSTREAM_MASTER: u8 = 6;
    pub(crate) const UNIXSTREAM_CLIENT: u8 = 7;
    pub(crate) const UNIXSTREAM_SERVER: u8 = 8;
    pub(crate) const UNIXDGRAM_UNCONNECTED: u8 = 9;
    pub(crate) const UNIXDGRAM_CONNECTED: u8 = 10;
    /// Group ids start here.
    pub(crate) const GROUP: u8 = 100;
    pub(crate) const TCP_ANY: u8 = 101;
    pub(crate) const UDP_ANY: u8 = 102;
    pub(crate) const UNIXSTREAM_ANY: u8 = 103;
    pub(crate) const UNIXDGRAM_ANY: u8 = 104;
}

/// Every class an object can have; the id is kept in the object's block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    TcpMaster = want::TCP_MASTER as isize,
    TcpClient = want::TCP_CLIENT as isize,
    TcpServer = want::TCP_SERVER as isize,
    UdpUnconnected = want::UDP_UNCONNECTED as isize,
    UdpConnected = want::UDP_CONNECTED as isize,
    UnixStreamMaster = want::UNIXSTREAM_MASTER as isize,
    UnixStreamClient = want::UNIXSTREAM_CLIENT as isize,
    UnixStreamServer = want::UNIXSTREAM_SERVER as isize,
    UnixDgramUnconnected = want::UNIXDGRAM_UNCONNECTED as isize,
    UnixDgramConnected = want::UNIXDGRAM_CONNECTED as isize,
}

impl Class {
    pub(crate) const ALL: [Class; 10] = [
        Class::TcpMaster,
        Class::TcpClient,
        Class::TcpServer,
        Class::UdpUnconnected,
        Class::UdpConnected,
        Class::UnixStreamMaster,
        Class::UnixStreamClient,
        Class::UnixStreamServer,
        Class::UnixDgramUnconnected,
        Class::UnixDgramConnected,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::TcpMaster => "tcp{master}",
            Class::TcpClient => "tcp{client}",
            Class::TcpServer => "tcp{server}",
            Class::UdpUnconnected => "udp{unconnected}",
            Class::UdpConnected => "udp{connected}",
            Class::UnixStreamMaster => "unixstream{master}",
            Class::UnixStreamClient => "unixstream{client}",
            Class::UnixStreamServer => "unixstream{server}",
            Class::UnixDgramUnconnected => "unixdgram{unconnected}",
            Class::UnixDgramConnected => "unixdgram{connected}",
        }
    }

    pub(crate) fn group(self) -> Group {
        match self {
            Class::TcpMaster | Class::TcpClient | Class::TcpServer => Group::Tcp,
            Class::UdpUnconnected | Class::UdpConnected => Group::Udp,
            Class::UnixStreamMaster | Class::UnixStreamClient | Class::UnixStreamServer => {
                Group::UnixStream
            }
            Class::UnixDgramUnconnected | Class::UnixDgramConnected => Group::UnixDgram,
        }
    }

    /// The classes of one group, for registering their metatables.
    pub(crate) fn of(group: Group) -> impl Iterator<Item = Class> {
        Class::ALL.into_iter().filter(move |c| c.group() == group)
    }

    fn from_id(id: i64) -> Option<Class> {
        Class::ALL.into_iter().find(|c| *c as i64 == id)
    }
}

/// Groups of classes (`tcp{any}`), for methods any state accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Tcp = want::TCP_ANY as isize,
    Udp = want::UDP_ANY as isize,
    UnixStream = want::UNIXSTREAM_ANY as isize,
    UnixDgram = want::UNIXDGRAM_ANY as isize,
}

impl Group {
    const ALL: [Group; 4] = [Group::Tcp, Group::Udp, Group::UnixStream, Group::UnixDgram];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Group::Tcp => "tcp{any}",
            Group::Udp => "udp{any}",
            Group::UnixStream => "unixstream{any}",
            Group::UnixDgram => "unixdgram{any}",
        }
    }

    /// The group entries of the class metatables, as upstream sets them:
    /// datagram classes are also `select{able}`.
    fn entries(self) -> &'static [&'static str] {
        match self {
            Group::Tcp => &["tcp{any}"],
            Group::Udp => &["udp{any}", "select{able}"],
            Group::UnixStream => &["unixstream{any}"],
            Group::UnixDgram => &["unixdgram{any}", "select{able}"],
        }
    }

    /// The socket type of the group's descriptors.
    fn socktype(self) -> socket2::Type {
        match self {
            Group::Tcp | Group::UnixStream => socket2::Type::STREAM,
            Group::Udp | Group::UnixDgram => socket2::Type::DGRAM,
        }
    }

    /// Options `setoption` accepts.
    fn set_options(self) -> &'static [SockOpt] {
        match self {
            Group::Tcp => options::TCP_SET,
            Group::Udp => options::UDP_SET,
            Group::UnixStream => options::UNIXSTREAM_SET,
            Group::UnixDgram => options::UNIXDGRAM_SET,
        }
    }

    /// Options `getoption` accepts (unix kinds have no `getoption`).
    fn get_options(self) -> &'static [SockOpt] {
        match self {
            Group::Tcp => options::TCP_GET,
            Group::Udp => options::UDP_GET,
            Group::UnixStream | Group::UnixDgram => &[],
        }
    }
}

/// What a method requires of `self`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Want {
    Class(Class),
    Group(Group),
}

impl Want {
    /// Decodes a const-generic [`want`] id.
    pub(crate) fn of(id: u8) -> Want {
        let found = if id > want::GROUP {
            Group::ALL
                .into_iter()
                .find(|g| *g as u8 == id)
                .map(Want::Group)
        } else {
            Class::from_id(id as i64).map(Want::Class)
        };
        debug_assert!(found.is_some(), "unknown want id {id}");
        found.unwrap_or(Want::Group(Group::Tcp))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Want::Class(c) => c.name(),
            Want::Group(g) => g.name(),
        }
    }

    fn group(self) -> Group {
        match self {
            Want::Class(c) => c.group(),
            Want::Group(g) => g,
        }
    }
}

/// Checks argument 1 and borrows the socket: `luaL_argerror(L, 1,
/// "<class> expected")` when it is not what the method wants.
pub(crate) fn check(l: &State, want: Want) -> Result<(RefMut<'_, Sock>, Class), Raise> {
    let found = l
        .to_object(1)
        .and_then(|(cell, id)| Class::from_id(id).map(|c| (cell, c)));
    let ok = match (found, want) {
        (Some((_, c)), Want::Class(w)) => c == w,
        (Some((_, c)), Want::Group(g)) => c.group() == g,
        (None, _) => false,
    };
    match found {
        Some((cell, class)) if ok => {
            let sock = cell
                .try_borrow_mut()
                .map_err(|_| Raise::msg("socket is busy"))?;
            Ok((sock, class))
        }
        _ => Err(Raise::arg(1, format!("{} expected", want.name()))),
    }
}

/// [`check`] for a const-generic [`want`] id. The usual case, one of our
/// objects of the wanted class or group and not busy, is decided here
/// without decoding anything; every other case goes through `check`.
#[inline(always)]
fn check_id(l: &State, id: u8) -> Result<RefMut<'_, Sock>, Raise> {
    if let Some((cell, class)) = l.to_object(1) {
        if class == id as i64 || group_of_class(class) == id {
            if let Ok(s) = cell.try_borrow_mut() {
                return Ok(s);
            }
        }
    }
    check(l, Want::of(id)).map(|(s, _)| s)
}

/// The [`want`] id of the group of class id `class` (0 for no class).
const fn group_of_class(class: i64) -> u8 {
    if class < 0 || class > u8::MAX as i64 {
        return 0;
    }
    match class as u8 {
        want::TCP_MASTER..=want::TCP_SERVER => want::TCP_ANY,
        want::UDP_UNCONNECTED..=want::UDP_CONNECTED => want::UDP_ANY,
        want::UNIXSTREAM_MASTER..=want::UNIXSTREAM_SERVER => want::UNIXSTREAM_ANY,
        want::UNIXDGRAM_UNCONNECTED..=want::UNIXDGRAM_CONNECTED => want::UNIXDGRAM_ANY,
        _ => 0,
    }
}

/// Pushes a new object of `class` around `sock`.
pub(crate) fn push_new(l: &State, sock: Sock, class: Class) {
    l.new_object(sock, class.name(), class as i64);
}

/// Switches the object at argument 1 (one of ours) to `class`.
pub(crate) fn switch_class(l: &State, class: Class) {
    l.set_class(1, class.name(), class as i64);
}

/// The class a const-generic [`want`] class id names.
pub(crate) fn class_of(id: u8) -> Class {
    match Want::of(id) {
        Want::Class(c) => c,
        Want::Group(g) => {
            debug_assert!(false, "want id {id} is the group {}", g.name());
            Class::of(g).next().unwrap_or(Class::TcpMaster)
        }
    }
}

/// A constructor: `socket.tcp4()`, `socket.udp6()`, `socket.unix.stream()`
/// and the rest → a new object of class `C` with a descriptor of `FAMILY`,
/// or `nil, msg`. With `AF_UNSPEC` (`tcp()`, `udp()`) the descriptor is
/// created later, once bind, connect or sendto knows the family.
pub(crate) fn create<const C: u8, const FAMILY: i32>(l: &State) -> Ret {
    let class = class_of(C);
    let made = if FAMILY == libc::AF_UNSPEC {
        Ok(Sock::new(-1, FAMILY))
    } else {
        Sock::create(FAMILY, class.group().socktype())
    };
    match made {
        Ok(sock) => {
            push_new(l, sock, class);
            Ok(1)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// Registers the metatables of every class of `group`, all sharing `methods`.
pub(crate) fn register(l: &State, group: Group, methods: &[(&str, Native)]) {
    let meta: &[(&str, Native)] = &[
        ("__gc", native!(gc)),
        ("__tostring", native!(tostring)),
        ("__close", native!(close_variable)),
    ];
    for c in Class::of(group) {
        l.register_class(c.name(), methods, meta, group.entries());
    }
}

/// Any of our objects, whatever its class (for `__gc` and `__tostring`).
fn any_object(l: &State) -> Option<(RefMut<'_, Sock>, Class)> {
    let (cell, id) = l.to_object(1)?;
    let class = Class::from_id(id)?;
    cell.try_borrow_mut().ok().map(|s| (s, class))
}

/// `__close`: closes the descriptor unless detached; the object stays
/// usable as a closed socket.
fn close_variable(l: &State) -> Ret {
    if let Some((mut s, _)) = any_object(l) {
        s.close();
    }
    Ok(0)
}

/// `__gc`: closes the descriptor unless detached, then retires the block
/// (see `State::retire_object`).
fn gc(l: &State) -> Ret {
    close_variable(l)?;
    l.retire_object(1);
    Ok(0)
}

/// `__tostring`: `"tcp{client}: 0x55d1c2a8"`.
fn tostring(l: &State) -> Ret {
    let name = match l.to_object(1).and_then(|(_, id)| Class::from_id(id)) {
        Some(c) => c.name(),
        None => return Err(Raise::msg("invalid object passed to '__tostring'")),
    };
    let text = format!("{}: {:p}", name, l.to_pointer(1));
    l.push_str(&text);
    Ok(1)
}

/// Result count helper for methods returning LuaSocket's `1`.
pub(crate) fn one(l: &State) -> c_int {
    l.push_number(1.0);
    1
}

/// `1`, or `nil, msg`.
pub(crate) fn push_done(l: &State, r: Result<(), NetError>) -> Ret {
    match r {
        Ok(()) => Ok(one(l)),
        Err(e) => l.fail(&e.to_string()),
    }
}

// ---- methods of every kind ------------------------------------------------

/// `close()` → `1`; closing twice is harmless.
pub(crate) fn close<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    s.close();
    Ok(one(l))
}

/// `socket.core._test_panic([sock])`, present only when
/// `LUASOCKET_TEST_HOOKS=1` at load (see `core::open`): panics on purpose,
/// while holding `sock` (any tcp object) borrowed when one is given, so a
/// spec can prove the trampoline turns a panic into a Lua error and that
/// the object stays usable.
pub(crate) fn test_panic(l: &State) -> Ret {
    let held = if l.is_none_or_nil(1) {
        None
    } else {
        Some(check_id(l, want::TCP_ANY)?)
    };
    panic!(
        "test hook panicked on purpose (holding a socket: {})",
        held.is_some()
    );
}

/// `getfd()` → the descriptor, `-1` once closed or detached.
pub(crate) fn getfd<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    l.push_number(s.fd as f64);
    Ok(1)
}

/// `setfd(n)`: replaces the descriptor without closing the old one.
pub(crate) fn setfd<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let n = l.check_number(2)?;
    // Out-of-range numbers become an invalid descriptor (calls fail with
    // EBADF) instead of wrapping around to somebody else's descriptor.
    let fd = if n.is_finite() && n >= -1.0 && n <= i32::MAX as f64 {
        n as i32
    } else {
        -1
    };
    s.set_fd(fd.max(-1));
    Ok(0)
}

/// `dirty()` → true when buffered input is waiting (never for datagrams).
pub(crate) fn dirty<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    l.push_bool(!s.input.is_empty());
    Ok(1)
}

/// `settimeout(value [, mode])` → `1`.
pub(crate) fn settimeout<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let value = l.opt_number(2, -1.0)?;
    let mode = l.opt_bytes(3)?.unwrap_or(b"b");
    let mode = Mode::parse(mode).ok_or_else(|| Raise::arg(3, "invalid timeout mode"))?;
    s.timeout.set(value, mode);
    Ok(one(l))
}

/// `gettimeout()` → `block, total`.
pub(crate) fn gettimeout<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    l.push_number(s.timeout.block);
    l.push_number(s.timeout.total);
    Ok(2)
}

fn option_name(l: &State, allowed: &[SockOpt]) -> Result<SockOpt, Raise> {
    let name = l.check_bytes(2)?;
    SockOpt::parse(name, allowed).ok_or_else(|| {
        let shown: String = String::from_utf8_lossy(name).chars().take(35).collect();
        Raise::arg(2, format!("unsupported option `{shown}'"))
    })
}

/// Reads `t.key` of the table at 3 as a string (or number), or raises
/// `missing` the way upstream's `lua_isstring` check does.
fn string_field(l: &State, key: &str, missing: &str) -> Result<String, Raise> {
    let kind = l.get_field(3, key);
    let text = match kind {
        Kind::String | Kind::Number => l
            .to_bytes(-1)
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    l.pop(1);
    text.ok_or_else(|| Raise::arg(3, missing))
}

/// An IPv4 address as upstream's options read one: `"*"` is any, and the
/// rest goes through inet_aton.
fn ipv4_arg(text: &str) -> Option<std::net::Ipv4Addr> {
    if text == "*" {
        Some(std::net::Ipv4Addr::UNSPECIFIED)
    } else {
        crate::sys::parse_ipv4(text)
    }
}

fn option_value(l: &State, opt: SockOpt) -> Result<OptValue, Raise> {
    let want_table = |l: &State| {
        if l.kind(3) != Kind::Table {
            Err(l.type_error(3, "table"))
        } else {
            Ok(())
        }
    };
    Ok(match opt.value_kind() {
        ValueKind::Bool => {
            if l.kind(3) != Kind::Boolean {
                return Err(l.type_error(3, "boolean"));
            }
            OptValue::Bool(l.to_boolean(3))
        }
        ValueKind::Int => OptValue::Int(clamp_i32(l.to_number(3).unwrap_or(0.0))),
        ValueKind::Text => OptValue::Text(l.check_bytes(3)?.to_vec()),
        ValueKind::Linger => {
            want_table(l)?;
            if l.get_field(3, "on") != Kind::Boolean {
                l.pop(1);
                return Err(Raise::arg(3, "boolean 'on' field expected"));
            }
            let on = l.to_boolean(-1);
            l.pop(1);
            l.get_field(3, "timeout");
            let timeout = l.to_number(-1);
            l.pop(1);
            let timeout =
                timeout.ok_or_else(|| Raise::arg(3, "number 'timeout' field expected"))?;
            OptValue::Linger {
                on,
                timeout: clamp_i32(timeout),
            }
        }
        ValueKind::Ip4 => {
            let text = l.check_str(3)?;
            OptValue::Ip4(ipv4_arg(&text).ok_or_else(|| Raise::arg(3, "ip expected"))?)
        }
        ValueKind::Membership => {
            want_table(l)?;
            let multi = string_field(l, "multiaddr", "string 'multiaddr' field expected")?;
            let multiaddr = crate::sys::parse_ipv4(&multi)
                .ok_or_else(|| Raise::arg(3, "invalid 'multiaddr' ip address"))?;
            let iface = string_field(l, "interface", "string 'interface' field expected")?;
            let interface =
                ipv4_arg(&iface).ok_or_else(|| Raise::arg(3, "invalid 'interface' ip address"))?;
            OptValue::Membership {
                multiaddr,
                interface,
            }
        }
        ValueKind::Membership6 => {
            want_table(l)?;
            let multi = string_field(l, "multiaddr", "string 'multiaddr' field expected")?;
            let multiaddr: std::net::Ipv6Addr = multi
                .parse()
                .map_err(|_| Raise::arg(3, "invalid 'multiaddr' ip address"))?;
            // As upstream: no interface means the default one (0); anything
            // but a number is refused, with upstream's argument number (-1).
            let interface = match l.get_field(3, "interface") {
                Kind::Nil => Some(0),
                _ => l.to_number(-1).map(clamp_u32),
            };
            l.pop(1);
            let interface =
                interface.ok_or_else(|| Raise::arg(-1, "number 'interface' field expected"))?;
            OptValue::Membership6 {
                multiaddr,
                interface,
            }
        }
    })
}

fn clamp_i32(n: f64) -> i32 {
    if n.is_nan() {
        0
    } else {
        n.clamp(i32::MIN as f64, i32::MAX as f64) as i32
    }
}

fn clamp_u32(n: f64) -> u32 {
    if n.is_nan() {
        0
    } else {
        n.clamp(0.0, u32::MAX as f64) as u32
    }
}

/// `setoption(name, value)` → `1` or `nil, "setsockopt failed"`.
pub(crate) fn setoption<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let opt = option_name(l, Want::of(W).group().set_options())?;
    let value = option_value(l, opt)?;
    match options::set(s.fd, opt, &value) {
        Ok(()) => {
            s.remember(opt, value);
            Ok(one(l))
        }
        Err(msg) => l.fail(msg),
    }
}

/// `getoption(name)` → the value or `nil, "getsockopt failed"`.
pub(crate) fn getoption<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    let opt = option_name(l, Want::of(W).group().get_options())?;
    match options::get(s.fd, opt) {
        Ok(OptValue::Bool(b)) => l.push_bool(b),
        Ok(OptValue::Int(n)) => l.push_number(n as f64),
        Ok(OptValue::Text(t)) => l.push_bytes(&t),
        Ok(OptValue::Ip4(ip)) => l.push_str(&ip.to_string()),
        Ok(OptValue::Nil) => l.push_nil(),
        Ok(OptValue::Linger { on, timeout }) => {
            l.new_table(0, 2);
            let t = l.top();
            l.push_bool(on);
            l.set_field(t, "on");
            l.push_integer(timeout as i64);
            l.set_field(t, "timeout");
        }
        Ok(OptValue::Membership { .. } | OptValue::Membership6 { .. }) => {
            return l.fail("getsockopt failed")
        }
        Err(msg) => return l.fail(msg),
    }
    Ok(1)
}

/// `bind(address, port)` / `setsockname` for internet kinds → `1` or
/// `nil, msg`; `"*"` means every interface.
pub(crate) fn bind<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let host = l.check_str(2)?;
    let port = l.check_str(3)?;
    let r = s.bind(&host, &port, Want::of(W).group().socktype());
    push_done(l, r)
}

// ---- names ------------------------------------------------------------------

/// Pushes `ip, port, family` for an internet address, or the path of a
/// unix-domain one (`""` when unnamed).
fn push_addr(l: &State, family: i32, addr: &SockAddr) -> Result<c_int, NetError> {
    if family == libc::AF_UNIX {
        l.push_bytes(&crate::sys::unix_name(addr));
        return Ok(1);
    }
    let (ip, port) = inet::numeric_name(addr)?;
    l.push_str(&ip);
    l.push_integer(port as i64);
    Ok(2)
}

/// Pushes what `getsockname`/`getpeername` return: `ip, port, family`,
/// a unix path, or `nil, msg`.
fn push_name(l: &State, family: i32, name: Result<SockAddr, NetError>) -> Ret {
    match name.and_then(|addr| push_addr(l, family, &addr)) {
        Ok(1) => Ok(1),
        Ok(n) => {
            l.push_str(inet::family_name(family));
            Ok(n + 1)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// `getsockname()` → `ip, port, family` (unix: the path) or `nil, msg`.
pub(crate) fn getsockname<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    push_name(l, s.family, s.local_addr())
}

/// `getpeername()` → `ip, port, family` or `nil, msg`.
pub(crate) fn getpeername<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    push_name(l, s.family, s.peer_addr())
}

/// `getfamily()` → `"inet4"` or `"inet6"`.
pub(crate) fn getfamily<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    l.push_str(if s.family == libc::AF_INET6 {
        "inet6"
    } else {
        "inet4"
    });
    Ok(1)
}

// ---- buffered streams: tcp{client}, unixstream{client} ------------------

/// `listen([backlog])` → `1`, and the object becomes the server class `S`.
pub(crate) fn listen<const M: u8, const S: u8>(l: &State) -> Ret {
    let mut s = check_id(l, M)?;
    let backlog = l.opt_number(2, 32.0)?;
    let backlog = if backlog.is_nan() {
        32
    } else {
        backlog.clamp(0.0, i32::MAX as f64) as i32
    };
    let r = s.listen(backlog);
    drop(s);
    if r.is_ok() {
        switch_class(l, class_of(S));
    }
    push_done(l, r)
}

/// `accept()` → a new object of class `C`, or `nil, msg`.
pub(crate) fn accept<const S: u8, const C: u8>(l: &State) -> Ret {
    let mut s = check_id(l, S)?;
    let dl = s.timeout.start();
    match s.accept(&dl) {
        Ok(fd) => {
            let family = s.family;
            drop(s);
            push_new(l, Sock::new(fd, family), class_of(C));
            Ok(1)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// `receive([pattern [, prefix [, maxsize]]])` → `data` or `nil, err,
/// partial`, then the elapsed time (`_DEBUG`).
pub(crate) fn receive<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
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
    let bad = || Raise::arg(2, "invalid receive pattern");
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
                return Err(Raise::arg(4, "invalid maxsize"));
            }
            Some(if m >= usize::MAX as f64 {
                usize::MAX
            } else {
                m as usize
            })
        }
    };
    if pattern == Pattern::Line && prefix.is_empty() && maxsize.is_none() && s.fd >= 0 {
        if let Some(line) = s.input.buffered_line() {
            // No system call: the elapsed time is 0 (see docs/timeouts.md).
            l.push_bytes(line);
            l.push_nil();
            l.push_nil();
            s.input.settle();
            l.push_number(0.0);
            return Ok(4);
        }
    }
    let dl = s.timeout.start();
    let got = s.receive(pattern, prefix.len(), maxsize, &dl);
    match &got.err {
        None => {
            l.push_concat(prefix, got.data.as_slice());
            l.push_nil();
            l.push_nil();
        }
        Some(e) => {
            l.push_nil();
            l.push_str(&e.to_string());
            l.push_concat(prefix, got.data.as_slice());
        }
    }
    drop(got);
    s.input.settle();
    l.push_number(dl.elapsed());
    Ok(4)
}

/// `send(data [, i [, j]])` → `last_index` or `nil, err, last_index`,
/// then the elapsed time (`_DEBUG`).
pub(crate) fn send<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let data = l.check_bytes(2)?;
    let i = l.opt_number(3, 1.0)?;
    let j = l.opt_number(4, -1.0)?;
    let range = send_range(data.len(), i, j);
    let dl = s.timeout.start();
    let (sent, err) = s.send_all(&data[range.from..range.to], &dl);
    let last = range.base + sent as f64;
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
    l.push_number(dl.elapsed());
    Ok(4)
}

/// `shutdown([mode])`: `"both"` (default), `"send"` or `"receive"` → `1`.
pub(crate) fn shutdown<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let how = match l.opt_bytes(2)?.unwrap_or(b"both") {
        b"both" => Shutdown::Both,
        b"send" => Shutdown::Write,
        b"receive" => Shutdown::Read,
        other => {
            let other = String::from_utf8_lossy(other).into_owned();
            return Err(Raise::arg(2, format!("invalid option '{other}'")));
        }
    };
    s.shutdown(how);
    Ok(one(l))
}

/// `getstats()` → `received, sent, age`.
pub(crate) fn getstats<const W: u8>(l: &State) -> Ret {
    let s = check_id(l, W)?;
    l.push_number(s.input.received);
    l.push_number(s.sent);
    l.push_number(crate::timeout::gettime() - s.birthday);
    Ok(3)
}

/// `setstats([received [, sent [, age]]])` → `1`.
pub(crate) fn setstats<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let received = l.opt_number(2, s.input.received)?;
    let sent = l.opt_number(3, s.sent)?;
    s.input.received = received.trunc();
    s.sent = sent.trunc();
    if let Some(age) = l.to_number(4) {
        s.birthday = crate::timeout::gettime() - age;
    }
    Ok(one(l))
}

// ---- datagrams: udp, unixdgram ------------------------------------------

/// A datagram outcome as upstream's `udp_strerror` words it: a closed
/// socket (or EPIPE) is "refused"; everything else as usual.
fn dgram_message(e: &NetError) -> String {
    match e {
        NetError::Closed => "refused".to_string(),
        NetError::Os(io) if io.raw_os_error() == Some(libc::EPIPE) => "refused".to_string(),
        other => other.to_string(),
    }
}

/// The optional size argument of `receive`/`receivefrom`: `None` means the
/// whole datagram. Returns `Err(())` for a negative size, which upstream
/// turns into a failed allocation.
fn dgram_size(l: &State) -> Result<Result<Option<usize>, ()>, Raise> {
    if l.is_none_or_nil(2) {
        return Ok(Ok(None));
    }
    let n = l.check_number(2)?;
    if n.is_nan() || n < 0.0 {
        return Ok(Err(()));
    }
    Ok(Ok(Some(if n >= usize::MAX as f64 {
        usize::MAX
    } else {
        n as usize
    })))
}

/// Receives one datagram for `receive` (`from` false) or `receivefrom`.
fn dgram_recv(l: &State, id: u8, from: bool) -> Ret {
    let mut s = check_id(l, id)?;
    let Ok(max) = dgram_size(l)? else {
        return l.fail("out of memory");
    };
    let dl = s.timeout.start();
    let family = s.family;
    let got = s.recv_dgram(max, from, &dl, |data, addr| {
        l.push_bytes(data);
        match addr {
            None => Ok(1),
            Some(a) => push_addr(l, family, a)
                .map(|n| n + 1)
                .inspect_err(|_| l.pop(1)),
        }
    });
    match got.and_then(|r| r) {
        Ok(n) => Ok(n),
        Err(e) => l.fail(&dgram_message(&e)),
    }
}

/// `receive([size])` → the datagram (whole unless `size` is smaller), or
/// `nil, msg`.
pub(crate) fn dgram_receive<const W: u8>(l: &State) -> Ret {
    dgram_recv(l, W, false)
}

/// `receivefrom([size])` → `data, ip, port` (unix: `data, path`), or
/// `nil, msg`.
pub(crate) fn receivefrom<const W: u8>(l: &State) -> Ret {
    dgram_recv(l, W, true)
}

/// `send(data)` on a connected datagram socket → bytes sent or `nil, msg`.
pub(crate) fn dgram_send<const W: u8>(l: &State) -> Ret {
    let mut s = check_id(l, W)?;
    let data = l.check_bytes(2)?;
    send_datagram(l, &mut s, data, None)
}

/// Sends `data` (to `to`, or to the connected peer) and pushes the byte
/// count or `nil, msg`.
pub(crate) fn send_datagram(l: &State, s: &mut Sock, data: &[u8], to: Option<&SockAddr>) -> Ret {
    let dl = s.timeout.start();
    match s.send_dgram(data, to, &dl) {
        Ok(n) => {
            l.push_number(n as f64);
            Ok(1)
        }
        Err(e) => l.fail(&dgram_message(&e)),
    }
}
