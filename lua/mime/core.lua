-- mime.core: the native MIME codecs (b64, unb64, qp, unqp, wrp, qpwrp,
-- eol, dot), built in Rust.
--
-- Like socket/core.lua, this loads the flat `luasocket_rs` library and is
-- found through package.path, so it wins over a C LuaSocket's
-- mime/core.so in the system paths.
return require("luasocket_rs").mime_core()
