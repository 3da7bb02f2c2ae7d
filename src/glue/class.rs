//! Object classes and groups, from one table: the class names Lua sees, the
//! group each class belongs to, checking `self` in every method, and the
//! metamethods every object has (`__gc`, `__tostring`, `__close`).
//!
//! Replaces LuaSocket's `auxiliar.c`. A method names what it wants of `self`
//! as a const-generic id from [`want`] (a class, or a group of classes), so
//! a method table reads `methods::close::<TCP_ANY>`; an id that names
//! nothing does not compile.

use std::cell::{RefCell, RefMut};
use std::ffi::c_int;

use crate::error::{misuse, NetError};
use crate::options::{self, SockOpt};
use crate::poller::Poller;
use crate::sock::Sock;
use crate::sys::lua::{native, Native, Payload, Raise, Ret, State};

/// What every object's userdata block holds.
pub(crate) type Obj = RefCell<Sock>;

impl Payload for RefCell<Sock> {
    const TAG: usize = 0x6c75_6173_6f63_6b74;
}

/// What a poller's userdata block holds (`socket.poller()`). Not a socket:
/// it has its own payload type (and tag), so no socket method accepts it.
pub(crate) type PollerObj = RefCell<Poller>;

impl Payload for RefCell<Poller> {
    const TAG: usize = 0x6c75_6170_6f6c_6c72;
}

/// The one class of pollers, besides the socket classes of the table below.
pub(crate) const POLLER: &str = "poller";

/// Checks argument 1 is a poller and borrows it: `luaL_argerror(L, 1,
/// "poller expected")` otherwise.
pub(crate) fn check_poller(l: &State) -> Result<RefMut<'_, Poller>, Raise> {
    match l.to_object::<PollerObj>(1) {
        Some((cell, _)) => cell.try_borrow_mut().map_err(|_| Raise::msg(misuse::BUSY)),
        None => Err(Raise::arg(1, misuse::expected(POLLER))),
    }
}

/// Registers the poller metatable with `methods` and `meta`.
pub(crate) fn register_poller(l: &State, methods: &[(&str, Native)], meta: &[(&str, Native)]) {
    l.register_class(POLLER, methods, meta, &[]);
}

/// Want ids from this value up name groups; below it, classes.
const GROUP_BASE: u8 = 128;

/// The one table of classes: each group with its name, its socket type,
/// the group entries upstream sets in its metatables, and the options its
/// `setoption`/`getoption` accept; then its classes, each with its want id
/// and its name.
macro_rules! class_table {
    ($(
        $group:ident = $gid:ident ($gname:literal, $socktype:ident, [$($entry:literal),*],
            set $set:expr, get $get:expr) {
            $($class:ident = $id:ident ($cname:literal)),* $(,)?
        }
    )*) => {
        /// Every class an object can have; the id is kept in the object's block.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Class { $($($class,)*)* }

        /// Groups of classes (`tcp{any}`), for methods any state accepts.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Group { $($group,)* }

        impl Class {
            const ALL: &[Class] = &[$($(Class::$class,)*)*];

            pub(crate) const fn name(self) -> &'static str {
                match self { $($(Class::$class => $cname,)*)* }
            }

            pub(crate) const fn group(self) -> Group {
                match self { $($(Class::$class => Group::$group,)*)* }
            }
        }

        impl Group {
            const ALL: &[Group] = &[$(Group::$group,)*];

            pub(crate) const fn name(self) -> &'static str {
                match self { $(Group::$group => $gname,)* }
            }

            /// The group entries of the class metatables, as upstream sets them.
            fn entries(self) -> &'static [&'static str] {
                match self { $(Group::$group => &[$($entry),*],)* }
            }

            /// The socket type of the group's descriptors.
            pub(crate) fn socktype(self) -> socket2::Type {
                match self { $(Group::$group => socket2::Type::$socktype,)* }
            }

            /// Options `setoption` accepts.
            pub(crate) fn set_options(self) -> &'static [SockOpt] {
                match self { $(Group::$group => $set,)* }
            }

            /// Options `getoption` accepts.
            pub(crate) fn get_options(self) -> &'static [SockOpt] {
                match self { $(Group::$group => $get,)* }
            }
        }

        /// What a method wants of `self`, as a const-generic argument: a
        /// class id, or a group id (from `GROUP_BASE` up).
        pub(crate) mod want {
            use super::{Class, Group, GROUP_BASE};
            $(
                pub(crate) const $gid: u8 = GROUP_BASE + Group::$group as u8;
                $(pub(crate) const $id: u8 = Class::$class as u8;)*
            )*
        }
    };
}

class_table! {
    Tcp = TCP_ANY ("tcp{any}", STREAM, ["tcp{any}"],
        set options::TCP_SET, get options::TCP_GET) {
        TcpMaster = TCP_MASTER ("tcp{master}"),
        TcpClient = TCP_CLIENT ("tcp{client}"),
        TcpServer = TCP_SERVER ("tcp{server}"),
    }
    // Datagram classes are also `select{able}`, as upstream marks them.
    Udp = UDP_ANY ("udp{any}", DGRAM, ["udp{any}", "select{able}"],
        set options::UDP_SET, get options::UDP_GET) {
        UdpUnconnected = UDP_UNCONNECTED ("udp{unconnected}"),
        UdpConnected = UDP_CONNECTED ("udp{connected}"),
    }
    // Unix kinds have no getoption.
    UnixStream = UNIXSTREAM_ANY ("unixstream{any}", STREAM, ["unixstream{any}"],
        set options::UNIXSTREAM_SET, get &[]) {
        UnixStreamMaster = UNIXSTREAM_MASTER ("unixstream{master}"),
        UnixStreamClient = UNIXSTREAM_CLIENT ("unixstream{client}"),
        UnixStreamServer = UNIXSTREAM_SERVER ("unixstream{server}"),
    }
    UnixDgram = UNIXDGRAM_ANY ("unixdgram{any}", DGRAM, ["unixdgram{any}", "select{able}"],
        set options::UNIXDGRAM_SET, get &[]) {
        UnixDgramUnconnected = UNIXDGRAM_UNCONNECTED ("unixdgram{unconnected}"),
        UnixDgramConnected = UNIXDGRAM_CONNECTED ("unixdgram{connected}"),
    }
}

impl Class {
    fn from_id(id: i64) -> Option<Class> {
        usize::try_from(id)
            .ok()
            .and_then(|i| Class::ALL.get(i).copied())
    }

    /// The classes of one group, for registering their metatables.
    fn of(group: Group) -> impl Iterator<Item = Class> {
        Class::ALL
            .iter()
            .copied()
            .filter(move |c| c.group() == group)
    }
}

/// For each class id, the want id of its group (the table the fast check
/// of every method call reads).
const GROUP_WANT: [u8; Class::ALL.len()] = {
    let mut t = [0; Class::ALL.len()];
    let mut i = 0;
    while i < t.len() {
        t[i] = GROUP_BASE + Class::ALL[i].group() as u8;
        i += 1;
    }
    t
};

/// What a method requires of `self`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Want {
    Class(Class),
    Group(Group),
}

impl Want {
    /// Decodes a [`want`] id. Used in constant context
    /// (`const { Want::of(W) }`), so an id that names nothing fails the
    /// build.
    pub(crate) const fn of(id: u8) -> Want {
        if id >= GROUP_BASE {
            let g = (id - GROUP_BASE) as usize;
            assert!(g < Group::ALL.len(), "want id names no group");
            Want::Group(Group::ALL[g])
        } else {
            assert!((id as usize) < Class::ALL.len(), "want id names no class");
            Want::Class(Class::ALL[id as usize])
        }
    }

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Want::Class(c) => c.name(),
            Want::Group(g) => g.name(),
        }
    }

    pub(crate) const fn group(self) -> Group {
        match self {
            Want::Class(c) => c.group(),
            Want::Group(g) => g,
        }
    }

    /// The class a class id names (a group id fails the build).
    pub(crate) const fn class(self) -> Class {
        match self {
            Want::Class(c) => c,
            Want::Group(_) => panic!("want id is a group, not a class"),
        }
    }
}

/// Checks argument 1 and borrows the socket: `luaL_argerror(L, 1,
/// "<class> expected")` when it is not what the method wants.
fn check(l: &State, want: Want) -> Result<RefMut<'_, Sock>, Raise> {
    let found = l
        .to_object::<Obj>(1)
        .and_then(|(cell, id)| Class::from_id(id).map(|c| (cell, c)));
    let ok = match (found, want) {
        (Some((_, c)), Want::Class(w)) => c == w,
        (Some((_, c)), Want::Group(g)) => c.group() == g,
        (None, _) => false,
    };
    match found {
        Some((cell, _)) if ok => cell.try_borrow_mut().map_err(|_| Raise::msg(misuse::BUSY)),
        _ => Err(Raise::arg(1, misuse::expected(want.name()))),
    }
}

/// [`check`] for a const-generic [`want`] id `W`. The usual case, one of our
/// objects of the wanted class or group and not busy, is decided here
/// without decoding anything; every other case goes through `check`.
#[inline(always)]
pub(crate) fn check_id<const W: u8>(l: &State) -> Result<RefMut<'_, Sock>, Raise> {
    match try_id::<W>(l) {
        Some(s) => Ok(s),
        None => check(l, const { Want::of(W) }),
    }
}

/// The socket at argument 1 when it is one of ours of the class or group
/// `W` and not busy; `None` otherwise, raising nothing (for helpers that
/// leave every other object to Lua code).
#[inline(always)]
pub(crate) fn try_id<const W: u8>(l: &State) -> Option<RefMut<'_, Sock>> {
    let (cell, class) = l.to_object::<Obj>(1)?;
    let in_group = || usize::try_from(class).is_ok_and(|i| GROUP_WANT.get(i) == Some(&W));
    if class == W as i64 || in_group() {
        return cell.try_borrow_mut().ok();
    }
    None
}

/// Pushes a new object of `class` around `sock`.
pub(crate) fn push_new(l: &State, sock: Sock, class: Class) {
    l.new_object::<Obj>(RefCell::new(sock), class.name(), class as i64);
}

/// Switches the object at argument 1 (one of ours) to `class`.
pub(crate) fn switch_class(l: &State, class: Class) {
    l.set_class::<Obj>(1, class.name(), class as i64);
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

/// Any of our objects, whatever its class (for `__gc` and `__close`).
fn any_object(l: &State) -> Option<RefMut<'_, Sock>> {
    let (cell, id) = l.to_object::<Obj>(1)?;
    Class::from_id(id)?;
    cell.try_borrow_mut().ok()
}

/// `__close`: closes the descriptor unless detached; the object stays
/// usable as a closed socket.
fn close_variable(l: &State) -> Ret {
    if let Some(mut s) = any_object(l) {
        s.close();
    }
    Ok(0)
}

/// `__gc`: closes the descriptor unless detached (which frees everything
/// the socket owns: the block itself is never dropped), then retires the
/// block (see `State::retire_object`).
fn gc(l: &State) -> Ret {
    close_variable(l)?;
    l.retire_object::<Obj>(1);
    Ok(0)
}

/// `__tostring`: `"tcp{client}: 0x55d1c2a8"`.
fn tostring(l: &State) -> Ret {
    let name = match l.to_object::<Obj>(1).and_then(|(_, id)| Class::from_id(id)) {
        Some(c) => c.name(),
        None => return Err(Raise::msg(misuse::BAD_TOSTRING)),
    };
    let text = format!("{}: {:p}", name, l.to_pointer(1));
    l.push_str(&text);
    Ok(1)
}

/// Pushes LuaSocket's success value `1`; returns the result count.
pub(crate) fn one(l: &State) -> c_int {
    l.push_number(1.0);
    1
}

/// `1`, or `nil, msg`.
pub(crate) fn push_done(l: &State, r: Result<(), NetError>) -> Ret {
    match r {
        Ok(()) => Ok(one(l)),
        Err(e) => fail(l, &e),
    }
}

/// `nil, msg` for a network outcome.
pub(crate) fn fail(l: &State, e: &NetError) -> Ret {
    l.fail(&e.to_string())
}
