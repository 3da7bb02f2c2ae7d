//! Object classes and the methods every socket kind shares: checking `self`,
//! `close`/`__gc`/`__close`, `__tostring`, `getfd`/`setfd`/`dirty`,
//! `settimeout`/`gettimeout`, `getoption`/`setoption`, and names.
//!
//! Replaces LuaSocket's `auxiliar.c` (classes and groups) and the identical
//! `meth_*` wrappers that `tcp.c`, `udp.c` and `unix*.c` each repeat.

use std::cell::RefMut;
use std::ffi::c_int;

use crate::inet;
use crate::options::{self, OptValue, SockOpt, ValueKind};
use crate::sock::Sock;
use crate::sys::lua::{Kind, Raise, Ret, State};
use crate::timeout::Mode;

/// Every class an object can have; the id is stored in its metatable.
// UDP and unix classes join these; the kind prefix is part of each name.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    TcpMaster = 1,
    TcpClient = 2,
    TcpServer = 3,
}

impl Class {
    pub(crate) const ALL: [Class; 3] = [Class::TcpMaster, Class::TcpClient, Class::TcpServer];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::TcpMaster => "tcp{master}",
            Class::TcpClient => "tcp{client}",
            Class::TcpServer => "tcp{server}",
        }
    }

    pub(crate) fn group(self) -> Group {
        match self {
            Class::TcpMaster | Class::TcpClient | Class::TcpServer => Group::Tcp,
        }
    }

    fn from_id(id: i64) -> Option<Class> {
        Class::ALL.into_iter().find(|c| *c as i64 == id)
    }
}

/// Groups of classes (`tcp{any}`), for methods any state accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Tcp,
}

impl Group {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Group::Tcp => "tcp{any}",
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
    fn name(self) -> &'static str {
        match self {
            Want::Class(c) => c.name(),
            Want::Group(g) => g.name(),
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

/// Pushes a new object of `class` around `sock`.
pub(crate) fn push_new(l: &State, sock: Sock, class: Class) {
    l.new_object(sock, class.name());
}

/// Registers the metatables of `classes`, all sharing `methods`.
pub(crate) fn register(l: &State, classes: &[Class], methods: &[(&str, crate::sys::lua::Native)]) {
    let meta: &[(&str, crate::sys::lua::Native)] =
        &[("__gc", gc), ("__tostring", tostring), ("__close", gc)];
    for c in classes {
        l.register_class(c.name(), *c as i64, methods, meta, &[c.group().name()]);
    }
}

/// Any of our objects, whatever its class (for `__gc` and `__tostring`).
fn any_object(l: &State) -> Option<(RefMut<'_, Sock>, Class)> {
    let (cell, id) = l.to_object(1)?;
    let class = Class::from_id(id)?;
    cell.try_borrow_mut().ok().map(|s| (s, class))
}

/// `__gc` and `__close`: closes the descriptor unless detached.
fn gc(l: &State) -> Ret {
    if let Some((mut s, _)) = any_object(l) {
        s.close();
    }
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

pub(crate) fn close(l: &State, group: Group) -> Ret {
    let (mut s, _) = check(l, Want::Group(group))?;
    s.close();
    l.push_number(1.0);
    Ok(1)
}

pub(crate) fn getfd(l: &State, group: Group) -> Ret {
    let (s, _) = check(l, Want::Group(group))?;
    l.push_number(s.fd as f64);
    Ok(1)
}

pub(crate) fn setfd(l: &State, group: Group) -> Ret {
    let (mut s, _) = check(l, Want::Group(group))?;
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

pub(crate) fn dirty(l: &State, group: Group) -> Ret {
    let (s, _) = check(l, Want::Group(group))?;
    l.push_bool(!s.input.is_empty());
    Ok(1)
}

pub(crate) fn settimeout(l: &State, group: Group) -> Ret {
    let (mut s, _) = check(l, Want::Group(group))?;
    let value = l.opt_number(2, -1.0)?;
    let mode = l.opt_bytes(3)?.unwrap_or(b"b");
    let mode = Mode::parse(mode).ok_or_else(|| Raise::arg(3, "invalid timeout mode"))?;
    s.timeout.set(value, mode);
    l.push_number(1.0);
    Ok(1)
}

pub(crate) fn gettimeout(l: &State, group: Group) -> Ret {
    let (s, _) = check(l, Want::Group(group))?;
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

fn option_value(l: &State, opt: SockOpt) -> Result<OptValue, Raise> {
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
            if l.kind(3) != Kind::Table {
                return Err(l.type_error(3, "table"));
            }
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
    })
}

fn clamp_i32(n: f64) -> i32 {
    if n.is_nan() {
        0
    } else {
        n.clamp(i32::MIN as f64, i32::MAX as f64) as i32
    }
}

pub(crate) fn setoption(l: &State, group: Group, allowed: &[SockOpt]) -> Ret {
    let (s, _) = check(l, Want::Group(group))?;
    let opt = option_name(l, allowed)?;
    let value = option_value(l, opt)?;
    match options::set(s.fd, opt, &value) {
        Ok(()) => {
            l.push_number(1.0);
            Ok(1)
        }
        Err(msg) => l.fail(msg),
    }
}

pub(crate) fn getoption(l: &State, group: Group, allowed: &[SockOpt]) -> Ret {
    let (s, _) = check(l, Want::Group(group))?;
    let opt = option_name(l, allowed)?;
    match options::get(s.fd, opt) {
        Ok(OptValue::Bool(b)) => l.push_bool(b),
        Ok(OptValue::Int(n)) => l.push_number(n as f64),
        Ok(OptValue::Text(t)) => l.push_bytes(&t),
        Ok(OptValue::Nil) => l.push_nil(),
        Ok(OptValue::Linger { on, timeout }) => {
            l.new_table(0, 2);
            let t = l.top();
            l.push_bool(on);
            l.set_field(t, "on");
            l.push_integer(timeout as i64);
            l.set_field(t, "timeout");
        }
        Err(msg) => return l.fail(msg),
    }
    Ok(1)
}

/// Pushes `ip, port, family` or `nil, msg`.
pub(crate) fn push_name(
    l: &State,
    family: i32,
    name: Result<(String, u16), crate::error::NetError>,
) -> Ret {
    match name {
        Ok((ip, port)) => {
            l.push_str(&ip);
            l.push_integer(port as i64);
            l.push_str(inet::family_name(family));
            Ok(3)
        }
        Err(e) => l.fail(&e.to_string()),
    }
}

/// Result count helper for methods returning LuaSocket's `1`.
pub(crate) fn one(l: &State) -> c_int {
    l.push_number(1.0);
    1
}
