-- busted output handler for scripts/test: busted's own utfTerminal output
-- on the console, plus a results file ($LUASOCKET_GATE_RESULTS) that the
-- gate reads instead of scraping the console:
--   count<TAB>successes|failures|errors|pending<TAB>N
--   pending<TAB>full name<TAB>message
--   failure|error<TAB>full name<TAB>message (its first 300 characters)
-- so that every pending spec is listed by name and checked against the
-- expected ones (spec/expected_pending.lua), and every failure is named in
-- the summary (CI prints only the end of the output).
return function(options)
    local busted = require("busted")
    local handler = require("busted.outputHandlers.utfTerminal")(options)
    local path = os.getenv("LUASOCKET_GATE_RESULTS")

    local function one_line(s)
        return (tostring(s or ""):gsub("[\t\r\n]+", " "))
    end

    busted.subscribe({ "suite", "end" }, function()
        if not path then return nil, true end
        local f = assert(io.open(path, "w"))
        f:write("count\tsuccesses\t", handler.successesCount, "\n")
        f:write("count\tfailures\t", handler.failuresCount, "\n")
        f:write("count\terrors\t", handler.errorsCount, "\n")
        f:write("count\tpending\t", handler.pendingsCount, "\n")
        for _, p in ipairs(handler.pendings) do
            f:write("pending\t", one_line(p.name), "\t", one_line(p.message), "\n")
        end
        for _, kind in ipairs({ "failure", "error" }) do
            for _, e in ipairs(handler[kind .. "s"]) do
                f:write(kind, "\t", one_line(e.name), "\t", one_line(e.message):sub(1, 300), "\n")
            end
        end
        f:close()
        return nil, true
    end)

    return handler
end
