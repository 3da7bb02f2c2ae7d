-- The reference manual (docs/*.md) and the LuaLS annotations (library/)
-- cover every public name. The spec walks the modules' tables and the
-- methods of every object class (sockets of each class, and the session
-- objects of socket.tp, socket.http, socket.smtp and socket.ftp, made with
-- connections to a local listener), and for each public function or method
-- wants:
--   (a) a heading in the module's manual page naming it as it is called:
--       "socket.connect(", "dns.toip(", "client:receive(", "stream:bind(";
--   (b) an annotation in its library/ file: `function socket.connect(`, or a
--       method `function v:receive(` where `v` is the local that follows a
--       `---@class <prefix>...` line (so `socket.tcp.client:receive`).
-- Other public fields (constants, tables) must be named in the page
-- (`socket._VERSION`) and in the annotations (`socket._VERSION =`, or a
-- `---@field` of the module's class); the entries of factory tables
-- (`socket.sourcet["by-length"]`, `mime.encodet["base64"]`) must be quoted
-- in the page and indexed in the annotations.
local socket = require("socket")
local unix = require("socket.unix")
local objects = require("support.objects")

local function read(path)
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    return text
end

local function exists(path)
    local f = io.open(path, "rb")
    if f then f:close() end
    return f ~= nil
end

-- Manual pages, read once.
local pages = {}
local function page(name)
    if not pages[name] then
        local text = read("docs/" .. name)
        local heads = {}
        for line in text:gmatch("[^\n]+") do
            if line:match("^#+%s") then heads[#heads + 1] = line end
        end
        pages[name] = { text = text, headings = heads }
    end
    return pages[name]
end

local function is_ident_char(c)
    return c ~= "" and c:match("[%w_%.:]") ~= nil
end

-- Does `text` hold `needle` with no identifier character right before it
-- (so "connect(" does not match inside "socket.connect(")?
local function holds(text, needle)
    local init = 1
    while true do
        local at = text:find(needle, init, true)
        if not at then return false end
        if not is_ident_char(text:sub(at - 1, at - 1)) then return true end
        init = at + 1
    end
end

-- A heading of one of `names` (page files) holding `needle`.
local function heading_in(names, needle, anywhere)
    for _, name in ipairs(names) do
        for _, h in ipairs(page(name).headings) do
            if anywhere then
                if h:find(needle, 1, true) then return true end
            elseif holds(h, needle) then
                return true
            end
        end
    end
    return false
end

local function text_in(names, needle)
    for _, name in ipairs(names) do
        if holds(page(name).text, needle) then return true end
    end
    return false
end

-- Annotation files, parsed once: the set of `function a.b.c(` paths, of
-- `a.b = ` and `a["key"] = ` assignments, of `---@field` names per class,
-- and `Class:method` pairs.
local libs = {}
local function lib(name)
    if libs[name] then return libs[name] end
    local text = read("library/" .. name)
    local info = { functions = {}, assigned = {}, fields = {}, methods = {}, text = text }
    local class, var_of = nil, {}
    for line in text:gmatch("[^\n]*") do
        local c = line:match("^%-%-%-@class%s+([%w_%.]+)")
        if c then
            class = c
        else
            local field = line:match("^%-%-%-@field%s+([%w_]+)")
            if field and class then info.fields[class .. "." .. field] = true end
            local var = line:match("^local%s+([%w_]+)%s*=")
            if var and class then
                var_of[var] = class
                class = nil
            end
            local path = line:match("^function%s+([%w_%.]+)%s*%(")
            if path then info.functions[path] = true end
            local mvar, method = line:match("^function%s+([%w_]+):([%w_]+)%s*%(")
            if mvar and var_of[mvar] then info.methods[var_of[mvar] .. ":" .. method] = true end
            local lhs = line:match("^([%w_%.]+)%s*=[^=]")
            if lhs then info.assigned[lhs] = true end
            local base, key = line:match('^([%w_%.]+)%["([^"]+)"%]%s*=')
            if base then info.assigned[base .. '["' .. key .. '"]'] = true end
        end
    end
    libs[name] = info
    return info
end

local function sorted_pairs(t)
    local keys = {}
    for k in pairs(t) do
        if type(k) == "string" then keys[#keys + 1] = k end
    end
    table.sort(keys)
    local i = 0
    return function()
        i = i + 1
        local k = keys[i]
        if k ~= nil then return k, t[k] end
    end
end

-- Modules: the table, its manual pages, how the manual and the annotations
-- qualify its names, and its annotation file. `class` is the annotation
-- class of the module table (for `---@field` entries).
local function modules()
    return {
        { name = "socket", t = socket, pages = { "socket.md", "select.md", "poller.md" }, doc = "socket.",
            lib = "socket.lua", q = "socket", class = "socket" },
        { name = "socket.dns", t = socket.dns, pages = { "dns.md" }, doc = "dns.", lib = "socket.lua", q = "dns",
            class = "socket.dns" },
        { name = "socket.unix", t = unix, pages = { "unix.md" }, doc = "unix.", lib = "socket/unix.lua", q = "unix",
            class = "socket.unix" },
        { name = "mime", t = require("mime"), pages = { "mime.md" }, doc = "mime.", lib = "mime.lua", q = "mime",
            class = "mime" },
        { name = "ltn12", t = require("ltn12"), pages = { "ltn12.md" }, doc = "ltn12.", lib = "ltn12.lua",
            q = "ltn12", class = "ltn12" },
        { name = "ltn12.filter", t = require("ltn12").filter, pages = { "ltn12.md" }, doc = "ltn12.filter.",
            lib = "ltn12.lua", q = "ltn12.filter" },
        { name = "ltn12.source", t = require("ltn12").source, pages = { "ltn12.md" }, doc = "ltn12.source.",
            lib = "ltn12.lua", q = "ltn12.source" },
        { name = "ltn12.sink", t = require("ltn12").sink, pages = { "ltn12.md" }, doc = "ltn12.sink.",
            lib = "ltn12.lua", q = "ltn12.sink" },
        { name = "ltn12.pump", t = require("ltn12").pump, pages = { "ltn12.md" }, doc = "ltn12.pump.",
            lib = "ltn12.lua", q = "ltn12.pump" },
        { name = "socket.url", t = require("socket.url"), pages = { "url.md" }, doc = "url.",
            lib = "socket/url.lua", q = "url", class = "socket.url" },
        { name = "socket.headers", t = require("socket.headers"), pages = { "socket.md" }, doc = "headers.",
            lib = "socket/headers.lua", q = "headers", class = "socket.headers" },
        { name = "socket.http", t = require("socket.http"), pages = { "http.md" }, doc = "http.",
            lib = "socket/http.lua", q = "http", class = "socket.http" },
        { name = "socket.smtp", t = require("socket.smtp"), pages = { "smtp.md" }, doc = "smtp.",
            lib = "socket/smtp.lua", q = "smtp", class = "socket.smtp" },
        { name = "socket.ftp", t = require("socket.ftp"), pages = { "ftp.md" }, doc = "ftp.",
            lib = "socket/ftp.lua", q = "ftp", class = "socket.ftp" },
        { name = "socket.tp", t = require("socket.tp"), pages = { "tp.md" }, doc = "tp.",
            lib = "socket/tp.lua", q = "tp", class = "socket.tp" },
        { name = "mbox", t = require("mbox"), pages = { "mbox.md" }, doc = "mbox.", lib = "mbox.lua", q = "mbox",
            class = "mbox" },
        { name = "socket.tls", t = require("socket.tls"), pages = { "tls.md" }, doc = "tls.",
            lib = "socket/tls.lua", q = "tls", class = "socket.tls" },
    }
end

-- Subtables covered as modules of their own, or as factory tables.
local SUBTABLES = {
    socket = { dns = true, sourcet = "socket.sourcet", sinkt = "socket.sinkt" },
    mime = { encodet = "mime.encodet", decodet = "mime.decodet", wrapt = "mime.wrapt" },
    ltn12 = { filter = true, source = true, sink = true, pump = true },
}

-- socket.compat installs globals when loaded: load it with them saved.
local COMPAT_NAMES = { "connect", "bind", "listen", "accept", "send", "receive", "timeout", "close" }
local function load_compat()
    local saved = {}
    for _, n in ipairs(COMPAT_NAMES) do saved[n] = rawget(_G, n) end
    local compat = require("socket.compat")
    for _, n in ipairs(COMPAT_NAMES) do rawset(_G, n, saved[n]) end
    return compat
end

describe("the manual and the annotations", function()
    local keep = objects.tracker()
    local dirs = objects.tmpdirs()
    after_each(function()
        keep.close_all()
        dirs.remove_all()
    end)

    -- Checks every function and field of module `m`; returns the problems.
    local function check_module(m, problems)
        local info = lib(m.lib)
        local subtables = SUBTABLES[m.name] or {}
        for key, value in sorted_pairs(m.t) do
            local shown = m.name .. "." .. key
            -- Skipped: metamethods (socket.unix's __call, documented as
            -- `unix()`) and subtables checked as modules of their own.
            local skip = key:sub(1, 2) == "__" or subtables[key] == true
            if skip then
                value = nil
            end
            if type(value) == "function" then
                if not heading_in(m.pages, m.doc .. key .. "(") then
                    problems[#problems + 1] = shown .. ": no heading `" .. m.doc .. key .. "(` in docs/"
                        .. table.concat(m.pages, ", docs/")
                end
                if not info.functions[m.q .. "." .. key] then
                    problems[#problems + 1] = shown .. ": no `function " .. m.q .. "." .. key .. "(` in library/"
                        .. m.lib
                end
            elseif not skip then
                if not text_in(m.pages, m.doc .. key) then
                    problems[#problems + 1] = shown .. ": `" .. m.doc .. key .. "` not named in docs/"
                        .. table.concat(m.pages, ", docs/")
                end
                local field = m.class and info.fields[m.class .. "." .. key]
                if not (info.assigned[m.q .. "." .. key] or field) then
                    problems[#problems + 1] = shown .. ": no `" .. m.q .. "." .. key .. " =` or `---@field "
                        .. key .. "` in library/" .. m.lib
                end
                if type(subtables[key]) == "string" and type(value) == "table" then
                    -- a factory table: each entry quoted in the page, indexed in the annotations
                    for entry in sorted_pairs(value) do
                        if not page(m.pages[1]).text:find('"' .. entry .. '"', 1, true) then
                            problems[#problems + 1] = shown .. '["' .. entry .. '"]: "' .. entry
                                .. '" not quoted in docs/' .. m.pages[1]
                        end
                        local lhs = m.q .. "." .. key .. '["' .. entry .. '"]'
                        if not info.assigned[lhs] then
                            problems[#problems + 1] = shown .. '["' .. entry .. '"]: no `' .. lhs
                                .. " =` in library/" .. m.lib
                        end
                    end
                end
            end
        end
    end

    -- Checks the methods of an object's class: headings `<prefix>name(` in
    -- the page (`prefix` nil: any `x:`), annotations on a class whose name
    -- starts with `class`.
    local function check_methods(what, obj, pg, prefix, libfile, class, problems)
        local mt = getmetatable(obj)
        assert(type(mt) == "table" and type(mt.__index) == "table", what .. " has no __index table")
        local info = lib(libfile)
        for key, value in sorted_pairs(mt.__index) do
            if type(value) == "function" then
                local needle = (prefix or ":") .. key .. "("
                if not heading_in({ pg }, needle, prefix == nil) then
                    problems[#problems + 1] = what .. ":" .. key .. ": no heading `" .. needle .. "` in docs/" .. pg
                end
                local found = false
                for entry in pairs(info.methods) do
                    local c, m = entry:match("^(.-):(.*)$")
                    if m == key and c:sub(1, #class) == class then found = true end
                end
                if not found then
                    problems[#problems + 1] = what .. ":" .. key .. ": no method `" .. key .. "` on a class `"
                        .. class .. "...` in library/" .. libfile
                end
            end
        end
    end

    local function assert_none(problems)
        assert(#problems == 0, "\n" .. table.concat(problems, "\n"))
    end

    it("has a manual page and an annotation file for every module", function()
        for _, m in ipairs(modules()) do
            for _, p in ipairs(m.pages) do assert.is_true(exists("docs/" .. p), "docs/" .. p) end
            assert.is_true(exists("library/" .. m.lib), "library/" .. m.lib)
            assert.truthy(lib(m.lib).text:match("^%-%-%-@meta "), "library/" .. m.lib .. " starts with ---@meta")
        end
        for _, f in ipairs({ "socket/core.lua", "mime/core.lua", "socket/compat.lua" }) do
            assert.truthy(read("library/" .. f):match("^%-%-%-@meta "), "library/" .. f)
        end
    end)

    it("links every manual page from docs/index.md", function()
        local index = page("index.md").text
        local p = io.popen("ls docs")
        local listing = p:read("*a")
        p:close()
        local missing = {}
        for name in listing:gmatch("[^\n]+") do
            if name:match("%.md$") and name ~= "index.md" and not index:find("(" .. name, 1, true) then
                missing[#missing + 1] = name
            end
        end
        assert.are.same({}, missing)
    end)

    it("has no link to a missing page or heading", function()
        local p = io.popen("ls docs")
        local listing = p:read("*a")
        p:close()
        -- GitHub's anchors: lower case, punctuation but - and _ dropped,
        -- spaces as hyphens.
        local function anchors(name)
            local set = {}
            for _, h in ipairs(page(name).headings) do
                local text = h:gsub("^#+%s+", ""):lower():gsub("[^%w%s%-_]", ""):gsub("%s", "-")
                set[text] = true
            end
            return set
        end
        local broken = {}
        local sources = { "README.md", "CHANGELOG.md" }
        for name in listing:gmatch("[^\n]+") do
            if name:match("%.md$") then sources[#sources + 1] = "docs/" .. name end
        end
        for _, source in ipairs(sources) do
            local base = source:match("^(.*/)") or ""
            for target in read(source):gmatch("%]%(([^)%s]+)%)") do
                if not target:match("^%a+:") then
                    local file, anchor = target:match("^([^#]*)#?(.*)$")
                    local path = file == "" and source or base .. file
                    if not exists(path) then
                        broken[#broken + 1] = source .. " -> " .. target
                    elseif anchor ~= "" and path:match("^docs/.*%.md$") and not anchors(path:sub(6))[anchor] then
                        broken[#broken + 1] = source .. " -> " .. target .. " (no such heading)"
                    end
                end
            end
        end
        assert.are.same({}, broken)
    end)

    it("documents and annotates every function and field of every module", function()
        local problems = {}
        for _, m in ipairs(modules()) do check_module(m, problems) end
        check_module({ name = "socket.compat", t = load_compat(), pages = { "compat.md" }, doc = "",
            lib = "socket/compat.lua", q = "compat", class = "socket.compat" }, problems)
        assert_none(problems)
    end)

    it("documents and annotates every method of the TCP classes", function()
        local problems = {}
        local server = keep(assert(socket.bind("127.0.0.1", 0)))
        local _, port = server:getsockname()
        local client = keep(assert(socket.connect("127.0.0.1", port)))
        local accepted = keep(assert(server:accept()))
        local master = keep(assert(socket.tcp()))
        for what, obj in pairs({ ["tcp{master}"] = master, ["tcp{client}"] = client,
            ["tcp{server}"] = server, ["accepted tcp{client}"] = accepted }) do
            check_methods(what, obj, "tcp.md", nil, "socket.lua", "socket.tcp", problems)
        end
        assert_none(problems)
    end)

    it("documents and annotates every method of the UDP classes", function()
        local problems = {}
        local unconnected = keep(assert(socket.udp4()))
        local connected = keep(assert(socket.udp4()))
        assert(connected:setpeername("127.0.0.1", 9))
        assert.are.equal("udp{connected}", objects.class_of(connected))
        check_methods("udp{unconnected}", unconnected, "udp.md", nil, "socket.lua", "socket.udp", problems)
        check_methods("udp{connected}", connected, "udp.md", nil, "socket.lua", "socket.udp", problems)
        assert_none(problems)
    end)

    it("documents and annotates every method of pollers", function()
        local problems = {}
        local p = socket.poller()
        check_methods("poller", p, "poller.md", "poller:", "socket.lua", "socket.poller", problems)
        p:close()
        assert_none(problems)
    end)

    it("documents and annotates every method of the unix classes", function()
        local problems = {}
        local path = dirs.new() .. "/s"
        local server = keep(assert(unix.stream()))
        assert(server:bind(path))
        assert(server:listen())
        local client = keep(assert(unix.stream()))
        assert(client:connect(path))
        local master = keep(assert(unix.stream()))
        for what, obj in pairs({ ["unixstream{master}"] = master, ["unixstream{client}"] = client,
            ["unixstream{server}"] = server }) do
            check_methods(what, obj, "unix.md", "stream:", "socket/unix.lua", "socket.unixstream", problems)
        end
        local d = keep(assert(unix.dgram()))
        local dpath = dirs.new() .. "/d"
        assert(d:bind(dpath))
        local dc = keep(assert(unix.dgram()))
        assert(dc:connect(dpath))
        for what, obj in pairs({ ["unixdgram{unconnected}"] = d, ["unixdgram{connected}"] = dc }) do
            check_methods(what, obj, "unix.md", "dgram:", "socket/unix.lua", "socket.unixdgram", problems)
        end
        assert_none(problems)
    end)

    it("documents and annotates every method of TLS connections and certificates", function()
        local problems = {}
        local tls = require("socket.tls")
        local server = keep(assert(socket.bind("127.0.0.1", 0)))
        local _, port = server:getsockname()
        local client = assert(tls.wrap(assert(socket.connect("127.0.0.1", port)), { verify = "none" }))
        keep(client)
        check_methods("tls{client}", client, "tls.md", "conn:", "socket/tls.lua", "socket.tls.conn", problems)
        -- a certificate object, from a server made with a test certificate
        local dir = dirs.new()
        local certs = require("fixtures.httpd").certs(dir)
        local peer = keep(assert(server:accept()))
        local srv = keep(assert(tls.wrap(peer, { mode = "server", certificate = certs.good.cert,
            key = certs.good.key })))
        check_methods("tls{server}", srv, "tls.md", "conn:", "socket/tls.lua", "socket.tls.conn", problems)
        client:settimeout(0)
        srv:settimeout(0)
        for _ = 1, 50 do
            local a, b = client:dohandshake(), srv:dohandshake()
            if a and b then break end
            socket.select({ client, srv }, nil, 0.1)
        end
        local cert = assert(client:getpeercertificate())
        check_methods("tls{certificate}", cert, "tls.md", "cert:", "socket/tls.lua", "socket.tls.certificate",
            problems)
        assert_none(problems)
    end)

    it("documents and annotates the methods of the tp, http, smtp and ftp session objects", function()
        local problems = {}
        local server = keep(assert(socket.bind("127.0.0.1", 0)))
        local _, port = server:getsockname()
        local tp = require("socket.tp")
        local conn = assert(tp.connect("127.0.0.1", port, 5))
        keep(conn)
        check_methods("tp connection", conn, "tp.md", nil, "socket/tp.lua", "socket.tp.connection", problems)
        local made = assert(socket.protect(function()
            return {
                http = require("socket.http").open("127.0.0.1", port),
                smtp = require("socket.smtp").open("127.0.0.1", port),
                ftp = require("socket.ftp").open("127.0.0.1", port),
            }
        end)())
        keep(made.http, made.smtp, made.ftp)
        check_methods("http connection", made.http, "http.md", nil, "socket/http.lua", "socket.http.connection",
            problems)
        check_methods("smtp session", made.smtp, "smtp.md", nil, "socket/smtp.lua", "socket.smtp.session", problems)
        check_methods("ftp session", made.ftp, "ftp.md", nil, "socket/ftp.lua", "socket.ftp.session", problems)
        assert_none(problems)
    end)

    it("notices a missing entry (the check itself works)", function()
        local problems = {}
        check_module({ name = "fake", t = { not_documented_anywhere = function() end, NOT_A_FIELD = 1 },
            pages = { "socket.md" }, doc = "fake.", lib = "socket.lua", q = "fake" }, problems)
        assert.are.equal(4, #problems)
        problems = {}
        check_methods("fake", setmetatable({}, { __index = { not_a_method = function() end } }), "tcp.md", nil,
            "socket.lua", "socket.tcp", problems)
        assert.are.equal(2, #problems)
    end)
end)
