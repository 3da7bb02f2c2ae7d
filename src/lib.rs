//! luasocket (Rust): LuaSocket's native modules, `socket.core`,
//! `socket.unix` and `mime.core`, written in Rust.
//!
//! This file only lists the modules and exports the entry point, as
//! LuaSocket's `luasocket.c` does. The rock installs this library once,
//! under the flat name `luasocket_rs` (see the rockspec); the small Lua
//! modules `socket/core.lua`, `socket/unix.lua` and `mime/core.lua` call the
//! openers it returns. ARCHITECTURE.md draws the layers.
#![deny(unsafe_code)]
// The fuzz targets (fuzz/) build the core for five parsers only; the rest
// of it is unused there, and only there.
#![cfg_attr(
    all(feature = "fuzzing", not(feature = "lua"), not(test)),
    allow(dead_code)
)]

// The core: plain Rust, no Lua. It is built for the glue (a Lua version
// feature), for its own tests, and for the fuzz targets; a build with none
// of these has nothing to build.
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod buffer;
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod error;
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod head;
#[cfg(any(feature = "lua", test))]
mod inet;
#[cfg(any(feature = "lua", test))]
mod io;
#[cfg(any(feature = "lua", test))]
mod lookup;
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod mime;
#[cfg(any(feature = "lua", test))]
mod options;
#[cfg(any(feature = "lua", test))]
mod poller;
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod pool;
#[cfg(any(feature = "lua", test))]
mod resolve;
#[cfg(any(feature = "lua", test))]
mod sock;
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod sys;
#[cfg(any(feature = "lua", test))]
mod timeout;
// Without the glue only its unit tests use it; most methods serve Lua.
#[cfg(any(feature = "lua", test))]
#[cfg_attr(not(feature = "lua"), allow(dead_code, unused_imports))]
mod tls;
// The fuzz targets need only its certificate reader (src/tls/cert.rs).
#[cfg(all(feature = "fuzzing", not(any(feature = "lua", test))))]
mod tls {
    pub(crate) mod cert;
}
#[cfg(any(feature = "lua", test, feature = "fuzzing"))]
mod url;

#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
#[cfg(test)]
mod testutil;

#[cfg(feature = "lua")]
mod glue;

/// `require("luasocket_rs")`: a table of openers, one per native module
/// (`socket_core`, ...). Each builds its module table when called.
///
/// # Safety
/// Called by Lua's `require` with a valid state.
#[cfg(feature = "lua")]
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C-unwind" fn luaopen_luasocket_rs(l: *mut ffi::lua_State) -> std::ffi::c_int {
    sys::lua::open_module(l, sys::lua::native!(glue::openers))
}
