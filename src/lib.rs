//! luasocket (Rust): LuaSocket's native modules, `socket.core`,
//! `socket.unix` and `mime.core`, written in Rust.
//!
//! This file only lists the modules and exports the entry point, as
//! LuaSocket's `luasocket.c` does. The rock installs this library once,
//! under the flat name `luasocket_rs` (see the rockspec); the small Lua
//! modules `socket/core.lua`, `socket/unix.lua` and `mime/core.lua` call the
//! openers it returns.
#![deny(unsafe_code)]
// Without a Lua version the crate is only the pure core, built for `cargo test`.
#![cfg_attr(not(feature = "lua"), allow(dead_code))]

mod buffer;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
mod inet;
mod io;
mod mime;
mod options;
mod sock;
mod sys;
mod timeout;
mod url;

#[cfg(feature = "lua")]
mod core;
#[cfg(feature = "lua")]
mod dns;
#[cfg(feature = "lua")]
mod object;
#[cfg(feature = "lua")]
mod select;
#[cfg(feature = "lua")]
mod tcp;
#[cfg(feature = "lua")]
mod udp;
#[cfg(feature = "lua")]
mod unix;

#[cfg(feature = "lua")]
mod entry {
    use crate::sys::lua::{native, open_module, Native, Ret, State};

    const OPENERS: &[(&str, Native)] = &[
        ("socket_core", native!(crate::core::open)),
        ("mime_core", native!(crate::mime::open)),
        ("socket_unix", native!(crate::unix::open)),
        ("socket_url", native!(crate::url::open)),
    ];

    fn openers(l: &State) -> Ret {
        l.new_table(0, OPENERS.len());
        let t = l.top();
        for (name, f) in OPENERS {
            l.push_function(*f);
            l.set_field(t, name);
        }
        Ok(1)
    }

    /// `require("luasocket_rs")`: a table of openers, one per native
    /// module (`socket_core`, ...). Each builds its module table when called.
    ///
    /// # Safety
    /// Called by Lua's `require` with a valid state.
    #[no_mangle]
    #[allow(unsafe_code)]
    pub unsafe extern "C-unwind" fn luaopen_luasocket_rs(
        l: *mut ffi::lua_State,
    ) -> std::ffi::c_int {
        open_module(l, native!(openers))
    }
}
