-- busted output handler for scripts/test: busted's own utfTerminal output
-- on the console, plus a results file ($LUASOCKET_GATE_RESULTS) that the
-- gate reads instead of scraping the console:
--   count<TAB>successes|failures|errors|pending<TAB>N
--   pending<TAB>full name<TAB>message
-- so that every pending spec is listed by name and checked against the
-- expected ones (spec/expected_pending.lua).
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
        f:close()
        return nil, true
    end)

    return handler
end
