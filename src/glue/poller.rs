//! `socket.poller()`: a persistent set of objects to wait on (the core is
//! `poller.rs`).
//!
//! No LuaSocket counterpart. Members are our own sockets, read directly
//! (no method calls; buffered input counts as readable without a system
//! call), or any table or userdata with a `getfd` method (and optionally
//! `dirty`), like LuaSec's sockets: `getfd` is called at `add`/`modify`
//! and for such a member once it is reported ready, `dirty` at each wait.
//!
//! The poller's table (its uservalue) holds `t[slot + 1] = obj` and
//! `t[obj] = slot + 1`: it keeps members alive while they are in the set,
//! and finds a member's slot in O(1). Closing the poller drops the table.

use std::cell::RefCell;
use std::ffi::c_int;

use super::class::{check_poller, fail, register_poller, Obj, PollerObj, POLLER};
use crate::error::{misuse, NetError, TIMEOUT};
use crate::poller::{self, Poller, GONE};
use crate::sys::lua::{native, Kind, Native, Raise, Ret, State};
use crate::timeout::Deadline;

const METHODS: &[(&str, Native)] = &[
    ("add", native!(add)),
    ("modify", native!(modify)),
    ("remove", native!(remove)),
    ("wait", native!(wait)),
    ("count", native!(count)),
    ("backend", native!(backend)),
    ("close", native!(close)),
];

const META: &[(&str, Native)] = &[
    ("__gc", native!(gc)),
    ("__tostring", native!(tostring)),
    ("__len", native!(count)),
    ("__close", native!(close)),
];

/// Registers the poller class.
pub(crate) fn register(l: &State) {
    register_poller(l, METHODS, META);
}

/// `socket.poller([backend])` → a new empty poller. `backend` is `"epoll"`
/// (the default on Linux; poll(2) when epoll cannot be had) or `"poll"`.
pub(crate) fn new(l: &State) -> Ret {
    let use_poll = match l.opt_bytes(1)? {
        None | Some(b"epoll") => false,
        Some(b"poll") => true,
        Some(_) => return Err(Raise::arg(1, misuse::POLLER_BACKEND)),
    };
    match Poller::new(use_poll) {
        Ok(p) => {
            l.new_object_with_table::<PollerObj>(RefCell::new(p), POLLER, 0);
            Ok(1)
        }
        Err(e) => fail(l, &e),
    }
}

/// The poller at argument 1 (its cell: borrowed only between Lua calls).
fn cell(l: &State) -> Result<&PollerObj, Raise> {
    l.to_object::<PollerObj>(1)
        .map(|(c, _)| c)
        .ok_or_else(|| Raise::arg(1, misuse::expected(POLLER)))
}

/// Pushes the poller's table and returns its index.
fn push_table(l: &State) -> c_int {
    l.push_table_of(1);
    l.top()
}

/// The slot of the member at `obj`, if it is one.
fn slot_of_value(l: &State, t: c_int, obj: c_int) -> Option<u32> {
    let slot = match l.get_by(t, obj) {
        Kind::Number => l.to_number(-1).map(|n| n as u32 - 1),
        _ => None,
    };
    l.pop(1);
    slot
}

/// Removes member `slot` (whose value is at `obj`) from the set and the
/// table.
fn forget(l: &State, p: &PollerObj, t: c_int, slot: u32, obj: c_int) {
    let mut p = p.borrow_mut();
    if let Some((sock, _)) = l.to_object::<Obj>(obj) {
        if let Ok(mut s) = sock.try_borrow_mut() {
            s.unwatch(p.id());
        }
    }
    p.remove(slot);
    l.clear_by(t, obj);
    l.push_nil();
    l.set_index(t, i64::from(slot) + 1);
}

/// Reads what changed in member sockets since the last call (the tokens
/// their `fd_changed` queued): O(changes), never a pass over the members.
fn sync(l: &State, p: &PollerObj, t: c_int) {
    let mut changes = Vec::new();
    p.borrow().take_changes(&mut changes);
    for token in changes {
        let Some(slot) = p.borrow().slot_of(token) else {
            continue;
        };
        l.get_index(t, i64::from(slot) + 1);
        let obj = l.top();
        let entry = l.to_object::<Obj>(obj).and_then(|(c, _)| {
            let mut s = c.try_borrow_mut().ok()?;
            let id = p.borrow().id();
            let moved = s.watch(id, token);
            Some((s.poll_entry(), moved))
        });
        match entry {
            Some((Some((fd, buffered)), moved)) => {
                let mut pm = p.borrow_mut();
                let interest = pm.interest_of(slot);
                let failed = pm.update(slot, fd, interest, buffered, moved).is_err();
                drop(pm);
                if failed {
                    // update removed it from the set already.
                    l.clear_by(t, obj);
                    l.push_nil();
                    l.set_index(t, i64::from(slot) + 1);
                }
            }
            // Closed (or, impossibly, no longer one of ours): it leaves.
            _ => forget(l, p, t, slot, obj),
        }
        l.pop(1);
    }
}

/// What a value offers the poller: its descriptor and whether it has
/// buffered input; `None` when it is closed. Our sockets are read
/// directly; anything else through its `getfd` method.
fn probe(l: &State, obj: c_int) -> Result<Option<(i32, bool)>, Raise> {
    if let Some((cell, _)) = l.to_object::<Obj>(obj) {
        let s = cell.try_borrow().map_err(|_| Raise::msg(misuse::BUSY))?;
        return Ok(s.poll_entry());
    }
    if !matches!(l.kind(obj), Kind::Table | Kind::Userdata) {
        return Err(Raise::arg(
            obj,
            format!("{}, got {}", misuse::POLLER_OBJECT, l.kind(obj).name()),
        ));
    }
    Ok(foreign_fd(l, obj)?.map(|fd| (fd, false)))
}

/// A foreign object's `getfd()`, `None` unless it is a descriptor number.
fn foreign_fd(l: &State, obj: c_int) -> Result<Option<i32>, Raise> {
    let kind = l.pcall_method(obj, c"getfd").map_err(Raise::Raw)?;
    let fd = if kind == Kind::Number {
        l.to_number(-1)
    } else {
        None
    };
    l.pop(1);
    Ok(match fd {
        Some(n) if n >= 0.0 && n < i32::MAX as f64 => Some(n as i32),
        _ => None,
    })
}

fn check_events(l: &State, idx: c_int) -> Result<u8, Raise> {
    let b = l.check_bytes(idx)?;
    poller::parse_events(b).ok_or_else(|| Raise::arg(idx, misuse::POLLER_EVENTS))
}

/// `p:add(obj, events)` → `true`, or `nil, msg` ("closed" for a closed
/// object or poller). Adding a member again changes its events.
fn add(l: &State) -> Ret {
    change(l, true)
}

/// `p:modify(obj, events)` → `true`, or `nil, "not in poller"`.
fn modify(l: &State) -> Ret {
    change(l, false)
}

fn change(l: &State, may_insert: bool) -> Ret {
    let p = cell(l)?;
    let interest = check_events(l, 3)?;
    l.set_top(3);
    if p.borrow().is_closed() {
        return fail(l, &NetError::Closed);
    }
    let t = push_table(l);
    sync(l, p, t);
    let existing = slot_of_value(l, t, 2);
    if existing.is_none() && !may_insert {
        probe(l, 2)?;
        return fail(l, &NetError::NotMember);
    }
    let Some((fd, buffered)) = probe(l, 2)? else {
        if let Some(slot) = existing {
            forget(l, p, t, slot, 2);
        }
        return fail(l, &NetError::Closed);
    };
    let ours = l.to_object::<Obj>(2).map(|(c, _)| c);
    let mut pm = p.borrow_mut();
    let id = pm.id();
    let r = match existing {
        Some(slot) => {
            let token = pm.token(slot);
            let moved = ours.is_some_and(|c| c.borrow_mut().watch(id, token));
            pm.update(slot, fd, interest, buffered, moved).map(|_| slot)
        }
        None => pm.insert(fd, interest, ours.is_none(), buffered),
    };
    match r {
        Ok(slot) => {
            let token = pm.token(slot);
            drop(pm);
            if let Some(c) = ours {
                c.borrow_mut().watch(id, token);
            }
            l.push_value(2);
            l.set_index(t, i64::from(slot) + 1);
            l.push_integer(i64::from(slot) + 1);
            l.set_pair(t, 2, l.top());
            l.pop(1);
            l.push_bool(true);
            Ok(1)
        }
        Err(e) => {
            drop(pm);
            if let Some(slot) = existing {
                // update dropped it from the set.
                if let Some(c) = ours {
                    c.borrow_mut().unwatch(id);
                }
                l.clear_by(t, 2);
                l.push_nil();
                l.set_index(t, i64::from(slot) + 1);
            }
            fail(l, &e)
        }
    }
}

/// `p:remove(obj)` → `true`, or `nil, "not in poller"` (a member closed
/// since the last call has left the set already).
fn remove(l: &State) -> Ret {
    let p = cell(l)?;
    l.set_top(2);
    if p.borrow().is_closed() {
        return fail(l, &NetError::Closed);
    }
    let t = push_table(l);
    sync(l, p, t);
    match slot_of_value(l, t, 2) {
        Some(slot) => {
            forget(l, p, t, slot, 2);
            l.push_bool(true);
            Ok(1)
        }
        None => fail(l, &NetError::NotMember),
    }
}

/// `p:wait([timeout])` → `ready, events`: an array of the ready members
/// and a parallel array of `"r"`, `"w"` or `"rw"`; `nil, "timeout"` when
/// none became ready in time (`nil` or negative: no limit, 0: look only).
fn wait(l: &State) -> Ret {
    let p = cell(l)?;
    let timeout = l.opt_number(2, -1.0)?;
    l.set_top(2);
    if p.borrow().is_closed() {
        return fail(l, &NetError::Closed);
    }
    let t = push_table(l);
    let dl = Deadline::after(timeout);
    loop {
        sync(l, p, t);
        // Foreign members' `dirty`: called with no borrow held (it is Lua).
        let foreign = p.borrow().foreign().to_vec();
        let mut dirty = Vec::new();
        for slot in foreign {
            l.get_index(t, i64::from(slot) + 1);
            let kind = l.pcall_method(l.top(), c"dirty").map_err(Raise::Raw)?;
            if kind != Kind::Nil && l.to_boolean(-1) {
                dirty.push(slot);
            }
            l.pop(2);
        }
        let left = dl.remaining().map_or(-1.0, |d| d.as_secs_f64());
        let ready = {
            let mut pm = p.borrow_mut();
            match pm.wait(left, &dirty) {
                Ok(r) => r.to_vec(),
                Err(e) => {
                    drop(pm);
                    return fail(l, &e);
                }
            }
        };
        l.new_table(ready.len(), 0);
        let rt = l.top();
        l.new_table(ready.len(), 0);
        let et = l.top();
        let mut n = 0i64;
        for (slot, bits) in ready {
            l.get_index(t, i64::from(slot) + 1);
            let obj = l.top();
            if bits & GONE != 0 {
                forget(l, p, t, slot, obj);
                l.pop(1);
                continue;
            }
            let foreign = p.borrow().is_foreign(slot);
            if foreign {
                // Only ready ones are asked: a closed one leaves the set,
                // a changed descriptor is registered anew (and reported
                // at a later wait, if ready).
                let fd = foreign_fd(l, obj)?;
                let (registered, interest) = {
                    let pm = p.borrow();
                    (pm.fd_of(slot), pm.interest_of(slot))
                };
                match fd {
                    None => {
                        forget(l, p, t, slot, obj);
                        l.pop(1);
                        continue;
                    }
                    Some(fd) if fd != registered => {
                        let failed = p
                            .borrow_mut()
                            .update(slot, fd, interest, false, true)
                            .is_err();
                        if failed {
                            l.clear_by(t, obj);
                            l.push_nil();
                            l.set_index(t, i64::from(slot) + 1);
                        }
                        l.pop(1);
                        continue;
                    }
                    Some(_) => {}
                }
            }
            n += 1;
            l.set_index(rt, n);
            l.push_str(poller::events_text(bits));
            l.set_index(et, n);
        }
        if n > 0 {
            return Ok(2);
        }
        l.pop(2);
        if dl.remaining().is_some_and(|d| d.is_zero()) {
            l.push_nil();
            l.push_str(TIMEOUT);
            return Ok(2);
        }
    }
}

/// `p:count()` (and `#p`): the number of members.
fn count(l: &State) -> Ret {
    let n = check_poller(l)?.count();
    l.push_integer(n as i64);
    Ok(1)
}

/// `p:backend()` → `"epoll"` or `"poll"` (`"closed"` once closed).
fn backend(l: &State) -> Ret {
    let name = check_poller(l)?.backend();
    l.push_str(name);
    Ok(1)
}

/// `p:close()` → `true`: releases the epoll descriptor and every member
/// (they are not closed); closing twice is harmless.
fn close(l: &State) -> Ret {
    check_poller(l)?.close();
    l.new_table(0, 0);
    l.set_table_of(1);
    l.push_bool(true);
    Ok(1)
}

/// `__gc`: closes, then retires the block.
fn gc(l: &State) -> Ret {
    if let Some((cell, _)) = l.to_object::<PollerObj>(1) {
        if let Ok(mut p) = cell.try_borrow_mut() {
            p.close();
        }
    }
    l.retire_object::<PollerObj>(1);
    Ok(0)
}

/// `__tostring`: `"poller: 0x55d1c2a8"`.
fn tostring(l: &State) -> Ret {
    check_poller(l)?;
    let text = format!("{}: {:p}", POLLER, l.to_pointer(1));
    l.push_str(&text);
    Ok(1)
}
