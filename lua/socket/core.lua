-- socket.core: the native TCP/select/DNS table, built in Rust.
--
-- The rock installs the Rust library once, under the flat name
-- `luasocket_rs` (luarocks-build-rust-mlua cannot install a native module
-- under a dotted name). This module is found through package.path, so it
-- also wins over a C LuaSocket's socket/core.so in the system paths.
local native = require("luasocket_rs")
return native.socket_core()
