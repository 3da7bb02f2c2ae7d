-- ltn12: filters, sources, sinks and pumps.
--
-- The last block replays random chains of filters, sources and sinks on our
-- ltn12 and on LuaSocket's (Debian's lua-socket, loaded by its path) and
-- demands the same output and the same sequence of calls to every filter.

local ltn12 = require("ltn12")

local unpack = table.unpack or unpack
local lua_version = _VERSION:match("5%.%d")
local C_LTN12_PATH = "/usr/share/lua/" .. lua_version .. "/ltn12.lua"

-- Collects a source into a string (and the error, if any).
local function drain(src)
    local parts = {}
    local ok, err = ltn12.pump.all(src, (ltn12.sink.table(parts)))
    return table.concat(parts), ok, err
end

-- A source returning the given chunks, then nil.
local function chunks_source(list)
    local i = 0
    return function()
        i = i + 1
        return list[i]
    end
end

-- A filter that gives nothing ("") until it holds `k` bytes, then all of
-- them; at the end it gives what it holds, then nil.
local function buffering(k)
    local held = ""
    return function(chunk)
        if chunk == nil then
            if held == "" then return nil end
            local out = held
            held = ""
            return out
        end
        held = held .. chunk
        if #held < k then return "" end
        local out = held
        held = ""
        return out
    end
end

-- A filter that gives at most `m` bytes per call, so that it must be called
-- again (with "" or nil) to give the rest.
local function dribbling(m)
    local held = ""
    return function(chunk)
        if chunk == nil and held == "" then return nil end
        held = held .. (chunk or "")
        local out = held:sub(1, m)
        held = held:sub(m + 1)
        return out
    end
end

local function upper(chunk)
    return chunk and chunk:upper()
end

local function temp_name()
    local name = os.tmpname()
    return name
end

describe("ltn12", function()
    it("has LuaSocket's constants", function()
        assert.are.equal(2048, ltn12.BLOCKSIZE)
        assert.are.equal("LTN12 1.0.3", ltn12._VERSION)
        for _, t in ipairs({ "filter", "source", "sink", "pump" }) do
            assert.is_table(ltn12[t])
        end
    end)

    describe("filter.cycle()", function()
        it("keeps the low-level context between calls and passes extra", function()
            local seen = {}
            local f = ltn12.filter.cycle(function(ctx, chunk, extra)
                seen[#seen + 1] = { ctx, chunk, extra }
                return chunk and chunk:rep(2), (ctx or 0) + 1
            end, 10, "x")
            assert.are.equal("abab", f("ab"))
            assert.is_nil(f(nil))
            assert.are.same({ { 10, "ab", "x" }, { 11, nil, "x" } }, seen)
        end)

        it("asserts that it got a function", function()
            assert.has_error(function() ltn12.filter.cycle(nil) end)
        end)
    end)

    describe("filter.chain()", function()
        it("passes each filter's output to the next", function()
            local f = ltn12.filter.chain(upper, function(c) return c and "<" .. c .. ">" end)
            assert.are.equal("<AB>", f("ab"))
        end)

        it("asks again upstream when a filter needs more input", function()
            local f = ltn12.filter.chain(upper, buffering(4), upper)
            assert.are.equal("", f("ab"))
            assert.are.equal("ABCD", f("cd"))
            -- After an output the chain is drained with "" before new data.
            assert.are.equal("", f(""))
            assert.are.equal("", f("e"))
            assert.are.equal("E", f(nil))
            assert.is_nil(f(nil))
        end)

        it("resumes at the filter that gave the last output", function()
            -- LuaSocket's chain feeds the next call to the last filter that
            -- produced output; callers drain it with "" first (as
            -- source.chain and sink.chain do).
            local f = ltn12.filter.chain(upper, function(c) return c and "<" .. c .. ">" end)
            assert.are.equal("<AB>", f("ab"))
            assert.are.equal("<cd>", f("cd"))
        end)

        it("flushes every filter in turn at the end", function()
            local f = ltn12.filter.chain(dribbling(2), buffering(100), dribbling(3))
            local out = { f("abcdefg") }
            for _ = 1, 20 do
                local c = f(nil)
                if not c then break end
                out[#out + 1] = c
            end
            assert.are.equal("abcdefg", table.concat(out))
        end)

        it("raises when a later filter returns nil while data flows", function()
            local f = ltn12.filter.chain(upper, function() return nil end)
            assert.has_error(function() f("x") end)
            local ok, err = pcall(f, "x")
            assert.is_false(ok)
            assert.matches("filter returned inappropriate nil", err)
        end)
    end)

    describe("source.empty() and source.error()", function()
        it("give nothing, or nil and the message", function()
            assert.is_nil(ltn12.source.empty()())
            assert.are.same({ nil, "boom" }, { ltn12.source.error("boom")() })
        end)
    end)

    describe("source.string()", function()
        it("returns BLOCKSIZE pieces, then nil", function()
            local s = string.rep("x", 5000)
            local src = ltn12.source.string(s)
            assert.are.equal(2048, #src())
            assert.are.equal(2048, #src())
            assert.are.equal(904, #src())
            assert.is_nil(src())
            assert.is_nil(ltn12.source.string("")())
            assert.is_nil(ltn12.source.string(nil)())
        end)

        it("reads BLOCKSIZE when called", function()
            local saved = ltn12.BLOCKSIZE
            ltn12.BLOCKSIZE = 3
            local ok, first = pcall(function() return ltn12.source.string("abcdefg")() end)
            ltn12.BLOCKSIZE = saved
            assert.is_true(ok)
            assert.are.equal("abc", first)
        end)
    end)

    describe("source.table()", function()
        it("returns the elements in order", function()
            local src = ltn12.source.table({ "a", "b" })
            assert.are.equal("a", src())
            assert.are.equal("b", src())
            assert.is_nil(src())
        end)
    end)

    describe("source.file()", function()
        it("reads a file in BLOCKSIZE chunks and closes it at the end", function()
            local name = temp_name()
            local data = string.rep("0123456789", 500)
            local w = assert(io.open(name, "wb"))
            w:write(data)
            w:close()
            local handle = assert(io.open(name, "rb"))
            local src = ltn12.source.file(handle)
            assert.are.equal(2048, #src())
            local got = drain(src)
            assert.are.equal(data:sub(2049), got)
            assert.are.equal("closed file", io.type(handle))
            os.remove(name)
        end)

        it("fails with the io error when the file could not be opened", function()
            assert.are.same({ nil, "unable to open file" }, { ltn12.source.file(nil)() })
            local src = ltn12.source.file(io.open("/nonexistent/file"))
            local chunk, err = src()
            assert.is_nil(chunk)
            assert.matches("No such file", err)
        end)
    end)

    describe("source.simplify()", function()
        it("follows a fancy source's hand-over", function()
            local second = chunks_source({ "c" })
            local first_called = false
            local fancy = function()
                if not first_called then
                    first_called = true
                    return "ab", second
                end
            end
            local src = ltn12.source.simplify(fancy)
            assert.are.equal("ab", src())
            assert.are.equal("c", src())
            assert.is_nil(src())
        end)

        it("passes errors on", function()
            local src = ltn12.source.simplify(ltn12.source.error("bad"))
            assert.are.same({ nil, "bad" }, { src() })
        end)
    end)

    describe("source.rewind()", function()
        it("gives back chunks pushed into it, last first", function()
            local src = ltn12.source.rewind(chunks_source({ "a", "b" }))
            assert.are.equal("a", src())
            src("x")
            src("y")
            assert.are.equal("y", src())
            assert.are.equal("x", src())
            assert.are.equal("b", src())
            assert.is_nil(src())
        end)

        it("passes the source's error on", function()
            local src = ltn12.source.rewind(ltn12.source.error("bad"))
            assert.are.same({ nil, "bad" }, { src() })
        end)
    end)

    describe("source.chain()", function()
        it("filters a source", function()
            local src = ltn12.source.chain(ltn12.source.string("hello"), upper)
            assert.are.equal("HELLO", (drain(src)))
        end)

        it("chains several filters and drains each fully", function()
            local src = ltn12.source.chain(chunks_source({ "abc", "", "defgh", "i" }),
                dribbling(2), buffering(3), upper)
            assert.are.equal("ABCDEFGHI", (drain(src)))
        end)

        it("passes the source's error on", function()
            local src = ltn12.source.chain(ltn12.source.error("bad"), upper)
            assert.are.same({ nil, "bad" }, { src() })
        end)

        it("raises when called again after the end", function()
            local src = ltn12.source.chain(ltn12.source.empty(), upper)
            assert.is_nil(src())
            assert.has_error(function() src() end, "source is empty!")
        end)

        it("raises when the filter returns nil while data flows", function()
            local src = ltn12.source.chain(ltn12.source.string("x"), function() return nil end)
            local ok, err = pcall(src)
            assert.is_false(ok)
            assert.matches("filter returned inappropriate nil", err)
        end)
    end)

    describe("source.cat()", function()
        it("returns the sources' data one after the other", function()
            local src = ltn12.source.cat(ltn12.source.string("ab"), ltn12.source.empty(), ltn12.source.string("cd"))
            assert.are.equal("abcd", (drain(src)))
        end)

        it("stops at a source's error", function()
            local src = ltn12.source.cat(ltn12.source.string("ab"), ltn12.source.error("bad"),
                ltn12.source.string("cd"))
            assert.are.equal("ab", src())
            assert.are.same({ nil, "bad" }, { src() })
        end)

        it("returns nothing at the end", function()
            local src = ltn12.source.cat()
            assert.are.equal(0, select("#", src()))
        end)
    end)

    describe("sink.table()", function()
        it("stores chunks and returns 1", function()
            local snk, t = ltn12.sink.table()
            assert.are.equal(1, snk("a"))
            assert.are.equal(1, snk(nil))
            assert.are.equal(1, snk("b", "ignored"))
            assert.are.same({ "a", "b" }, t)
            local mine = {}
            local _, same = ltn12.sink.table(mine)
            assert.are.equal(mine, same)
        end)
    end)

    describe("sink.simplify()", function()
        it("follows a fancy sink's hand-over and passes errors on", function()
            local t = {}
            local second = ltn12.sink.table(t)
            local fancy = function() return 1, second end
            local snk = ltn12.sink.simplify(fancy)
            assert.are.equal(1, snk("dropped"))
            assert.are.equal(1, snk("kept"))
            assert.are.same({ "kept" }, t)
            assert.are.same({ nil, "bad" }, { ltn12.sink.simplify(ltn12.sink.error("bad"))("x") })
        end)
    end)

    describe("sink.file()", function()
        it("writes chunks and closes the file at the end", function()
            local name = temp_name()
            local handle = assert(io.open(name, "wb"))
            local snk = ltn12.sink.file(handle)
            assert.is_truthy(snk("ab"))
            assert.is_truthy(snk("cd"))
            assert.are.equal(1, snk(nil))
            assert.are.equal("closed file", io.type(handle))
            local r = assert(io.open(name, "rb"))
            assert.are.equal("abcd", r:read("*a"))
            r:close()
            os.remove(name)
        end)

        it("fails with the io error when the file could not be opened", function()
            assert.are.same({ nil, "unable to open file" }, { ltn12.sink.file(nil)("x") })
            assert.are.same({ nil, "nope" }, { ltn12.sink.file(nil, "nope")("x") })
        end)
    end)

    describe("sink.null() and sink.error()", function()
        it("discard, or fail", function()
            assert.are.equal(1, ltn12.sink.null()("x"))
            assert.are.equal(1, ltn12.sink.null()(nil))
            assert.are.same({ nil, "bad" }, { ltn12.sink.error("bad")("x") })
        end)
    end)

    describe("sink.chain()", function()
        it("filters into a sink, draining the filter each time", function()
            local t = {}
            local snk = ltn12.sink.chain(dribbling(2), (ltn12.sink.table(t)))
            assert.are.equal(1, snk("abcde"))
            assert.are.equal(1, snk(nil))
            assert.are.equal("abcde", table.concat(t))
        end)

        it("takes several filters before the sink", function()
            local t = {}
            local snk = ltn12.sink.chain(buffering(3), upper, dribbling(1), (ltn12.sink.table(t)))
            assert.are.equal(1, ltn12.pump.all(ltn12.source.string("hello"), snk))
            assert.are.equal("HELLO", table.concat(t))
        end)

        it("returns 1 for an empty chunk without calling anything", function()
            local snk = ltn12.sink.chain(function() error("called") end, ltn12.sink.error("bad"))
            assert.are.equal(1, snk(""))
        end)

        it("passes the sink's error on", function()
            local snk = ltn12.sink.chain(upper, ltn12.sink.error("bad"))
            assert.are.same({ nil, "bad" }, { snk("x") })
        end)
    end)

    describe("pump.step()", function()
        it("moves one chunk", function()
            local t = {}
            local src = ltn12.source.string("ab")
            assert.are.equal(1, ltn12.pump.step(src, (ltn12.sink.table(t))))
            assert.are.same({ "ab" }, t)
            assert.are.same({}, { ltn12.pump.step(src, (ltn12.sink.table(t))) })
        end)

        it("returns the source's or the sink's error", function()
            local got = {}
            local snk = function(chunk, err)
                got[#got + 1] = { chunk, err }
                return 1
            end
            assert.are.same({ nil, "src" }, { ltn12.pump.step(ltn12.source.error("src"), snk) })
            assert.are.same({ { nil, "src" } }, got)
            assert.are.same({ nil, "snk" }, { ltn12.pump.step(ltn12.source.string("x"), ltn12.sink.error("snk")) })
        end)
    end)

    describe("pump.all()", function()
        it("returns 1 at the end of the data", function()
            local t = {}
            assert.are.equal(1, ltn12.pump.all(ltn12.source.string(string.rep("z", 5000)), (ltn12.sink.table(t))))
            assert.are.equal(5000, #table.concat(t))
        end)

        it("returns nil and the error of the source or the sink", function()
            assert.are.same({ nil, "src" }, { ltn12.pump.all(ltn12.source.error("src"), ltn12.sink.null()) })
            assert.are.same({ nil, "snk" }, { ltn12.pump.all(ltn12.source.string("x"), ltn12.sink.error("snk")) })
        end)

        it("uses the given step function", function()
            local steps = 0
            local function step(src, snk)
                steps = steps + 1
                return ltn12.pump.step(src, snk)
            end
            assert.are.equal(1, ltn12.pump.all(ltn12.source.table({ "a", "b" }), ltn12.sink.null(), step))
            assert.are.equal(3, steps)
        end)
    end)
end)

describe("ltn12 against LuaSocket's ltn12.lua", function()
    local reference, why
    local chunk, err = loadfile(C_LTN12_PATH)
    if chunk then
        local saved = rawget(_G, "ltn12")
        reference = chunk()
        rawset(_G, "ltn12", saved) -- it exports a global where `module` exists
    else
        why = "LuaSocket's ltn12.lua is required for this comparison but could not be loaded from "
            .. C_LTN12_PATH .. " (" .. tostring(err) .. "); install Debian's lua-socket package"
    end

    local function lib(which)
        if which == "ref" then
            if not reference then error(why, 0) end
            return reference
        end
        return ltn12
    end

    -- Deterministic choices shared by both runs.
    local function new_rng(seed)
        local state = seed
        return function(n)
            state = (state * 1103515245 + 12345) % 2147483648
            return math.floor(state / 65536) % n
        end
    end

    -- Filters that log every call: "<id>:<input>".
    local function traced(log, id, f)
        return function(c)
            log[#log + 1] = id .. ":" .. tostring(c)
            return f(c)
        end
    end

    local makers = {
        function() return upper end,
        function() return buffering(3) end,
        function() return buffering(10) end,
        function() return dribbling(1) end,
        function() return dribbling(4) end,
        function() return function(c) return c and c:rep(2) end end,
    }

    -- Builds the same random scenario on library `which` and runs it.
    local function scenario(which, seed)
        local L = lib(which)
        local below = new_rng(seed)
        local log = {}
        local nfilters = 1 + below(4)
        local filters = {}
        for i = 1, nfilters do
            filters[i] = traced(log, i, makers[1 + below(#makers)]())
        end
        local data = {}
        for i = 1, below(8) do
            data[i] = ("abcdefghij"):sub(1, below(11))
        end
        local src = chunks_source(data)
        local out = {}
        local snk = L.sink.table(out)
        local ok, perr
        if below(2) == 0 then
            ok, perr = L.pump.all(L.source.chain(src, unpack(filters)), snk)
        else
            local chained
            if nfilters == 1 then
                chained = L.sink.chain(filters[1], snk)
            else
                local args = { unpack(filters) }
                args[#args + 1] = snk
                chained = L.sink.chain(unpack(args))
            end
            ok, perr = L.pump.all(src, chained)
        end
        return { out = table.concat(out), ok = ok, err = perr, log = table.concat(log, " ") }
    end

    it("is found at " .. C_LTN12_PATH, function()
        assert(reference, why)
        assert.are.equal("LTN12 1.0.3", reference._VERSION)
        assert.are_not.equal(ltn12, reference)
    end)

    it("makes the same calls and gives the same output for random chains", function()
        for seed = 1, 300 do
            assert.are.same(scenario("ref", seed), scenario("ours", seed), "seed " .. seed)
        end
    end)

    it("propagates the same errors", function()
        local function run(L)
            local results = {}
            local src = L.source.chain(L.source.cat(L.source.string("ab"), L.source.error("late")), upper)
            results[1] = { L.pump.all(src, L.sink.null()) }
            results[2] = { L.pump.all(L.source.string("ab"), L.sink.chain(upper, L.sink.error("full"))) }
            local rw = L.source.rewind(L.source.error("e"))
            rw("x")
            results[3] = { rw(), rw() }
            local ok, e = pcall(L.source.chain(L.source.string("x"), function() return nil end))
            results[4] = { ok, (tostring(e):gsub("^.-:%d+: ", "")) }
            local filter = L.filter.chain(upper, function() return nil end)
            ok, e = pcall(filter, "x")
            results[5] = { ok, (tostring(e):gsub("^.-:%d+: ", "")) }
            local empty = L.source.chain(L.source.empty(), upper)
            empty()
            ok, e = pcall(empty)
            results[6] = { ok, (tostring(e):gsub("^.-:%d+: ", "")) }
            return results
        end
        assert.are.same(run(lib("ref")), run(ltn12))
    end)
end)
