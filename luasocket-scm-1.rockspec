rockspec_format = "3.0"
package = "luasocket"
version = "scm-1"

source = {
    url = "git+https://github.com/luasocket-rust/luasocket",
}

description = {
    summary = "LuaSocket, with its native parts written in Rust",
    detailed = [[
A drop-in reimplementation of LuaSocket: require("socket"), require("mime"),
require("ltn12") and require("socket.http") work unchanged on Lua 5.1-5.4 and
LuaJIT. socket.core and mime.core are written in Rust (mlua-sys, socket2).
]],
    license = "MIT",
    labels = { "network", "socket", "tcp", "udp", "http" },
}

dependencies = {
    "lua >= 5.1",
}

build_dependencies = {
    "luarocks-build-rust-mlua",
}

build = {
    type = "rust-mlua",
    -- The Rust library (target/release/libluasocket_rs.so) is installed once,
    -- under a flat name: the backend cannot install "socket.core" as
    -- socket/core.so. lua/socket/core.lua (and mime/core.lua) load it.
    modules = {
        luasocket_rs = "luasocket_rs",
    },
    install = {
        lua = {
            ["socket"] = "lua/socket.lua",
            ["socket.core"] = "lua/socket/core.lua",
            ["socket.unix"] = "lua/socket/unix.lua",
            ["socket.tls"] = "lua/socket/tls.lua",
            ["socket.headers"] = "lua/socket/headers.lua",
            ["socket.compat"] = "lua/socket/compat.lua",
            ["socket.url"] = "lua/socket/url.lua",
            ["socket.http"] = "lua/socket/http.lua",
            ["socket.transport"] = "lua/socket/transport.lua",
            ["socket.transport.luasec"] = "lua/socket/transport/luasec.lua",
            ["socket.transport.builtin"] = "lua/socket/transport/builtin.lua",
            ["socket.tp"] = "lua/socket/tp.lua",
            ["socket.smtp"] = "lua/socket/smtp.lua",
            ["socket.ftp"] = "lua/socket/ftp.lua",
            ["mbox"] = "lua/mbox.lua",
            ["mime.core"] = "lua/mime/core.lua",
            ["mime"] = "lua/mime.lua",
            ["ltn12"] = "lua/ltn12.lua",
        },
    },
    -- The manual (Markdown) and the LuaLS annotation files (---@meta), copied
    -- as they are into the rock's folder (lib/luarocks/rocks-<v>/luasocket/
    -- <version>/docs and .../library): point an editor's workspace.library
    -- there. LuaRocks does this for every build type, after the backend ran.
    copy_directories = { "docs", "library" },
}
