-- The library side of the benchmarks: the mime codecs (called directly and
-- through ltn12 chains), socket.url and socket.http. One process runs one
-- case against one implementation (whichever package.path/cpath give: in
-- the C run that is LuaSocket's own mime.lua, ltn12.lua, url.lua and
-- http.lua over its C cores), checks the output, and prints IMPL, FROM,
-- LUA, DIGEST and RESULT lines (see bench/harness.lua). bench/run compares
-- the two implementations' digests too, so both must produce the same bytes.
--
-- usage: lua bench/lib_cases.lua CASE PORT SCALE
--   PORT   the HTTP server bench/run started (http cases), else 0
--   SCALE  1 = full. Each case repeats its work for 0.3 s x SCALE (and at
--          least 3 times); the mime inputs are 1 MiB (64 KiB below 0.1),
--          the http_large body max(1, floor(50 x SCALE)) MiB, as bench/run
--          writes it.
--
-- Rates of the mime and url cases are per second of CPU time (os.clock);
-- the http cases use wall time, since they wait on the server, read by the
-- stopwatch (bench/stopwatch.c, through harness.start/stop: never the
-- library's clock), and make one untimed request first.

local harness = dofile((arg[0]:match("^(.*)/") or ".") .. "/harness.lua")

local case_name, port, scale = arg[1], tonumber(arg[2]), tonumber(arg[3]) or 1
local check = harness.check
local unpack = table.unpack or unpack -- luacheck: ignore (Lua 5.1)

local MIB = 1024 * 1024
local BUDGET = 0.3 * scale
local INPUT = scale >= 0.1 and MIB or 64 * 1024
local CHUNK = 2048 -- what ltn12.source.string hands each filter

-- Calls `run` at least 3 times and until BUDGET seconds of CPU time have
-- passed. Returns runs per second and the last run's result.
local function repeat_for_budget(run)
    local n, t0 = 0, os.clock()
    local out, elapsed
    repeat
        out = run()
        n = n + 1
        elapsed = os.clock() - t0
    until n >= 3 and elapsed >= BUDGET and elapsed > 0
    return n / elapsed, out
end

-- The same in wall time, read by the stopwatch, which is not asked along
-- the way: 3 calls timed to size the run, then a fixed number of calls that
-- fills BUDGET (at least 3), timed as one region. Returns runs per second
-- and the last run's result.
local function repeat_timed(run)
    local probe = harness.time(function()
        for _ = 1, 3 do run() end
    end)
    local n = math.max(3, math.ceil(3 * BUDGET / probe))
    local out
    harness.start()
    for _ = 1, n do out = run() end
    return n / harness.stop(), out
end

---------------------------------------------------------------------------
-- inputs, generated the same way in both processes
---------------------------------------------------------------------------

-- Park and Miller's minimal standard generator: products stay below 2^47,
-- exact in a double, so every Lua version draws the same numbers.
local function new_rng(seed)
    local state = seed
    return function(n)
        state = state * 48271 % 2147483647
        return math.floor(state / 256) % n
    end
end

local function random_bytes(n, seed)
    local below = new_rng(seed)
    local parts, batch = {}, {}
    for i = 1, n, 256 do
        local len = math.min(256, n - i + 1)
        for k = 1, len do batch[k] = below(256) end
        parts[#parts + 1] = string.char(unpack(batch, 1, len))
    end
    return table.concat(parts)
end

-- Text of `n` bytes in lines of up to 72 columns ended by CRLF: words from
-- `common`, one in `rare_every` from `rare`.
local function prose(n, seed, common, rare, rare_every)
    local below = new_rng(seed)
    local parts, len, col = {}, 0, 0
    while len < n do
        local w = below(rare_every) == 0 and rare[below(#rare) + 1] or common[below(#common) + 1]
        if col + #w > 72 then
            parts[#parts + 1] = "\r\n"
            len, col = len + 2, 0
        end
        parts[#parts + 1] = w
        len, col = len + #w, col + #w
    end
    -- cut at a line end, so that no CR is left without its LF
    local text = table.concat(parts):sub(1, n)
    return text:match("^(.*\r\n)") or text
end

local english = {
    "the ", "of ", "and ", "to ", "in ", "is ", "that ", "for ", "it ", "as ", "was ", "with ",
    "be ", "by ", "on ", "not ", "he ", "this ", "are ", "or ", "his ", "from ", "at ", "which ",
    "but ", "have ", "an ", "had ", "they ", "you ", "were ", "their ", "one ", "all ", "we ",
    "message ", "server ", "network ", "request, ", "response. ", "However, ", "(see below) ",
    "e-mail ", "2024 ", "version ", "data: ", "\"quoted\" ", "it's ",
}
local accented = { "caf\195\169 ", "na\195\175ve ", "r\195\169sum\195\169 ", "se\195\177or ", "a=b ",
    "\226\128\148 " }
local latin_words = { "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "end ", "x ",
    "tab\t", "1+1=2 " }

-- Inputs are made on first use, so a case pays only for its own.
local inputs = setmetatable({}, { __index = function(t, name)
    local make = {
        binary = function() return random_bytes(INPUT, 1) end,
        -- English mail: an accented word or '=' in about 1 word of 60
        mail = function() return prose(INPUT, 2, english, accented, 60) end,
        -- dense Latin-1-style text: one in 3 words needs escaping in qp
        latin = function() return prose(INPUT, 3, latin_words, accented, 3) end,
        mail_lf = function() return (t.mail:gsub("\r\n", "\n")) end,
        -- lines starting with "." for SMTP dot-stuffing
        dots = function() return (t.mail:gsub("\r\nthe ", "\r\n.the ")) end,
        dots_lf = function() return (t.dots:gsub("\r\n", "\n")) end,
    }
    local value = assert(make[name], name)()
    rawset(t, name, value)
    return value
end })

---------------------------------------------------------------------------
-- mime: checks
---------------------------------------------------------------------------

-- Every line of `s` has at most `width` columns and ends with CRLF (the
-- wrapping filters end their output with a line break too).
local function check_lines(s, width)
    local rest = s:gsub("([^\r\n]*)\r\n", function(line)
        if #line > width then check(false, "line of " .. #line .. " columns, want at most " .. width) end
        return ""
    end)
    check(rest == "", "output has a bare CR or LF, or does not end with CRLF")
end

local function check_7bit(s)
    check(not s:find("[\128-\255]"), "8-bit byte in quoted-printable output")
end

-- The SMTP form of `text` (CRLF lines): a "." opening a line doubled.
local function stuffed(text)
    local s = ("\r\n" .. text):gsub("\r\n%.", "\r\n..")
    return s:sub(3)
end

---------------------------------------------------------------------------
-- mime: direct calls
---------------------------------------------------------------------------

local function split(s)
    local list = {}
    for i = 1, #s, CHUNK do list[#list + 1] = s:sub(i, i + CHUNK - 1) end
    return list
end

-- The chunked calling form A, B = f(C, D, extra) that ltn12.filter.cycle
-- uses: B (bytes held back, or the line state) goes into the next call,
-- and f(B, nil, extra) finishes. Returns a function that runs it over
-- `input` and returns the output pieces.
local function chunked(f, input, first, extra)
    local chunks = split(input)
    return function()
        local out, carry = {}, first
        local piece
        for i = 1, #chunks do
            piece, carry = f(carry, chunks[i], extra)
            out[#out + 1] = piece
        end
        out[#out + 1] = f(carry, nil, extra) -- may be nil: nothing more
        return out
    end
end

-- A direct case: `setup(mime)` returns the codec, its input, the first
-- state and the extra argument; `verify(mime, output)` checks the output.
local function codec(setup, verify)
    return {
        modules = { "mime" },
        run = function()
            local mime = require("mime")
            local f, input, first, extra = setup(mime)
            local per_second, out = repeat_for_budget(chunked(f, input, first, extra))
            out = table.concat(out)
            verify(mime, out)
            return per_second * #input / 1e6, harness.digest(out)
        end,
    }
end

local function b64_lines(mime)
    return (mime.wrp(76, mime.b64(inputs.binary), 76))
end

local function qp_lines(mime, text)
    return (mime.qpwrp(76, mime.qp(text), 76))
end

local function qp_case(text)
    return codec(function(mime) return mime.qp, inputs[text], "", "\r\n" end, function(mime, out)
        check_7bit(out)
        check(mime.unqp(out) == inputs[text], "unqp(qp(" .. text .. ")) differs")
    end)
end

local function unqp_case(text)
    return codec(function(mime) return mime.unqp, qp_lines(mime, inputs[text]), "" end, function(_, out)
        check(out == inputs[text], "unqp differs from the " .. text .. " text")
    end)
end

local cases = {}

cases.b64 = codec(function(mime) return mime.b64, inputs.binary, "" end, function(mime, out)
    check(#out == 4 * math.ceil(#inputs.binary / 3), "base64 of " .. #inputs.binary .. " bytes is " .. #out)
    check(not out:find("[^%w+/=]"), "base64 output has a byte outside its alphabet")
    check(mime.unb64(out) == inputs.binary, "unb64(b64(x)) differs from x")
end)

cases.unb64 = codec(function(mime) return mime.unb64, b64_lines(mime), "" end, function(_, out)
    check(out == inputs.binary, "unb64 differs from the encoded bytes")
end)

cases.qp_mail = qp_case("mail")
cases.qp_latin = qp_case("latin")
cases.unqp_mail = unqp_case("mail")
cases.unqp_latin = unqp_case("latin")

cases.wrp = codec(function(mime) return mime.wrp, mime.b64(inputs.binary), 76, 76 end, function(mime, out)
    check_lines(out, 76)
    check(out:gsub("\r\n", "") == mime.b64(inputs.binary), "wrp changed more than line breaks")
end)

cases.qpwrp = codec(function(mime) return mime.qpwrp, mime.qp(inputs.mail, nil, "=0D=0A"), 76, 76 end,
    function(mime, out)
        check_lines(out, 76)
        check(mime.unqp(out) == inputs.mail, "unqp(qpwrp(qp(x))) differs from x")
    end)

cases.eol = codec(function(mime) return mime.eol, inputs.mail_lf, 0, "\r\n" end, function(_, out)
    check(out == inputs.mail, "eol of LF text differs from the CRLF text")
end)

cases.dot = codec(function(mime) return mime.dot, inputs.dots, 2 end, function(_, out)
    check(out == stuffed(inputs.dots), "dot-stuffed text differs")
end)

---------------------------------------------------------------------------
-- mime through ltn12: string source -> filters -> table sink
---------------------------------------------------------------------------

-- `setup(mime, ltn12)` returns the input and a function making a fresh
-- filter; `verify(mime, output)` checks the output.
local function chain(setup, verify)
    return {
        modules = { "mime", "ltn12" },
        run = function()
            local mime, ltn12 = require("mime"), require("ltn12")
            local input, make = setup(mime, ltn12)
            local per_second, out = repeat_for_budget(function()
                local t = {}
                local src = ltn12.source.chain(ltn12.source.string(input), make())
                check(ltn12.pump.all(src, (ltn12.sink.table(t))), "pump failed")
                return t
            end)
            out = table.concat(out)
            verify(mime, out)
            return per_second * #input / 1e6, harness.digest(out)
        end,
    }
end

cases.ltn12_b64 = chain(function(mime, ltn12)
    return inputs.binary, function() return ltn12.filter.chain(mime.encode("base64"), mime.wrap("base64")) end
end, function(mime, out)
    check_lines(out, 76)
    check(mime.unb64((out:gsub("\r\n", ""))) == inputs.binary, "base64 chain does not decode to its input")
end)

cases.ltn12_unb64 = chain(function(mime)
    return b64_lines(mime), function() return mime.decode("base64") end
end, function(_, out)
    check(out == inputs.binary, "base64 decoding chain differs from the encoded bytes")
end)

cases.ltn12_qp = chain(function(mime, ltn12)
    return inputs.mail, function()
        return ltn12.filter.chain(mime.encode("quoted-printable"), mime.wrap("quoted-printable"))
    end
end, function(mime, out)
    check_lines(out, 76)
    check_7bit(out)
    check(mime.unqp(out) == inputs.mail, "quoted-printable chain does not decode to its input")
end)

cases.ltn12_unqp = chain(function(mime)
    return qp_lines(mime, inputs.mail), function() return mime.decode("quoted-printable") end
end, function(_, out)
    check(out == inputs.mail, "quoted-printable decoding chain differs from the mail text")
end)

cases.ltn12_eol_dot = chain(function(mime, ltn12)
    return inputs.dots_lf, function() return ltn12.filter.chain(mime.normalize(), mime.stuff()) end
end, function(_, out)
    check(out == stuffed(inputs.dots), "normalize + stuff chain differs")
end)

---------------------------------------------------------------------------
-- socket.url
---------------------------------------------------------------------------

-- What url.escape is specified to do (RFC 3986 minus the unreserved
-- letters, digits and "_"), written out here to check both against.
local function reference_escape(s)
    return (s:gsub("[^%w_]", function(c) return ("%%%02x"):format(c:byte()) end))
end

local form_fields = { "name=J. Smith & Co/Ltd?", "caf\195\169 cr\195\168me br\195\187l\195\169e",
    "q=a+b&lang=en-GB", "100% sure; \"quoted\"" }
local words = { "hello", "world", "index", "search", "luasocket", "version3" }
local urls = {
    "http://user:secret@www.example.com:8080/a/b/c.html;type=a?q=1&r=two#frag",
    "https://example.org/",
    "ftp://ftp.example.net/pub/file.txt;type=i",
    "/relative/path/page.html?x=y#top",
    "mailto:someone@example.com",
}

-- Calls `f` on each of `list` in turn, 1000 calls per clock reading.
-- Returns calls per second and the results of the last pass.
local function calls(f, list)
    local per_second, last = repeat_for_budget(function()
        local results = {}
        for i = 1, 1000 do
            local k = (i - 1) % #list + 1
            results[k] = f(list[k])
        end
        return results
    end)
    return per_second * 1000, last
end

local function url_case(f)
    return { modules = { "socket", "socket.url" }, run = function() return f(require("socket.url")) end }
end

local function escape_case(list)
    return url_case(function(url)
        local rate, got = calls(url.escape, list)
        for k, s in ipairs(list) do
            check(got[k] == reference_escape(s), "escape(" .. s .. ") = " .. tostring(got[k]))
        end
        return rate, harness.digest(table.concat(got, "\n"))
    end)
end

cases.url_escape_form = escape_case(form_fields)
cases.url_escape_words = escape_case(words)

cases.url_unescape = url_case(function(url)
    local escaped = {}
    for k, s in ipairs(form_fields) do escaped[k] = reference_escape(s) end
    escaped[#escaped + 1] = "a+b%20c%2Fd%2fe" -- "+" stays, both cases of hex digits
    local rate, got = calls(url.unescape, escaped)
    for k, s in ipairs(form_fields) do check(got[k] == s, "unescape(escape(" .. s .. ")) = " .. tostring(got[k])) end
    check(got[#escaped] == "a+b c/d/e", "unescape(a+b%20c%2Fd%2fe) = " .. tostring(got[#escaped]))
    return rate, harness.digest(table.concat(got, "\n"))
end)

cases.url_parse = url_case(function(url)
    local rate, got = calls(function(u) return url.build(url.parse(u)) end, urls)
    for k, u in ipairs(urls) do check(got[k] == u, "build(parse(" .. u .. ")) = " .. tostring(got[k])) end
    local p = url.parse(urls[1])
    check(p.scheme == "http" and p.user == "user" and p.password == "secret"
        and p.host == "www.example.com" and p.port == "8080" and p.path == "/a/b/c.html"
        and p.params == "type=a" and p.query == "q=1&r=two"
        and p.fragment == "frag", "parse(" .. urls[1] .. ") has a wrong field")
    return rate, harness.digest(table.concat(got, "\n"))
end)

---------------------------------------------------------------------------
-- socket.http against the server bench/run started
---------------------------------------------------------------------------

local SMALL_BODY = "hello, world\n" -- bench/run writes it as /small.txt

-- /big.bin, as bench/run writes it: 64 KiB blocks, block i being
-- ("%08d\n"):format(i) and then bytes k * 7 % 251 for k = 9 .. 65535.
local BLOCK = 65536
local function big_size() return math.max(1, math.floor(50 * scale)) * MIB end
local function big_block(pattern, i) return ("%08d\n"):format(i) .. pattern:sub(10) end

local function block_pattern()
    local bytes = {}
    for k = 0, BLOCK - 1 do bytes[k + 1] = string.char(k * 7 % 251) end
    return table.concat(bytes)
end

local function http_case(f)
    return {
        modules = { "socket", "socket.http", "ltn12" },
        run = function()
            check(port and port > 0, "no HTTP server port given")
            return f(require("socket.http"), "http://127.0.0.1:" .. port)
        end,
    }
end

cases.http_small = http_case(function(http, base)
    local function get()
        local body, code = http.request(base .. "/small.txt")
        check(code == 200 and body == SMALL_BODY, "small GET: " .. tostring(code) .. " " .. tostring(body))
    end
    get() -- warm-up, not timed (see http_large)
    return (repeat_timed(get))
end)

cases.http_large = http_case(function(http, base)
    local size = big_size()
    local function get()
        local body, code = http.request(base .. "/big.bin")
        check(code == 200 and body and #body == size,
            "large GET: " .. tostring(code) .. ", " .. tostring(body and #body) .. " bytes, want " .. size)
        return body
    end
    -- One request before the clock starts. A fresh process's first request
    -- grows its heap and pays a page fault for every page it touches (for
    -- both implementations, about twice a later request's time); with only
    -- 3 to 6 requests in the budget, its share of the rate depended on how
    -- many fitted, and the medians jumped between two values.
    get()
    local rate, body = repeat_timed(get)
    local pattern = block_pattern()
    for i = 0, size / BLOCK - 1 do
        if body:sub(i * BLOCK + 1, (i + 1) * BLOCK) ~= big_block(pattern, i) then
            check(false, "large body differs in block " .. i)
        end
    end
    return rate * size / 1e6
end)

-- Times small GETs, each made by `request(t)` into table `t` and checked,
-- after one untimed warm-up (see http_large); `what` names them in a
-- failed check.
local function time_small_gets(what, request)
    local function get()
        local t = {}
        local r, code = request(t)
        local body = table.concat(t)
        check(r == 1 and code == 200 and body == SMALL_BODY, what .. ": " .. tostring(code) .. " " .. body)
    end
    get()
    return (repeat_timed(get))
end

-- Small GETs with keepalive = true: ours keeps one connection (nginx's
-- default keepalive_requests, 1000, renews it now and then); C LuaSocket
-- does not know the key and connects for every request, as it must.
cases.http_keepalive = http_case(function(http, base)
    local ltn12 = require("ltn12")
    return time_small_gets("kept-alive GET", function(t)
        return http.request { url = base .. "/small.txt", sink = ltn12.sink.table(t), keepalive = true }
    end)
end)

-- The same over TLS (PORT is nginx's TLS port), the certificate verified
-- against the run's own (BENCH_CAFILE): ours through LuaSec on one pooled
-- connection, C LuaSocket through LuaSec's ssl.https, a handshake each.
cases.https_keepalive = {
    modules = { "socket", "socket.http", "ltn12" },
    run = function()
        check(port and port > 0, "no HTTPS server port given")
        local http, ltn12 = require("socket.http"), require("ltn12")
        local cafile = os.getenv("BENCH_CAFILE")
        check(cafile, "BENCH_CAFILE not set")
        local u = "https://127.0.0.1:" .. port .. "/small.txt"
        return time_small_gets("https GET", function(t)
            return http.request { url = u, sink = ltn12.sink.table(t), keepalive = true, verify = "peer",
                cafile = cafile }
        end)
    end,
}

---------------------------------------------------------------------------
-- TLS: ours (socket.tls) beside C LuaSocket with LuaSec (ssl), both
-- verifying nginx's certificate against the run's own (BENCH_CAFILE)
---------------------------------------------------------------------------

-- The TLS module each side has: socket.tls is ours only; C LuaSocket's
-- users have LuaSec's ssl.
local function tls_module()
    return require("socket")._IMPLEMENTATION and "socket.tls" or "ssl"
end

-- LuaSec's wrap takes no `servername` (it checks the chain, not the name);
-- ours checks the name too, so it is told which one.
local function tls_params()
    local cafile = os.getenv("BENCH_CAFILE")
    check(cafile, "BENCH_CAFILE not set")
    local p = { mode = "client", protocol = "any", verify = "peer", cafile = cafile }
    if tls_module() == "socket.tls" then p.servername = "127.0.0.1" end
    return p
end

-- Prints what the peers agreed on: bench/run requires the same for C and
-- ours (a different cipher would compare different work).
local function report_agreed(conn)
    local info = conn:info()
    print("AGREED " .. tostring(info and info.protocol) .. " " .. tostring(info and info.cipher))
end

local function tls_case(f)
    return {
        modules = function() return { "socket", tls_module() } end,
        run = function()
            check(port and port > 0, "no TLS server port given")
            local socket, tls = require("socket"), require(tls_module())
            return f(socket, tls)
        end,
    }
end

-- Connects and completes a handshake with `ctx`; returns the TLS object.
local function handshake(socket, tls, ctx)
    local c = assert(socket.connect("127.0.0.1", port))
    c:settimeout(10)
    local conn = assert(tls.wrap(c, ctx))
    local ok, err = conn:dohandshake()
    check(ok, "handshake: " .. tostring(err))
    return conn
end

-- Full handshakes per second (connect, handshake, close) with one context
-- made up front. PORT is nginx's server without session tickets or cache,
-- so neither side can resume: ours would, with a reused context and a
-- server that issues tickets (rustls' default), LuaSec would not.
cases.tls_handshake = tls_case(function(socket, tls)
    local ctx = assert(tls.newcontext(tls_params()))
    local first = handshake(socket, tls, ctx) -- warm-up, not timed
    report_agreed(first)
    first:close()
    return (repeat_timed(function() handshake(socket, tls, ctx):close() end))
end)

-- /bulk.bin (bench/run writes it: 64 KiB blocks numbered as in /big.bin,
-- 200 MiB at full scale) read with receive(65536) on one connection,
-- after a raw GET and its head; each block checked in place.
local function bulk_size() return math.max(1, math.floor(200 * scale)) * MIB end

cases.tls_bulk = tls_case(function(socket, tls)
    local size = bulk_size()
    local conn = handshake(socket, tls, tls_params())
    report_agreed(conn)
    conn:settimeout(30)
    local suffix = block_pattern():sub(10)
    harness.start()
    assert(conn:send("GET /bulk.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    local status = conn:receive("*l")
    check(status == "HTTP/1.1 200 OK", "bulk GET: " .. tostring(status))
    local length
    repeat
        local line = assert(conn:receive("*l"))
        length = length or tonumber(line:lower():match("^content%-length:%s*(%d+)"))
    until line == ""
    check(length == size, "bulk length " .. tostring(length) .. ", want " .. size)
    for i = 0, size / BLOCK - 1 do
        local chunk, err = conn:receive(BLOCK)
        if not chunk or chunk:sub(1, 9) ~= ("%08d\n"):format(i) or chunk:find(suffix, 10, true) ~= 10 then
            check(false, "bulk block " .. i .. ": " .. tostring(err or "differs"))
        end
    end
    local dt = harness.stop()
    conn:close()
    return size / dt / 1e6
end)

-- Small GETs over https through socket.http, one connection (and one full
-- handshake) per request, as a program without keep-alive makes them:
-- ours with the built-in transport (what https:// uses where LuaSec is not
-- installed), C LuaSocket through LuaSec's ssl.https.
cases.https_small = tls_case(function()
    local ltn12 = require("ltn12")
    local u = "https://127.0.0.1:" .. port .. "/small.txt"
    local p = tls_params()
    local request
    if tls_module() == "socket.tls" then
        local http = require("socket.http")
        request = function(t) return http.request { url = u, sink = ltn12.sink.table(t), tls = "builtin",
            verify = p.verify, cafile = p.cafile } end
    else
        local https = require("ssl.https")
        request = function(t) return https.request { url = u, sink = ltn12.sink.table(t),
            protocol = p.protocol, verify = p.verify, cafile = p.cafile } end
    end
    return time_small_gets("https GET", request)
end)

---------------------------------------------------------------------------
-- main
---------------------------------------------------------------------------

-- The file a module's Lua functions come from (looking one table deep, as
-- ltn12 keeps its functions in ltn12.filter, ltn12.source, ...).
local function lua_file(t)
    for _, v in pairs(t) do
        local fns = type(v) == "table" and v or { v }
        for _, f in pairs(fns) do
            if type(f) == "function" then
                local src = debug.getinfo(f, "S").source
                if src:sub(1, 1) == "@" then return src:sub(2) end
            end
        end
    end
    return "?"
end

local case = cases[case_name]
if not case then
    io.stderr:write("unknown case ", tostring(case_name), "\n")
    os.exit(2)
end
local modules = type(case.modules) == "function" and case.modules() or case.modules
local files = {}
for k, name in ipairs(modules) do files[k] = lua_file(require(name)) end
local main = require(modules[1])
local kind = modules[1] == "mime" and "mime" or "socket"
local from = harness.where_loaded(kind)
-- the TLS cases' C side: LuaSec's shared object too (Debian's
-- liblua5.x-sec.so, which lua/5.x/ssl.so links to)
if modules[2] == "ssl" then from = from .. " " .. harness.where_loaded("sec") end
harness.run(main._IMPLEMENTATION, from, case.run, files)
