-- socket.headers: the canonic table (lower-case name -> spelling to send).
return {
    {
        name = "canonic",
        run = function(t, socket)
            local headers = require("socket.headers")
            local canonic = headers.canonic
            t:rec("module", type(headers), type(canonic), socket.headers == headers)
            t:rec("metatable", getmetatable(canonic) ~= nil)
            local n = 0
            for _ in pairs(canonic) do n = n + 1 end
            t:rec("entries", n)
            -- The whole table, in one step (the serializer sorts the keys).
            t:rec("table", canonic)
            for _, name in ipairs {
                "content-type", "content-length", "www-authenticate", "te", "etag", "content-md5",
                "mime-version", "message-id", "dsn-gateway", "x-mailer", "user-agent", "set-cookie",
                "Content-Type", "x-unknown", "",
            } do
                t:rec("canonic[" .. name .. "]", canonic[name])
            end
            local bad = {}
            for k, v in pairs(canonic) do
                if k ~= k:lower() or v:lower() ~= k then bad[#bad + 1] = k end
            end
            table.sort(bad)
            t:rec("every key is its value in lower case", bad)
            canonic["x-added"] = "X-Added"
            t:rec("a program may add entries", require("socket.headers").canonic["x-added"])
            canonic["x-added"] = nil
        end,
    },
    {
        name = "used by http",
        run = function(t)
            -- What socket.http writes for a header name: the canonic spelling
            -- or the name as given.
            local canonic = require("socket.headers").canonic
            for _, name in ipairs { "cookie", "x-forwarded-for", "set-cookie" } do
                t:rec("sent as " .. name, canonic[name] or name)
            end
        end,
    },
}
