-- mime.core (the Rust codecs) and mime (the LTN12 filters over them).
--
-- The last block compares every function with Debian's C LuaSocket
-- (package lua-socket), loaded by its system path so that it can never
-- shadow ours. That block fails, not skips, when the C library is missing.

local ltn12 = require("ltn12")
local mime = require("mime")
local core = require("mime.core")
local vectors = dofile("spec/fixtures/mime_vectors.lua")

local unpack = table.unpack or unpack
local lua_version = _VERSION:match("5%.%d")
local C_MIME_PATH = "/usr/lib/x86_64-linux-gnu/lua/" .. lua_version .. "/mime/core.so"
local C_LTN12_PATH = "/usr/share/lua/" .. lua_version .. "/ltn12.lua"

---------------------------------------------------------------------------
-- helpers
---------------------------------------------------------------------------

-- All results of a call, with their count.
local function pack(...)
    return { n = select("#", ...), ... }
end

-- A table describing every result, numbers with their subtype, so that
-- 2 and 2.0 differ on Lua 5.3+ as they would for a program.
local function describe_results(r)
    local out = { n = r.n }
    for i = 1, r.n do
        local v = r[i]
        if type(v) == "number" and math.type then
            out[i] = math.type(v) .. ":" .. tostring(v)
        elseif type(v) == "number" then
            out[i] = "number:" .. tostring(v)
        else
            out[i] = v
        end
    end
    return out
end

-- A deterministic generator (a linear congruential one), independent of
-- the Lua version's math.random, so every interpreter sees the same cases.
local function new_rng(seed)
    local state = seed
    local rng = {}
    function rng.below(n)
        state = (state * 1103515245 + 12345) % 2147483648
        return math.floor(state / 65536) % n
    end
    function rng.pick(list)
        return list[rng.below(#list) + 1]
    end
    return rng
end

local PIECES = {
    "a", "b", "Z", "z", "0", "9", "+", "/", "=", " ", "\t", "\r", "\n",
    "\r\n", " \r\n", "\t\r\n", "\r\r", "\n\n", "\n\r", ".", "\r\n.", "..",
    "=0D", "=3D", "=3d", "=\r\n", "=4", "=ZZ", "=\n", "\0", "\127", "\128",
    "\200", "\255", "Zm9v", "YmFy", "Zg==", "Zm8=", "caf\195\169",
}

-- A random input: raw bytes, or text glued from pieces that hit the
-- codecs' special cases.
local function random_input(rng, max)
    local len = rng.below(max + 1)
    local parts = {}
    if rng.below(3) == 0 then
        for i = 1, len do parts[i] = string.char(rng.below(256)) end
    else
        for i = 1, len do parts[i] = rng.pick(PIECES) end
    end
    return table.concat(parts)
end

-- `s` cut at random places into consecutive chunks (some empty).
local function random_split(rng, s)
    local chunks, at = {}, 1
    while at <= #s do
        local n
        local kind = rng.below(4)
        if kind == 0 then
            n = 0
        elseif kind == 1 then
            n = 1 + rng.below(3)
        else
            n = rng.below(#s - at + 2)
        end
        chunks[#chunks + 1] = s:sub(at, at + n - 1)
        at = at + n
    end
    return chunks
end

-- Drives one of the codecs that carry bytes (b64, unb64, qp, unqp) over
-- `chunks` as LTN12 does (each call gets the previous rest and a chunk, then
-- nil), returning the list of every call's results.
local function drive_carrying(f, chunks, extra)
    local trace, rest = {}, ""
    for _, chunk in ipairs(chunks) do
        local r = pack(f(rest, chunk, extra))
        trace[#trace + 1] = describe_results(r)
        rest = r[2]
    end
    trace[#trace + 1] = describe_results(pack(f(rest, nil, extra)))
    return trace
end

-- The same for the codecs that carry a number (wrp, qpwrp, eol, dot).
local function drive_stateful(f, state, chunks, extra)
    local trace = {}
    for _, chunk in ipairs(chunks) do
        local r = pack(f(state, chunk, extra))
        trace[#trace + 1] = describe_results(r)
        state = r[2]
    end
    trace[#trace + 1] = describe_results(pack(f(state, nil, extra)))
    return trace
end

-- The output of a trace: every first result, concatenated.
local function output_of(trace)
    local parts = {}
    for _, r in ipairs(trace) do
        if type(r[1]) == "string" then parts[#parts + 1] = r[1] end
    end
    return table.concat(parts)
end

-- Runs chunks through a high-level filter as LTN12 does: after each output
-- the filter is called with "" until it has nothing more, and at the end
-- with nil until it returns nil.
local function through(filter, chunks)
    local parts = {}
    for _, chunk in ipairs(chunks) do
        local out = filter(chunk)
        while out ~= "" do
            parts[#parts + 1] = out
            out = filter("")
        end
    end
    for _ = 1, 100 do
        local last = filter(nil)
        if not last then return table.concat(parts) end
        parts[#parts + 1] = last
    end
    error("filter never finished")
end

local function pump_string(s, filter)
    local out = {}
    assert(ltn12.pump.all(ltn12.source.chain(ltn12.source.string(s), filter), (ltn12.sink.table(out))))
    return table.concat(out)
end

-- The error a call raises, called from one place so that the position and
-- the function's name in the message are the same whichever implementation
-- is called.
local function error_of(m, name, ...)
    local f = m[name]
    -- Not a tail call: LuaJIT would lose the name.
    local ok, err = pcall(function(...)
        local r = f(...)
        return r
    end, ...)
    assert(not ok, name .. " should have raised")
    return err
end

local WRAP_LENGTHS = { 76, 1, 2, 3, 4, 5, 10, 0, -1, 1.5, 1e10 }
local EOL_MARKERS = { "\r\n", "\n", "", "<br>", "a\0b" }

---------------------------------------------------------------------------
-- mime.core
---------------------------------------------------------------------------

describe("mime.core", function()
    it("is the native table with LuaSocket's functions and version", function()
        assert.are.equal("MIME 1.0.3", core._VERSION)
        for _, name in ipairs({ "b64", "unb64", "qp", "unqp", "wrp", "qpwrp", "eol", "dot" }) do
            assert.are.equal("function", type(core[name]), name)
        end
        assert.is_string(core._IMPLEMENTATION)
        assert.are.equal(require("socket.core")._IMPLEMENTATION, core._IMPLEMENTATION)
    end)

    describe("b64()", function()
        it("encodes the RFC 4648 vectors", function()
            for _, v in ipairs(vectors.base64) do
                local a, b = core.b64(v[1])
                if v[2] == "" then
                    assert.is_nil(a)
                else
                    assert.are.equal(v[2], a)
                end
                assert.is_nil(b)
            end
        end)

        it("encodes whole groups of C .. D and returns the rest unencoded", function()
            assert.are.same({ "Zm9v", "ba" }, { core.b64("fo", "oba") })
            assert.are.same({ "", "fo" }, { core.b64("f", "o") })
            assert.are.same({ "", "" }, { core.b64("", "") })
            assert.are.same({ "Zm9vYmFy", "" }, { core.b64("foobar", "") })
        end)

        it("pads the rest when D is nil, and returns nil for nothing", function()
            assert.are.same({ "Zm9vYg==" }, { core.b64("foob") })
            assert.are.same(pack(nil, nil), pack(core.b64("")))
            assert.are.same(pack(nil, nil), pack(core.b64(nil)))
            assert.are.same(pack(nil, nil), pack(core.b64()))
            -- D is not even looked at when C is nil.
            assert.are.same(pack(nil, nil), pack(core.b64(nil, {})))
        end)

        it("takes numbers as strings", function()
            assert.are.equal(core.b64("123"), core.b64(123))
        end)
    end)

    describe("unb64()", function()
        it("decodes the RFC 4648 vectors", function()
            for _, v in ipairs(vectors.base64) do
                local a = core.unb64(v[2])
                assert.are.equal(v[1], a or "")
            end
        end)

        it("skips bytes outside the alphabet instead of failing", function()
            assert.are.equal("foobar", core.unb64("Zm9v\r\nYm Fy!"))
            assert.are.equal("foo", core.unb64("Z\0m\2559v"))
        end)

        it("treats = as a zero digit, its place deciding the length", function()
            assert.are.equal("\0", core.unb64("===="))
            assert.are.equal("\0\0\0", core.unb64("=AAA"))
            assert.are.equal("fofo", core.unb64("Zm8=Zm8="))
        end)

        it("returns the digits of an unfinished quad, and drops them at the end", function()
            assert.are.same({ "foo", "Yg" }, { core.unb64("Zm9v", "Y\r\ng") })
            assert.are.same(pack("foo", nil), pack(core.unb64("Zm9vYg")))
            assert.are.same(pack(nil, nil), pack(core.unb64("Yg")))
            assert.are.same(pack(nil, nil), pack(core.unb64(nil)))
        end)
    end)

    describe("qp()", function()
        it("encodes the RFC 2045 examples", function()
            for _, v in ipairs(vectors.qp) do
                assert.are.equal(v[2], (core.qp(v[1])))
            end
        end)

        it("keeps undecided bytes (whitespace, CR) for the next call", function()
            assert.are.same({ "a", " " }, { core.qp("a ", "") })
            assert.are.same({ "a", " b" }, { core.qp("a", " b") })
            assert.are.same({ "a", "\r" }, { core.qp("a\r", "") })
            assert.are.same({ "a=20\r\n", "" }, { core.qp("a ", "\r\n") })
        end)

        it("ends undecided bytes with a soft line break when D is nil", function()
            assert.are.equal("x=20=\r\n", (core.qp("x ")))
            assert.are.equal("=20a=\r\n", (core.qp(" a")))
            assert.are.equal("a=0D=\r\n", (core.qp("a\r")))
            assert.are.same(pack(nil, nil), pack(core.qp("")))
            assert.are.same(pack(nil, nil), pack(core.qp(nil)))
        end)

        it("replaces CRLF with the marker (a C string)", function()
            assert.are.equal("a=0D=0Ab", (core.qp("a\r\nb", nil, "=0D=0A")))
            assert.are.equal("aXb", (core.qp("a\r\nb", nil, "X\0Y")))
        end)
    end)

    describe("unqp()", function()
        it("decodes soft line breaks away (RFC 2045 rule 5)", function()
            for _, v in ipairs(vectors.soft) do
                assert.are.equal(v[2], (core.unqp(v[1])))
            end
        end)

        it("decodes the RFC 2045 examples back", function()
            for _, v in ipairs(vectors.qp) do
                assert.are.equal(v[1], (core.unqp(v[2])))
            end
        end)

        it("keeps invalid escapes as they are and drops stray bytes", function()
            assert.are.equal("a=ZZb=\nc", (core.unqp("a=ZZb=\nc")))
            assert.are.equal("\171", (core.unqp("=aB")))
            -- A CR without LF goes with the byte after it; controls go.
            assert.are.equal("acd", (core.unqp("a\rbc\1\127\255d")))
        end)

        it("returns nil when the final output starts with NUL, as C does", function()
            assert.are.same(pack(nil, nil), pack(core.unqp("=00abc")))
            assert.are.same(pack("a\0", nil), pack(core.unqp("a=00")))
            assert.are.same({ "\0", "" }, { core.unqp("=00", "") })
        end)
    end)

    describe("wrp()", function()
        it("breaks lines at the length and counts what is left", function()
            assert.are.same({ "abcd\r\nefgh\r\nij", 2 }, { core.wrp(4, "abcdefghij", 4) })
            assert.are.same({ "ab\r\ncd", 2 }, { core.wrp(4, "ab\ncd", 4) })
            assert.are.same({ "ab\r\ncd", 2 }, { core.wrp(4, "ab\r\ncd", 4) })
        end)

        it("ends an unfinished line at the end of the data", function()
            assert.are.same(pack("\r\n", 76), pack(core.wrp(10, nil)))
            assert.are.same(pack(nil, 76), pack(core.wrp(76, nil)))
            assert.are.same(pack(nil, 5), pack(core.wrp(5, nil, 5)))
        end)

        it("returns its count as a float, as lua_pushnumber does", function()
            if math.type then
                assert.are.equal("float", math.type(select(2, core.wrp(76, "a"))))
            end
        end)
    end)

    describe("qpwrp()", function()
        it("breaks with soft breaks and never inside an escape", function()
            assert.are.same({ "abcde=\r\nfgh", 3 }, { core.qpwrp(6, "abcdefgh", 6) })
            assert.are.same({ "ab=\r\n=3Dc=\r\nd", 4 }, { core.qpwrp(5, "ab=3Dcd", 5) })
            assert.are.same(pack("=\r\n", 76), pack(core.qpwrp(3, nil)))
            assert.are.same(pack(nil, 76), pack(core.qpwrp(76, nil)))
        end)
    end)

    describe("eol()", function()
        it("gives one marker for each CRLF, LF, CR or LFCR", function()
            for _, text in ipairs({ "a\r\nb", "a\nb", "a\rb", "a\n\rb" }) do
                assert.are.same({ "a|b", 0 }, { core.eol(0, text, "|") })
            end
            assert.are.same({ "a||b", 0 }, { core.eol(0, "a\n\nb", "|") })
        end)

        it("carries the last CR or LF as a number", function()
            assert.are.same({ "a\r\n", 13 }, { core.eol(0, "a\r") })
            assert.are.same({ "b", 0 }, { core.eol(13, "\nb") })
            assert.are.same({ "", 10 }, { core.eol(10, "") })
            assert.are.same(pack(nil, 0), pack(core.eol(13, nil)))
        end)
    end)

    describe("dot()", function()
        it("doubles a dot at the start of each line", function()
            assert.are.same({ "..a\r\n...b\n.c\r\n", 2 }, { core.dot(2, ".a\r\n..b\n.c\r\n") })
            assert.are.same({ "x.\r", 1 }, { core.dot(0, "x.\r") })
            assert.are.same({ "\n..", 0 }, { core.dot(1, "\n.") })
            assert.are.same(pack(nil, 2), pack(core.dot(0, nil)))
        end)
    end)

    describe("argument errors", function()
        it("raise like luaL_checklstring and luaL_checknumber", function()
            assert.matches("bad argument #1 to 'b64' %(string expected, got table%)$",
                select(2, pcall(function() local _ = core.b64({}) end)))
            assert.matches("bad argument #2 to 'unb64' %(string expected, got boolean%)$",
                select(2, pcall(function() local _ = core.unb64("", true) end)))
            assert.matches("bad argument #3 to 'qp' %(string expected, got table%)$",
                select(2, pcall(function() local _ = core.qp(nil, nil, {}) end)))
            assert.matches("bad argument #1 to 'wrp' %(number expected, got nil%)$",
                select(2, pcall(function() local _ = core.wrp(nil, "x") end)))
            assert.matches("bad argument #3 to 'qpwrp' %(number expected, got string%)$",
                select(2, pcall(function() local _ = core.qpwrp(1, "x", "y") end)))
            assert.matches("bad argument #1 to 'dot' %(number expected, got no value%)$",
                select(2, pcall(function() local _ = core.dot() end)))
            assert.matches("bad argument #1 to 'eol' %(number expected, got string%)$",
                select(2, pcall(function() local _ = core.eol("x") end)))
        end)

        it("refuse a fractional eol context where luaL_checkinteger does", function()
            local ok, err = pcall(function() local _ = core.eol(1.5, "x") end)
            if lua_version == "5.3" or lua_version == "5.4" then
                assert.is_false(ok)
                assert.matches("bad argument #1 to 'eol' %(number has no integer representation%)$", err)
            else
                assert.is_true(ok)
            end
        end)
    end)

    describe("chunked calls", function()
        it("give the one-call output however the input is split", function()
            local rng = new_rng(1)
            for _ = 1, 150 do
                local s = random_input(rng, 60)
                local chunks = random_split(rng, s)
                assert.are.equal(core.b64(s) or "", output_of(drive_carrying(core.b64, chunks)))
                assert.are.equal(core.unb64(s) or "", output_of(drive_carrying(core.unb64, chunks)))
                assert.are.equal(core.qp(s) or "", output_of(drive_carrying(core.qp, chunks)))
                assert.are.equal(core.qp(s, nil, "=0D=0A") or "",
                    output_of(drive_carrying(core.qp, chunks, "=0D=0A")))
                assert.are.equal(core.unqp(s) or "", output_of(drive_carrying(core.unqp, chunks)))
                local length = rng.pick(WRAP_LENGTHS)
                assert.are.equal(output_of(drive_stateful(core.wrp, length, { s }, length)),
                    output_of(drive_stateful(core.wrp, length, chunks, length)))
                assert.are.equal(output_of(drive_stateful(core.qpwrp, length, { s }, length)),
                    output_of(drive_stateful(core.qpwrp, length, chunks, length)))
                assert.are.equal(output_of(drive_stateful(core.eol, 0, { s }, "|")),
                    output_of(drive_stateful(core.eol, 0, chunks, "|")))
                assert.are.equal(output_of(drive_stateful(core.dot, 2, { s })),
                    output_of(drive_stateful(core.dot, 2, chunks)))
            end
        end)
    end)

    describe("round trips", function()
        it("unb64(b64(x)) == x and unqp(qp(x)) == x for any bytes", function()
            local rng = new_rng(2)
            for _ = 1, 200 do
                local s = random_input(rng, 80)
                assert.are.equal(s, core.unb64(core.b64(s) or "") or "")
                -- Binary mode: line breaks are data too.
                -- (Decoded with D = "" so that a leading NUL is not taken for
                -- "no output", as the final call does.)
                assert.are.equal(s, (core.unqp(core.qp(s, nil, "=0D=0A") or "", "")))
            end
        end)

        it("handles a large input in one call", function()
            local big = string.rep("\0\1\2\3\255 \r\n=", 800000) -- 8 MB
            local coded = core.b64(big)
            assert.are.equal(math.floor((#big + 2) / 3) * 4, #coded)
            assert.are.equal(big, core.unb64(coded))
            assert.are.equal(big, (core.unqp(core.qp(big, nil, "=0D=0A"), "")))
        end)
    end)
end)

---------------------------------------------------------------------------
-- mime (filters)
---------------------------------------------------------------------------

describe("mime", function()
    it("is the mime.core table, extended", function()
        assert.are.equal(core, mime)
        assert.is_table(mime.encodet)
        assert.is_table(mime.decodet)
        assert.is_table(mime.wrapt)
        for _, name in ipairs({ "encode", "decode", "wrap", "normalize", "stuff" }) do
            assert.are.equal("function", type(mime[name]), name)
        end
    end)

    local text = "Now's the time \r\nfor all folk =\r\nto come to the aid of their country.\r\n"
        .. string.rep("0123456789", 30) .. "\r\n"

    describe(".encode() and .decode()", function()
        it("base64 through LTN12 equals the one-call result", function()
            local coded = pump_string(text, mime.encode("base64"))
            assert.are.equal(core.b64(text), coded)
            assert.are.equal(text, pump_string(coded, mime.decode("base64")))
        end)

        it("quoted-printable in text and binary mode", function()
            assert.are.equal(core.qp(text), pump_string(text, mime.encode("quoted-printable")))
            local binary = pump_string(text, mime.encode("quoted-printable", "binary"))
            assert.are.equal(core.qp(text, nil, "=0D=0A"), binary)
            assert.is_nil(binary:find("\r\n", 1, true))
            assert.are.equal(text, pump_string(binary, mime.decode("quoted-printable")))
        end)

        it("raises for an unknown name", function()
            assert.has_error(function() mime.encode("rot13") end, "unknown key (rot13)")
            assert.has_error(function() mime.decode() end, "unknown key (default)")
        end)
    end)

    describe(".wrap()", function()
        it("wraps text at 76 by default, or at the given length", function()
            local long = string.rep("x", 200)
            local wrapped = pump_string(long, mime.wrap("text"))
            assert.are.equal(string.rep("x", 76) .. "\r\n" .. string.rep("x", 76) .. "\r\n"
                .. string.rep("x", 48) .. "\r\n", wrapped)
            assert.are.equal("xxxxx\r\nxxxxx\r\n", pump_string(string.rep("x", 10), mime.wrap(5)))
            assert.are.equal(pump_string(long, mime.wrap("text", 60)), pump_string(long, mime.wrap("base64", 60)))
        end)

        it("wraps quoted-printable with soft breaks", function()
            local coded = pump_string(string.rep("=", 40), ltn12.filter.chain(
                mime.encode("quoted-printable"), mime.wrap("quoted-printable")))
            for line in coded:gmatch("([^\r\n]*)\r\n") do
                assert.is_true(#line <= 76)
            end
            assert.are.equal(string.rep("=", 40), core.unqp(coded))
        end)
    end)

    describe(".normalize()", function()
        it("turns every line end into CRLF, or the marker", function()
            assert.are.equal("a\r\nb\r\nc\r\nd\r\n\r\n",
                pump_string("a\nb\rc\r\nd\n\n", mime.normalize()))
            assert.are.equal("a\nb\n", pump_string("a\r\nb\r", mime.normalize("\n")))
        end)
    end)

    describe(".stuff()", function()
        it("doubles dots at line starts, the first line included", function()
            assert.are.equal("..a\r\n..b\r\nc.d", pump_string(".a\r\n.b\r\nc.d", mime.stuff()))
        end)
    end)

    describe("filters fed in random chunks", function()
        it("give the same output as fed whole", function()
            local rng = new_rng(3)
            local factories = {
                function() return mime.encode("base64") end,
                function() return mime.decode("base64") end,
                function() return mime.encode("quoted-printable") end,
                function() return mime.encode("quoted-printable", "binary") end,
                function() return mime.decode("quoted-printable") end,
                function() return mime.wrap("text", 7) end,
                function() return mime.wrap("quoted-printable") end,
                function() return mime.normalize() end,
                function() return mime.stuff() end,
            }
            for _ = 1, 60 do
                local s = random_input(rng, 200)
                local chunks = random_split(rng, s)
                for _, make in ipairs(factories) do
                    assert.are.equal(through(make(), { s }), through(make(), chunks))
                end
            end
        end)
    end)

    describe("streams", function()
        it("encode, wrap and decode 32 MiB in bounded memory", function()
            local block = string.rep("0123456789abcdef\r\n", 3641) -- about 64 KiB
            local blocks = 512
            local sent = 0
            local function src()
                if sent < blocks then
                    sent = sent + 1
                    return block
                end
            end
            local received, calls, peak = 0, 0, 0
            local function snk(chunk)
                if chunk then received = received + #chunk end
                calls = calls + 1
                if calls % 64 == 0 then
                    -- What the chain still holds, once garbage is gone.
                    collectgarbage()
                    peak = math.max(peak, collectgarbage("count"))
                end
                return 1
            end
            collectgarbage()
            local base = collectgarbage("count")
            local chain = ltn12.filter.chain(mime.encode("base64"), mime.wrap("base64"), mime.decode("base64"))
            assert.are.equal(1, ltn12.pump.all(ltn12.source.chain(src, chain), snk))
            assert.are.equal(#block * blocks, received)
            -- The data is 32 MiB; the chain keeps no more than a few chunks.
            assert.is_true(peak - base < 2 * 1024, "live heap grew by " .. (peak - base) .. " KiB")
        end)
    end)
end)

---------------------------------------------------------------------------
-- differential test against the C LuaSocket
---------------------------------------------------------------------------

describe("mime.core against Debian's C LuaSocket", function()
    -- Loaded by path, never through require: it cannot shadow ours.
    local reference, why
    local opener, err = package.loadlib(C_MIME_PATH, "luaopen_mime_core")
    if opener then
        reference = opener()
    else
        why = "the C LuaSocket mime.core is required for the differential test but could not be loaded from "
            .. C_MIME_PATH .. " (" .. tostring(err) .. "); install Debian's lua-socket package"
    end

    local function c()
        if not reference then error(why, 0) end
        return reference
    end

    it("is loaded from " .. C_MIME_PATH .. " and is not ours", function()
        assert(reference, why)
        assert.are.equal("MIME 1.0.3", reference._VERSION)
        assert.is_nil(reference._IMPLEMENTATION)
        assert.are_not.equal(core.b64, reference.b64)
    end)

    it("gives identical results for b64, unb64, qp, unqp in random chunks", function()
        local ref = c()
        local rng = new_rng(4)
        for _ = 1, 400 do
            local s = random_input(rng, 100)
            local chunks = random_split(rng, s)
            for _, name in ipairs({ "b64", "unb64", "qp", "unqp" }) do
                assert.are.same(drive_carrying(ref[name], chunks), drive_carrying(core[name], chunks), name)
            end
            local marker = rng.pick({ "=0D=0A", "\n", "", "X\0Y" })
            assert.are.same(drive_carrying(ref.qp, chunks, marker), drive_carrying(core.qp, chunks, marker))
            -- Arbitrary C and D, not only a rest and a chunk.
            local other = random_input(rng, 10)
            for _, name in ipairs({ "b64", "unb64", "qp", "unqp" }) do
                assert.are.same(describe_results(pack(ref[name](other, s))),
                    describe_results(pack(core[name](other, s))), name)
                assert.are.same(describe_results(pack(ref[name](s))), describe_results(pack(core[name](s))), name)
            end
        end
    end)

    it("gives identical results for wrp, qpwrp, eol, dot in random chunks", function()
        local ref = c()
        local rng = new_rng(5)
        for _ = 1, 400 do
            local s = random_input(rng, 100)
            local chunks = random_split(rng, s)
            local length = rng.pick(WRAP_LENGTHS)
            local left = rng.pick({ length, 0, 1, 3, -2, 2.5 })
            for _, name in ipairs({ "wrp", "qpwrp" }) do
                assert.are.same(drive_stateful(ref[name], left, chunks, length),
                    drive_stateful(core[name], left, chunks, length), name)
                assert.are.same(drive_stateful(ref[name], left, chunks), drive_stateful(core[name], left, chunks), name)
            end
            local marker = rng.pick(EOL_MARKERS)
            local ctx = rng.pick({ 0, 10, 13, 7 })
            assert.are.same(drive_stateful(ref.eol, ctx, chunks, marker), drive_stateful(core.eol, ctx, chunks, marker))
            assert.are.same(drive_stateful(ref.eol, ctx, chunks), drive_stateful(core.eol, ctx, chunks))
            local state = rng.pick({ 0, 1, 2, 3, 2.5 })
            assert.are.same(drive_stateful(ref.dot, state, chunks), drive_stateful(core.dot, state, chunks))
        end
    end)

    it("converts odd numeric arguments the same way", function()
        local ref = c()
        local odd = { -1, -1.5, 0 / 0, 2 ^ 31, -2 ^ 31 - 1, 2 ^ 63, 2 ^ 64, 1e300, -1e300, 1.9, 4294967309, "12" }
        for _, v in ipairs(odd) do
            assert.are.same(describe_results(pack(ref.dot(v, ""))), describe_results(pack(core.dot(v, ""))))
            assert.are.same(describe_results(pack(ref.wrp(v, "abc", 2))), describe_results(pack(core.wrp(v, "abc", 2))))
            assert.are.same(describe_results(pack(ref.wrp(3, "abcdef", v))),
                describe_results(pack(core.wrp(3, "abcdef", v))))
            assert.are.same(describe_results(pack(ref.qpwrp(v, "ab=3Dcd", 4))),
                describe_results(pack(core.qpwrp(v, "ab=3Dcd", 4))))
            assert.are.same(describe_results(pack(ref.wrp(v, nil, 5))), describe_results(pack(core.wrp(v, nil, 5))))
            local ok_c, c_out = pcall(ref.eol, v, "\n", "M")
            local ok_ours, ours_out = pcall(core.eol, v, "\n", "M")
            assert.are.equal(ok_c, ok_ours, tostring(v))
            if ok_c then assert.are.equal(c_out, ours_out) end
        end
    end)

    it("raises the same argument errors", function()
        local ref = c()
        local bad = {
            { "b64", {} }, { "b64", "", true }, { "unb64", 1, {} }, { "qp", nil, nil, {} },
            { "qp", "x", print }, { "unqp", false }, { "wrp" }, { "wrp", 1, {} }, { "wrp", 1, "x", "y" },
            { "qpwrp", "z" }, { "eol" }, { "eol", 0, 1, {} }, { "eol", "x" }, { "dot", {} }, { "dot", 1, {} },
        }
        for _, case in ipairs(bad) do
            local name = case[1]
            assert.are.equal(error_of(ref, name, unpack(case, 2, 4)), error_of(core, name, unpack(case, 2, 4)))
        end
    end)

    it("gives identical filter output through LTN12 chains", function()
        local ref = c()
        local chunk = assert(loadfile(C_LTN12_PATH), "reference ltn12.lua not found at " .. C_LTN12_PATH)
        local saved = rawget(_G, "ltn12")
        local ref_ltn12 = chunk()
        rawset(_G, "ltn12", saved) -- LuaSocket's ltn12 exports a global where `module` exists
        local cycle = ref_ltn12.filter.cycle
        local pairs_of_filters = {
            { function() return cycle(ref.b64, "") end, function() return mime.encode("base64") end },
            { function() return cycle(ref.unb64, "") end, function() return mime.decode("base64") end },
            { function() return cycle(ref.qp, "", "\r\n") end, function() return mime.encode("quoted-printable") end },
            {
                function() return cycle(ref.qp, "", "=0D=0A") end,
                function() return mime.encode("quoted-printable", "binary") end,
            },
            { function() return cycle(ref.unqp, "") end, function() return mime.decode("quoted-printable") end },
            { function() return cycle(ref.wrp, 76, 76) end, function() return mime.wrap() end },
            { function() return cycle(ref.qpwrp, 76, 76) end, function() return mime.wrap("quoted-printable") end },
            { function() return cycle(ref.eol, 0) end, function() return mime.normalize() end },
            { function() return cycle(ref.dot, 2) end, function() return mime.stuff() end },
        }
        local rng = new_rng(6)
        for _ = 1, 40 do
            local s = random_input(rng, 400)
            local chunks = random_split(rng, s)
            for _, p in ipairs(pairs_of_filters) do
                assert.are.equal(through(p[1](), chunks), through(p[2](), chunks))
            end
            local ref_chain = ref_ltn12.filter.chain(pairs_of_filters[1][1](), pairs_of_filters[6][1](),
                pairs_of_filters[2][1]())
            local our_chain = ltn12.filter.chain(mime.encode("base64"), mime.wrap(), mime.decode("base64"))
            assert.are.equal(through(ref_chain, chunks), through(our_chain, chunks))
        end
    end)
end)
