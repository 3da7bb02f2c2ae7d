//! `socket.select(recvt, sendt [, timeout])` on poll(2).
//!
//! Replaces LuaSocket's `select.c`. Differences on purpose: poll instead of
//! select(2), so there is no 1024-descriptor ceiling and descriptors above
//! 1023 work; our own sockets are read directly instead of through their
//! `getfd`/`dirty` methods; and an entry whose `getfd` gives a number out
//! of descriptor range is ignored (upstream crashes).

use std::ffi::c_int;

use super::class::Obj;
use crate::error::{NetError, TIMEOUT};
use crate::io;
use crate::sys::lua::{Kind, Raise, Ret, State};
use crate::timeout::Deadline;

/// One entry of `recvt` or `sendt`.
struct Entry {
    /// 1 for recvt, 2 for sendt (the argument index of its table).
    table: c_int,
    /// Its index in that table.
    index: i64,
    fd: i32,
    dirty: bool,
}

/// The descriptor and dirtiness of a table entry, `None` to ignore it.
fn probe(l: &State, idx: c_int, want_dirty: bool) -> Result<Option<(i32, bool)>, Raise> {
    if let Some((cell, _)) = l.to_object::<Obj>(idx) {
        // Our own socket: no method calls needed.
        return Ok(cell
            .try_borrow()
            .ok()
            .and_then(|s| s.poll_entry())
            .map(|(fd, dirty)| (fd, want_dirty && dirty)));
    }
    if !matches!(l.kind(idx), Kind::Table | Kind::Userdata) {
        return Ok(None);
    }
    let kind = l.pcall_method(idx, c"getfd").map_err(Raise::Raw)?;
    let fd = if kind == Kind::Number {
        l.to_number(-1)
    } else {
        None
    };
    l.pop(1);
    let fd = match fd {
        Some(n) if n >= 0.0 && n < i32::MAX as f64 => n as i32,
        _ => return Ok(None),
    };
    let mut dirty = false;
    if want_dirty {
        l.pcall_method(idx, c"dirty").map_err(Raise::Raw)?;
        dirty = l.to_boolean(-1);
        l.pop(1);
    }
    Ok(Some((fd, dirty)))
}

fn collect(l: &State, table: c_int, entries: &mut Vec<Entry>) -> Result<(), Raise> {
    match l.kind(table) {
        Kind::None | Kind::Nil => return Ok(()),
        Kind::Table => {}
        _ => return Err(l.type_error(table, "table")),
    }
    let mut index = 1;
    loop {
        if l.get_index(table, index) == Kind::Nil {
            l.pop(1);
            return Ok(());
        }
        let probed = probe(l, l.top(), table == 1);
        l.pop(1);
        if let Some((fd, dirty)) = probed? {
            entries.push(Entry {
                table,
                index,
                fd,
                dirty,
            });
        }
        index += 1;
    }
}

/// The entries of `table` to return, as upstream orders them: dirty sockets
/// first (in table order), then ready descriptors in ascending order; each
/// descriptor once, standing for the last entry that named it.
fn ready_order(entries: &[Entry], fds: &[libc::pollfd], table: c_int) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut dirty_fds: Vec<i32> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.table == table && e.dirty && !dirty_fds.contains(&e.fd) {
            dirty_fds.push(e.fd);
            out.push(i);
        }
    }
    dirty_fds.sort_unstable();
    // Readable includes hang-ups and errors: a receive will report them.
    let mut ready: Vec<(i32, usize)> = entries
        .iter()
        .zip(fds)
        .enumerate()
        .filter(|(_, (e, p))| e.table == table && p.revents != 0)
        .filter(|(_, (e, _))| dirty_fds.binary_search(&e.fd).is_err())
        .map(|(i, (e, _))| (e.fd, i))
        .collect();
    ready.sort_unstable();
    for (k, &(fd, i)) in ready.iter().enumerate() {
        let last_for_fd = ready.get(k + 1).is_none_or(|next| next.0 != fd);
        if last_for_fd {
            out.push(i);
        }
    }
    out
}

/// `select(recvt, sendt [, timeout])` → `readable, writable`, or on
/// timeout `{}, {}, "timeout"`.
pub(crate) fn select(l: &State) -> Ret {
    let timeout = l.opt_number(3, -1.0)?;
    l.set_top(3);
    let mut entries = Vec::new();
    collect(l, 1, &mut entries)?;
    collect(l, 2, &mut entries)?;
    let any_dirty = entries.iter().any(|e| e.dirty);
    let dl = if any_dirty {
        Deadline::after(0.0)
    } else {
        Deadline::after(timeout)
    };

    let mut fds: Vec<libc::pollfd> = entries
        .iter()
        .map(|e| libc::pollfd {
            fd: e.fd,
            events: if e.table == 1 {
                libc::POLLIN
            } else {
                libc::POLLOUT
            },
            revents: 0,
        })
        .collect();
    // As in LuaSocket, a failed wait raises "select failed"; so does an
    // entry whose descriptor is not open (select(2) fails with EBADF there,
    // poll marks it POLLNVAL), instead of reporting it ready for ever.
    let failed = || Raise::msg(NetError::SelectFailed.to_string());
    let ready = io::wait_any(&mut fds, &dl, None).map_err(|_| failed())?;
    if fds.iter().any(|p| p.revents & libc::POLLNVAL != 0) {
        return Err(failed());
    }

    l.new_table(entries.len().min(64), 0);
    let rt = l.top();
    l.new_table(entries.len().min(64), 0);
    let wt = l.top();
    for (table, result) in [(1, rt), (2, wt)] {
        let mut n = 0i64;
        for index in ready_order(&entries, &fds, table) {
            let e = &entries[index];
            n += 1;
            l.get_index(e.table, e.index);
            let v = l.top();
            l.push_value(v);
            l.set_index(result, n);
            l.push_number(n as f64);
            l.set_pair(result, v, l.top());
            l.pop(2);
        }
    }
    if ready == 0 && !any_dirty {
        l.push_str(TIMEOUT);
        return Ok(3);
    }
    Ok(2)
}
