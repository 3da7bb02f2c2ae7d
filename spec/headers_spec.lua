-- socket.headers: the canonic table of header-name spellings, and the
-- checks socket.http, socket.smtp and socket.tp make before writing.

describe("socket.headers", function()
    local headers = require("socket.headers")

    it("is a module table holding the canonic table", function()
        assert.are.equal("table", type(headers))
        assert.are.equal("table", type(headers.canonic))
        assert.are.equal(headers, require("socket.headers"))
    end)

    it("is also reachable as socket.headers, as upstream's module sets it", function()
        assert.are.equal(headers, require("socket").headers)
    end)

    describe(".canonic", function()
        local canonic = headers.canonic

        it("maps common lower-case names to their canonical spelling", function()
            assert.are.equal("Content-Type", canonic["content-type"])
            assert.are.equal("Content-Length", canonic["content-length"])
            assert.are.equal("Host", canonic["host"])
            assert.are.equal("User-Agent", canonic["user-agent"])
            assert.are.equal("Transfer-Encoding", canonic["transfer-encoding"])
            assert.are.equal("Location", canonic["location"])
        end)

        it("keeps the irregular capitalisations", function()
            assert.are.equal("WWW-Authenticate", canonic["www-authenticate"])
            assert.are.equal("ETag", canonic["etag"])
            assert.are.equal("MIME-Version", canonic["mime-version"])
            assert.are.equal("Content-MD5", canonic["content-md5"])
            assert.are.equal("Message-ID", canonic["message-id"])
            assert.are.equal("TE", canonic["te"])
        end)

        it("has every entry of LuaSocket's own table", function()
            -- The full list from upstream src/headers.lua.
            local upstream = {
            "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
            "Action", "Alternate-Recipient", "Age", "Allow", "Arrival-Date", "Authorization",
            "Bcc", "Cache-Control", "Cc", "Comments", "Connection", "Content-Description",
            "Content-Disposition", "Content-Encoding", "Content-ID", "Content-Language",
            "Content-Length", "Content-Location", "Content-MD5", "Content-Range",
            "Content-Transfer-Encoding", "Content-Type", "Cookie", "Date", "Diagnostic-Code",
            "DSN-Gateway", "ETag", "Expect", "Expires", "Final-Log-ID", "Final-Recipient", "From",
            "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
            "If-Unmodified-Since", "In-Reply-To", "Keywords", "Last-Attempt-Date", "Last-Modified",
            "Location", "Max-Forwards", "Message-ID", "MIME-Version", "Original-Envelope-ID",
            "Original-Recipient", "Pragma", "Proxy-Authenticate", "Proxy-Authorization", "Range",
            "Received", "Received-From-MTA", "References", "Referer", "Remote-MTA", "Reply-To",
            "Reporting-MTA", "Resent-Bcc", "Resent-Cc", "Resent-Date", "Resent-From",
            "Resent-Message-ID", "Resent-Reply-To", "Resent-Sender", "Resent-To", "Retry-After",
            "Return-Path", "Sender", "Server", "SMTP-Remote-Recipient", "Status", "Subject", "TE",
            "To", "Trailer", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary", "Via",
            "Warning", "Will-Retry-Until", "WWW-Authenticate", "X-Mailer",
            }
            local missing = {}
            for _, name in ipairs(upstream) do
                if canonic[name:lower()] ~= name then missing[#missing + 1] = name end
            end
            assert.are.same({}, missing)
        end)

        it("has no entry for unknown names or non-lower-case keys", function()
            assert.is_nil(canonic["x-no-such-header"])
            assert.is_nil(canonic["Content-Type"])
            assert.is_nil(canonic[""])
        end)

        it("maps every key to a value that lower-cases back to it", function()
            local n = 0
            for k, v in pairs(canonic) do
                assert.are.equal("string", type(k))
                assert.are.equal("string", type(v))
                assert.are.equal(k, v:lower())
                n = n + 1
            end
            assert.is_true(n >= 40)
        end)

        it("is writable: programs may add and remove entries", function()
            finally(function() canonic["x-my-header"] = nil end)
            canonic["x-my-header"] = "X-My-HEADER"
            assert.are.equal("X-My-HEADER", require("socket.headers").canonic["x-my-header"])
            canonic["x-my-header"] = nil
            assert.is_nil(canonic["x-my-header"])
        end)
    end)
    describe(".check()", function()
        local check = headers.check

        it("accepts a token name with a string or number value", function()
            assert.are.same({ true }, { check("x-my-header", "some value") })
            assert.are.same({ true }, { check("content-length", 42) })
            assert.are.same({ true }, { check("x-empty", "") })
            assert.are.same({ true }, { check("x!#$%&'*+-.^_`|~09az", "v") })
        end)

        it("accepts a horizontal tab and bytes above 127 in a value", function()
            assert.are.same({ true }, { check("x-tab", "a\tb") })
            assert.are.same({ true }, { check("x-utf8", "caf\195\169") })
        end)

        it("refuses CR, LF, NUL, DEL and other control bytes in a value", function()
            for _, value in ipairs({ "a\r\nBcc: evil@example.com", "a\nb", "a\rb", "a\0b", "a\1b", "a\31b",
                "a\127b", "\r\n" }) do
                assert.are.same({ nil, "invalid value for header 'x-name'" }, { check("x-name", value) })
            end
        end)

        it("refuses a value that is neither a string nor a number", function()
            assert.are.same({ nil, "invalid value for header 'x-name'" }, { check("x-name", true) })
            assert.are.same({ nil, "invalid value for header 'x-name'" }, { check("x-name", {}) })
            assert.are.same({ nil, "invalid value for header 'x-name'" }, { check("x-name", nil) })
        end)

        it("refuses a name that is not a token, showing control bytes as '?'", function()
            assert.are.same({ nil, "invalid header name 'bad name'" }, { check("bad name", "v") })
            assert.are.same({ nil, "invalid header name 'x??bcc'" }, { check("x\r\nbcc", "v") })
            assert.are.same({ nil, "invalid header name 'x:y'" }, { check("x:y", "v") })
            assert.are.same({ nil, "invalid header name ''" }, { check("", "v") })
            assert.are.same({ nil, "invalid header name '1'" }, { check(1, "v") })
        end)

        it("checks the name before the value", function()
            assert.are.same({ nil, "invalid header name 'a b'" }, { check("a b", "x\ny") })
        end)

        it("accepts any name the canonic table holds", function()
            finally(function() headers.canonic["odd name"] = nil end)
            headers.canonic["odd name"] = "Odd-Name"
            assert.are.same({ true }, { check("odd name", "v") })
        end)
    end)

    describe(".token()", function()
        it("is true for a non-empty string of token characters only", function()
            assert.is_true(headers.token("GET"))
            assert.is_true(headers.token("M-SEARCH"))
            assert.is_true(headers.token("x!#$%&'*+-.^_`|~09az"))
            assert.is_false(headers.token(""))
            assert.is_false(headers.token("GET /"))
            assert.is_false(headers.token("a(b)"))
            assert.is_false(headers.token("a\r\n"))
            assert.is_false(headers.token(nil))
            assert.is_false(headers.token(1))
        end)
    end)

    describe(".oneline()", function()
        it("is true for a string holding no CR and no LF", function()
            assert.is_true(headers.oneline(""))
            assert.is_true(headers.oneline("RCPT TO:<a@x>\t\0"))
            assert.is_false(headers.oneline("a\r"))
            assert.is_false(headers.oneline("a\nQUIT"))
            assert.is_false(headers.oneline(nil))
            assert.is_false(headers.oneline(1))
        end)
    end)
end)
