-- socket.unix: unix-domain stream and datagram sockets, built in Rust.
--
-- Like socket.core, the native code lives in the flat `luasocket_rs`
-- library; this module is found through package.path, so it also wins over
-- a C LuaSocket's socket/unix.so in the system paths.
local native = require("luasocket_rs")
return native.socket_unix()
