-- MB/s of each mime.core codec, ours against the C LuaSocket, side by side
-- in one run: direct calls (one call over 1 MiB, and 2 KiB chunks in the
-- chunked calling form A, B = f(C, D)) and whole LTN12 chains (string
-- source -> filters -> table sink, in BLOCKSIZE chunks).
--
-- Ours comes from package.path/cpath (run it through bench/run_mime_bench,
-- which lays out the rock's tree); the C one is Debian's lua-socket, loaded
-- by its path so it cannot shadow ours: its mime/core.so for the codecs and
-- its ltn12.lua for its chains (with the filters its mime.lua builds).
-- Rates are MB of input per second of CPU time (os.clock), best of 3 runs.
--
-- Inputs (1 MiB each, generated deterministically):
--   binary  random bytes
--   mail    English prose in CRLF lines, about 1 word in 60 with a UTF-8
--           letter and a few '=' (typical quoted-printable text)
--   latin   dense Latin-1-style text: a UTF-8 letter every few words, many
--           '=' and tabs (the worst case for quoted-printable)
--
-- usage: lua bench/mime_bench.lua [seconds-per-measure [row-pattern]]
-- (row-pattern: a Lua pattern; only rows whose label matches are run)

local ltn12 = require("ltn12")
local mime = require("mime")

local lua_version = _VERSION:match("5%.%d")
local c_path = "/usr/lib/x86_64-linux-gnu/lua/" .. lua_version .. "/mime/core.so"
local c_ltn12_path = "/usr/share/lua/" .. lua_version .. "/ltn12.lua"
local budget = tonumber(arg and arg[1]) or 0.15
local only = arg and arg[2]

assert(mime._IMPLEMENTATION, "mime.core is not ours: run through bench/run_mime_bench")
local cmime = assert(package.loadlib(c_path, "luaopen_mime_core"))()
local saved = rawget(_G, "ltn12")
local cltn12 = assert(loadfile(c_ltn12_path))()
rawset(_G, "ltn12", saved) -- LuaSocket's ltn12 sets a global where `module` exists

---------------------------------------------------------------------------
-- inputs
---------------------------------------------------------------------------

local MIB = 1024 * 1024

-- A deterministic generator, the same on every Lua version.
local function new_rng(seed)
    local state = seed
    return function(n)
        state = (state * 1103515245 + 12345) % 2147483648
        return math.floor(state / 65536) % n
    end
end

local function random_bytes(n, seed)
    local below = new_rng(seed)
    local parts = {}
    for i = 1, n do parts[i] = string.char(below(256)) end
    return table.concat(parts)
end

-- Words drawn from `common`, one in `rare_every` from `rare`, in lines of
-- about 72 columns ended by `eol`.
local function prose(n, seed, common, rare, rare_every, eol)
    local below = new_rng(seed)
    local parts, len, col = {}, 0, 0
    while len < n do
        local w
        if below(rare_every) == 0 then
            w = rare[below(#rare) + 1]
        else
            w = common[below(#common) + 1]
        end
        if col + #w > 72 then
            parts[#parts + 1] = eol
            len, col = len + #eol, 0
        end
        parts[#parts + 1] = w
        len, col = len + #w, col + #w
    end
    return table.concat(parts):sub(1, n)
end

local english = {
    "the ", "of ", "and ", "to ", "in ", "is ", "that ", "for ", "it ", "as ", "was ", "with ",
    "be ", "by ", "on ", "not ", "he ", "this ", "are ", "or ", "his ", "from ", "at ", "which ",
    "but ", "have ", "an ", "had ", "they ", "you ", "were ", "their ", "one ", "all ", "we ",
    "message ", "server ", "network ", "request, ", "response. ", "However, ", "(see below) ",
    "e-mail ", "2024 ", "version ", "data: ", "\"quoted\" ", "it's ",
}
local accented = { "caf\195\169 ", "na\195\175ve ", "r\195\169sum\195\169 ", "se\195\177or ", "a=b ", "\226\128\148 " }
local latin_common = { "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "end ", "x ",
    "tab\t", "1+1=2 " }

local binary = random_bytes(MIB, 1)
local mail = prose(MIB, 2, english, accented, 60, "\r\n")
local latin = prose(MIB, 3, latin_common, accented, 3, "\r\n")
local b64_lines = (mime.wrp(76, mime.b64(binary), 76)) -- base64 in 76-column lines
local mail_qp = (mime.qpwrp(76, mime.qp(mail), 76))
local latin_qp = (mime.qpwrp(76, mime.qp(latin), 76))
local mail_lf = mail:gsub("\r\n", "\n")
local mail_dots = mail:gsub("\r\nthe ", "\r\n.the ")

---------------------------------------------------------------------------
-- timing
---------------------------------------------------------------------------

-- MB/s of `run()`, which processes `bytes` input bytes per call: the best
-- of three rounds, each repeating `run` for at least `budget` seconds.
local function rate(run, bytes)
    local best = 0
    for _ = 1, 3 do
        local n, t0 = 0, os.clock()
        local elapsed
        repeat
            run()
            n = n + 1
            elapsed = os.clock() - t0
        until elapsed >= budget
        best = math.max(best, n * bytes / elapsed / 1e6)
    end
    return best
end

-- One call over the whole input (for the codecs carrying bytes, D = "" so
-- that the chunked path is the one measured).
local function whole(m, name, input, state, extra)
    local f = m[name]
    if state == nil then
        return function() return f(input, "", extra) end
    end
    return function() return f(state, input, extra) end
end

local function split(s, size)
    local list = {}
    for i = 1, #s, size do list[#list + 1] = s:sub(i, i + size - 1) end
    return list
end

-- The chunked calling form over 2 KiB chunks, carrying the rest or the state.
local function chunked(m, name, input, state, extra)
    local f = m[name]
    local chunks = split(input, 2048)
    if state == nil then
        return function()
            local rest = ""
            for i = 1, #chunks do
                local _
                _, rest = f(rest, chunks[i], extra)
            end
            return f(rest, nil, extra)
        end
    end
    return function()
        local s = state
        for i = 1, #chunks do
            local _
            _, s = f(s, chunks[i], extra)
        end
        return f(s, nil, extra)
    end
end

-- { label, function name, input, first state (nil: carries bytes), extra }
local codecs = {
    { "b64 binary", "b64", binary },
    { "unb64 76-col lines", "unb64", b64_lines },
    { "qp mail", "qp", mail, nil, "\r\n" },
    { "qp latin", "qp", latin, nil, "\r\n" },
    { "unqp mail", "unqp", mail_qp },
    { "unqp latin", "unqp", latin_qp },
    { "wrp base64", "wrp", (b64_lines:gsub("\r\n", "")), 76, 76 },
    { "qpwrp mail", "qpwrp", mime.qp(mail, nil, "=0D=0A"), 76, 76 },
    { "eol mail LF", "eol", mail_lf, 0, "\r\n" },
    { "eol mail CRLF", "eol", mail, 0, "\r\n" },
    { "dot mail", "dot", mail_dots, 2 },
}

-- A whole LTN12 chain: a string source in BLOCKSIZE chunks, the filters,
-- a table sink.
local function chain_runner(L, input, make)
    return function()
        local t = {}
        local src = L.source.chain(L.source.string(input), make())
        assert(L.pump.all(src, (L.sink.table(t))))
        return t
    end
end

-- The chains: ours through mime's filter factories, the C one with the
-- filters LuaSocket's mime.lua would build over the C codecs.
local function chains(L, m)
    local ours = m == mime
    local cycle = L.filter.cycle
    local function pick(our_factory, c_factory)
        if ours then return our_factory end
        return c_factory
    end
    local encode_b64 = pick(function() return mime.encode("base64") end, function() return cycle(m.b64, "") end)
    local decode_b64 = pick(function() return mime.decode("base64") end, function() return cycle(m.unb64, "") end)
    local encode_qp = pick(function() return mime.encode("quoted-printable") end,
        function() return cycle(m.qp, "", "\r\n") end)
    local decode_qp = pick(function() return mime.decode("quoted-printable") end,
        function() return cycle(m.unqp, "") end)
    local wrap = pick(function() return mime.wrap("base64") end, function() return cycle(m.wrp, 76, 76) end)
    local qpwrap = pick(function() return mime.wrap("quoted-printable") end,
        function() return cycle(m.qpwrp, 76, 76) end)
    local normalize = pick(function() return mime.normalize() end, function() return cycle(m.eol, 0) end)
    local stuff = pick(function() return mime.stuff() end, function() return cycle(m.dot, 2) end)
    return {
        { "base64 encode + wrap", binary, function() return L.filter.chain(encode_b64(), wrap()) end },
        { "base64 decode", b64_lines, decode_b64 },
        { "qp encode + wrap, mail", mail, function() return L.filter.chain(encode_qp(), qpwrap()) end },
        { "qp decode, mail", mail_qp, decode_qp },
        { "qp decode, latin", latin_qp, decode_qp },
        { "normalize, mail LF", mail_lf, normalize },
        { "normalize + stuff, mail", mail_dots, function() return L.filter.chain(normalize(), stuff()) end },
    }
end

---------------------------------------------------------------------------
-- report
---------------------------------------------------------------------------

local rows = {}
local function measure(label, ours, theirs, bytes)
    if only and not label:find(only) then return end
    local a = rate(ours, bytes)
    local b = rate(theirs, bytes)
    rows[#rows + 1] = { label, a, b, a / b }
    io.stderr:write(".")
    io.stderr:flush()
end

for _, c in ipairs(codecs) do
    local label, name, input, state, extra = c[1], c[2], c[3], c[4], c[5]
    measure(label .. " (1 MiB call)", whole(mime, name, input, state, extra),
        whole(cmime, name, input, state, extra), #input)
    measure(label .. " (2 KiB chunks)", chunked(mime, name, input, state, extra),
        chunked(cmime, name, input, state, extra), #input)
end

local ours_chains, c_chains = chains(ltn12, mime), chains(cltn12, cmime)
for i, ch in ipairs(ours_chains) do
    measure("ltn12: " .. ch[1], chain_runner(ltn12, ch[2], ch[3]),
        chain_runner(cltn12, c_chains[i][2], c_chains[i][3]), #ch[2])
end
io.stderr:write("\n")

local jit = rawget(_G, "jit")
print(("mime.core: ours (%s) vs C LuaSocket (%s) on %s"):format(mime._IMPLEMENTATION, c_path,
    jit and jit.version or _VERSION))
print(("%-40s %10s %10s %7s"):format("codec, input (mode)", "ours MB/s", "C MB/s", "ratio"))
print(string.rep("-", 70))
for _, r in ipairs(rows) do
    print(("%-40s %10.1f %10.1f %6.1fx"):format(r[1], r[2], r[3], r[4]))
end
