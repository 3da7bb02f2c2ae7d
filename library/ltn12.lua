---@meta ltn12
-- LuaLS annotations for `require("ltn12")`. Manual: docs/ltn12.md and
-- docs/ltn12-intro.md.

---Returns the next chunk, `nil` at the end, or `nil, message`.
---@alias ltn12.Source fun(): string?, string?

---Takes each chunk, then `nil` at the end (`nil, message` when the source
---failed); returns a true value to go on, or `nil, message`.
---@alias ltn12.Sink fun(chunk: string?, err: string?): any, string?

---Maps a chunk to a chunk; `""` when it needs more input; called with `nil`
---it returns what it kept, then `nil`.
---@alias ltn12.Filter fun(chunk: string?): string?

---Moves one chunk: `1`, or `nil` at the end, or `nil, message`.
---@alias ltn12.Step fun(src: ltn12.Source, snk: ltn12.Sink): 1?, string?

---Sources, sinks, filters and pumps.
---@class ltn12
local ltn12 = {}

---Bytes per chunk of `source.file` and `source.string`: 2048.
---@type integer
ltn12.BLOCKSIZE = 2048

---`"LTN12 1.0.3"`.
ltn12._VERSION = "LTN12 1.0.3"

---@class ltn12.filterlib
ltn12.filter = {}

---@class ltn12.sourcelib
ltn12.source = {}

---@class ltn12.sinklib
ltn12.sink = {}

---@class ltn12.pumplib
ltn12.pump = {}

---A filter from `low(ctx, chunk, extra) -> output, new_ctx`, keeping `ctx`
---between calls (how `mime` builds its filters).
---@param low fun(ctx: any, chunk: string?, extra: any): string?, any
---@param ctx any
---@param extra? any
---@return ltn12.Filter
function ltn12.filter.cycle(low, ctx, extra) end

---One filter running the data through each in turn. Raises
---`filter returned inappropriate nil` when one ends too early.
---@param ... ltn12.Filter
---@return ltn12.Filter
function ltn12.filter.chain(...) end

---A source with no data.
---@return ltn12.Source
function ltn12.source.empty() end

---A source that fails with `nil, message`.
---@param message string
---@return ltn12.Source
function ltn12.source.error(message) end

---`s` in chunks of `ltn12.BLOCKSIZE` bytes.
---@param s string?
---@return ltn12.Source
function ltn12.source.string(s) end

---The elements of an array, one per call.
---@param list string[]
---@return ltn12.Source
function ltn12.source.table(list) end

---Reads a file in blocks and closes it at the end; a nil handle gives a
---failing source (`message`, default "unable to open file").
---@param handle file*?
---@param message? string
---@return ltn12.Source
function ltn12.source.file(handle, message) end

---`src`'s data through one or more filters. Raises `source is empty!` if
---called again after it ended.
---@param src ltn12.Source
---@param f ltn12.Filter
---@param ... ltn12.Filter
---@return ltn12.Source
function ltn12.source.chain(src, f, ...) end

---The data of each source in turn.
---@param ... ltn12.Source
---@return ltn12.Source
function ltn12.source.cat(...) end

---A source you can push chunks back into: `r(chunk)` stores, `r()` reads.
---@param src ltn12.Source
---@return fun(chunk?: string): string?, string?
function ltn12.source.rewind(src) end

---Turns a source that may return `chunk, next_source` into a plain one.
---@param src function
---@return ltn12.Source
function ltn12.source.simplify(src) end

---A sink storing chunks in `t`; returns the sink and the table.
---@param t? string[]
---@return ltn12.Sink sink
---@return string[] t
function ltn12.sink.table(t) end

---Writes to a file and closes it at the end; a nil handle gives a failing
---sink (`message`, default "unable to open file").
---@param handle file*?
---@param message? string
---@return ltn12.Sink
function ltn12.sink.file(handle, message) end

---A sink that discards everything.
---@return ltn12.Sink
function ltn12.sink.null() end

---A sink that fails with `nil, message`.
---@param message string
---@return ltn12.Sink
function ltn12.sink.error(message) end

---A sink filtering its input before `snk`: `chain(f, snk)` or
---`chain(f1, f2, ..., snk)`.
---@param f ltn12.Filter
---@param snk ltn12.Sink|ltn12.Filter
---@param ... ltn12.Filter|ltn12.Sink
---@return ltn12.Sink
function ltn12.sink.chain(f, snk, ...) end

---Turns a sink that may return `1, next_sink` into a plain one.
---@param snk function
---@return ltn12.Sink
function ltn12.sink.simplify(snk) end

---Moves one chunk: `1`; `nil` at the end; `nil, message` on failure.
---@param src ltn12.Source
---@param snk ltn12.Sink
---@return 1|nil ok
---@return string? err
function ltn12.pump.step(src, snk) end

---Moves everything: `1` at the end, or `nil, message`.
---@param src ltn12.Source
---@param snk ltn12.Sink
---@param step? ltn12.Step
---@return 1|nil ok
---@return string? err
function ltn12.pump.all(src, snk, step) end

return ltn12
