---
-- LTN12: sources, sinks, filters and pumps, the streaming model LuaSocket
-- uses for HTTP bodies, mail and files.
--
-- A *source* is a function returning the next chunk, `nil` at the end, or
-- `nil, message` on failure. A *sink* is called with each chunk, then with
-- `nil` at the end (or `nil, message` when the source failed), and returns
-- a true value (LuaSocket returns 1) or `nil, message`. A *filter* maps a
-- chunk to a chunk; called with `nil` it flushes what it held and returns
-- `nil` once it has nothing more, and it returns `""` when it needs more
-- input before it can give anything. Behaviour follows LuaSocket's ltn12
-- module, version 1.0.3 (which, where `module` exists, also sets a global
-- `ltn12`; this one sets no global).
-- @module ltn12

local assert, error, select = assert, error, select
local table_insert, table_remove = table.insert, table.remove
local string_sub = string.sub
local unpack = table.unpack or unpack

local ltn12 = {
    filter = {},
    source = {},
    sink = {},
    pump = {},
    --- Bytes read per chunk by `source.file` and `source.string`.
    BLOCKSIZE = 2048,
    _VERSION = "LTN12 1.0.3",
}

local filter, source, sink, pump = ltn12.filter, ltn12.source, ltn12.sink, ltn12.pump

---------------------------------------------------------------------------
-- Filters
---------------------------------------------------------------------------

--- Turns a low-level function `low(ctx, chunk, extra)` returning
-- `output, new_ctx` (as the `mime.core` functions do) into a filter that
-- keeps `ctx` between calls.
-- @param low the low-level function
-- @param ctx its first context
-- @param extra passed as the third argument on every call
-- @return a filter
function filter.cycle(low, ctx, extra)
    assert(low)
    return function(chunk)
        local output
        output, ctx = low(ctx, chunk, extra)
        return output
    end
end

--- Chains filters into one: each filter's output is the next one's input.
-- A filter that returns `""` is asked again once the filters after it have
-- used up what they hold; at the end of the data (`nil`) each filter in turn
-- is flushed until it returns `nil`, its output going down the chain.
-- A filter after the first that returns `nil` while data is still flowing
-- raises "filter returned inappropriate nil".
-- @param ... the filters, in order
-- @return a filter
function filter.chain(...)
    local filters = { ... }
    local count = select("#", ...)
    -- `head`: the first filter not yet finished (earlier ones have returned
    -- their final nil); `at`: the filter to call next.
    local head, at = 1, 1
    -- What an upstream filter is asked for when the one below it runs dry:
    -- "" while data flows, nil once the end has been seen.
    local refill = ""
    return function(chunk)
        refill = chunk and refill
        while true do
            if at == head then
                chunk = filters[at](chunk)
                if chunk == "" or head == count then
                    return chunk
                elseif chunk then
                    at = at + 1
                else
                    -- This filter is done; the next one is flushed with nil.
                    head = head + 1
                    at = head
                end
            else
                chunk = filters[at](chunk or "")
                if chunk == "" then
                    -- Ran dry: go back up for more.
                    at = at - 1
                    chunk = refill
                elseif not chunk then
                    error("filter returned inappropriate nil")
                elseif at == count then
                    return chunk
                else
                    at = at + 1
                end
            end
        end
    end
end

---------------------------------------------------------------------------
-- Sources
---------------------------------------------------------------------------

local function nothing()
    return nil
end

--- A source with no data.
-- @return a source that returns `nil`
function source.empty()
    return nothing
end

--- A source that fails.
-- @param err the message
-- @return a source that returns `nil, err`
function source.error(err)
    return function()
        return nil, err
    end
end

--- A source reading a file `ltn12.BLOCKSIZE` bytes at a time, closing it
-- at the end. Meant to be called as `source.file(io.open(name))`.
-- @param handle an open file, or `nil`
-- @param io_err the message when `handle` is nil (default "unable to open file")
-- @return a source
function source.file(handle, io_err)
    if not handle then
        return source.error(io_err or "unable to open file")
    end
    return function()
        local chunk = handle:read(ltn12.BLOCKSIZE)
        if not chunk then handle:close() end
        return chunk
    end
end

--- Turns a fancy source (one that may return `chunk, new_source` to hand
-- over to another source) into a simple one.
-- @param src the fancy source
-- @return a source
function source.simplify(src)
    assert(src)
    return function()
        local chunk, err_or_next = src()
        src = err_or_next or src
        if chunk then
            return chunk
        end
        return nil, err_or_next
    end
end

--- A source returning the string `s` in pieces of `ltn12.BLOCKSIZE` bytes.
-- @param s the string (nil gives an empty source)
-- @return a source
function source.string(s)
    if not s then
        return source.empty()
    end
    local pos = 1
    return function()
        local size = ltn12.BLOCKSIZE
        local chunk = string_sub(s, pos, pos + size - 1)
        pos = pos + size
        if chunk == "" then
            return nil
        end
        return chunk
    end
end

--- A source returning the elements of the array `t`, one per call.
-- @param t the array
-- @return a source
function source.table(t)
    assert(type(t) == "table")
    local i = 0
    return function()
        i = i + 1
        return t[i]
    end
end

--- A source that can be given chunks back: called with a chunk it stores
-- it; called without, it returns the last stored chunk, or else the next
-- chunk of `src`.
-- @param src the source
-- @return a source
function source.rewind(src)
    assert(src)
    local stack = {}
    return function(chunk)
        if chunk then
            table_insert(stack, chunk)
            return
        end
        chunk = table_remove(stack)
        if chunk then
            return chunk
        end
        return src()
    end
end

--- A source whose data is `src`'s passed through one or more filters.
-- Raises "source is empty!" when called again after it returned `nil`.
-- @param src the source
-- @param f the filter
-- @param ... more filters, chained after `f`
-- @return a source
function source.chain(src, f, ...)
    if (...) then
        f = filter.chain(f, ...)
    end
    assert(src and f)
    local input, output = "", ""
    -- While `draining`, the filter is called again with `input` ("" or the
    -- final nil) until it has nothing left; otherwise `src` is read.
    local draining = false
    local err
    return function()
        if not output then
            error("source is empty!", 2)
        end
        while true do
            if draining then
                output = f(input)
                if output == "" then
                    if input ~= "" then
                        error('filter returned ""')
                    end
                    draining = false
                elseif output then
                    return output
                elseif input then
                    error("filter returned inappropriate nil")
                else
                    return nil
                end
            else
                input, err = src()
                if err then
                    return nil, err
                end
                output = f(input)
                if not output then
                    if input then
                        error("filter returned inappropriate nil")
                    end
                    return nil
                elseif output ~= "" then
                    draining = true
                    if input then input = "" end
                    return output
                end
            end
        end
    end
end

--- A source returning the data of each source given, one after another.
-- A failing source stops it with `nil, message`.
-- @param ... the sources
-- @return a source
function source.cat(...)
    local queue = { ... }
    local current = table_remove(queue, 1)
    return function()
        while current do
            local chunk, err = current()
            if chunk then
                return chunk
            end
            if err then
                return nil, err
            end
            current = table_remove(queue, 1)
        end
    end
end

---------------------------------------------------------------------------
-- Sinks
---------------------------------------------------------------------------

--- A sink storing each chunk in a table; `table.concat(t)` is the data.
-- @param t the table (default a new one)
-- @return the sink, and `t`
function sink.table(t)
    t = t or {}
    local function store(chunk)
        if chunk then table_insert(t, chunk) end
        return 1
    end
    return store, t
end

--- Turns a fancy sink (one that may return `1, new_sink` to hand over to
-- another sink) into a simple one.
-- @param snk the fancy sink
-- @return a sink
function sink.simplify(snk)
    assert(snk)
    return function(chunk, err)
        local ok, err_or_next = snk(chunk, err)
        if not ok then
            return nil, err_or_next
        end
        snk = err_or_next or snk
        return 1
    end
end

--- A sink writing to a file and closing it at the end. Meant to be called
-- as `sink.file(io.open(name, "wb"))`.
-- @param handle an open file, or `nil`
-- @param io_err the message when `handle` is nil (default "unable to open file")
-- @return a sink
function sink.file(handle, io_err)
    if not handle then
        return sink.error(io_err or "unable to open file")
    end
    return function(chunk)
        if chunk then
            return handle:write(chunk)
        end
        handle:close()
        return 1
    end
end

local function discard()
    return 1
end

--- A sink that throws the data away.
-- @return a sink returning 1
function sink.null()
    return discard
end

--- A sink that fails.
-- @param err the message
-- @return a sink returning `nil, err`
function sink.error(err)
    return function()
        return nil, err
    end
end

--- A sink passing the data through one or more filters before `snk`.
-- Called as `sink.chain(f, snk)` or `sink.chain(f1, f2, ..., snk)`.
-- @param f the filter
-- @param snk the sink (the last argument)
-- @return a sink
function sink.chain(f, snk, ...)
    if (...) then
        local all = { f, snk, ... }
        snk = table_remove(all, #all)
        f = filter.chain(unpack(all))
    end
    assert(f and snk)
    return function(chunk, err)
        if chunk == "" then
            return 1
        end
        -- Feed the filter's output to the sink until it has given everything
        -- for this chunk (""), or its final nil at the end of the data.
        local last = chunk and ""
        local filtered = f(chunk)
        while true do
            local ok, snk_err = snk(filtered, err)
            if not ok then
                return nil, snk_err
            end
            if filtered == last then
                return 1
            end
            filtered = f(last)
        end
    end
end

---------------------------------------------------------------------------
-- Pumps
---------------------------------------------------------------------------

--- Moves one chunk from `src` to `snk`.
-- @return 1 if a chunk moved and the sink took it; otherwise `nil` and the
-- source's or sink's message (`nil` alone at the end of the data)
function pump.step(src, snk)
    local chunk, src_err = src()
    local ok, snk_err = snk(chunk, src_err)
    if chunk and ok then
        return 1
    end
    return nil, src_err or snk_err
end

--- Moves all the data from `src` to `snk`.
-- @param src the source
-- @param snk the sink
-- @param step the step function (default `pump.step`)
-- @return 1 at the end of the data, or `nil, message`
function pump.all(src, snk, step)
    assert(src and snk)
    step = step or pump.step
    while true do
        local ok, err = step(src, snk)
        if not ok then
            if err then
                return nil, err
            end
            return 1
        end
    end
end

return ltn12
