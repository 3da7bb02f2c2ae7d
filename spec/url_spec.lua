-- socket.url: escape/unescape (native), parse, build, absolute (every
-- example of RFC 3986 §5.4), parse_path, build_path; the cases of
-- LuaSocket's test/urltest.lua; and a differential check against the C
-- LuaSocket's url.lua (Debian's lua-socket, loaded by path) on random input.
local socket = require("socket")
local url = require("socket.url")

-- Debian's url.lua (LuaSocket 3.1.0). It differs from LuaSocket master, whose
-- behaviour we follow, in one place: master ends the authority at "?" or "#"
-- too ("http://host?q" has host "host"), 3.1.0 only at "/".
local function c_url()
    local version = _VERSION:match("5%.%d")
    local path = "/usr/share/lua/" .. version .. "/socket/url.lua"
    local chunk = assert(loadfile(path), "lua-socket is not installed (" .. path .. ")")
    local saved = socket.url
    local m = chunk()
    socket.url = saved -- it sets socket.url
    return m
end

-- Runs f (which must raise) and returns the message.
local function raised(f)
    local ok, err = pcall(f)
    assert.is_false(ok, "expected an error")
    return tostring(err)
end

describe("socket.url", function()
    it("is socket.url, with LuaSocket's _VERSION", function()
        assert.are.equal(url, socket.url)
        assert.are.equal("URL 1.0.3", url._VERSION)
    end)

    describe("escape()", function()
        it("writes every byte but A-Z a-z 0-9 _ as %xx, lower-case", function()
            assert.are.equal("hello_World09", url.escape("hello_World09"))
            assert.are.equal("a%20b%2fc%3fd%3de%26f%25", url.escape("a b/c?d=e&f%"))
            assert.are.equal("%2d%2e%7e%00%ff%c3%a9", url.escape("-.~\0\255\195\169"))
            assert.are.equal("", url.escape(""))
        end)

        it("encodes all 256 bytes as LuaSocket does", function()
            local all = {}
            for i = 0, 255 do all[#all + 1] = string.char(i) end
            all = table.concat(all)
            local expected = all:gsub("([^A-Za-z0-9_])", function(c) return string.format("%%%02x", c:byte()) end)
            assert.are.equal(expected, url.escape(all))
        end)

        it("returns one value and takes numbers", function()
            assert.are.equal(1, select("#", url.escape("a b")))
            assert.are.equal("12", url.escape(12))
            assert.are.equal("1%2e5", url.escape(1.5))
        end)

        it("raises on a non-string", function()
            local msg = raised(function()
                local r = url.escape(nil)
                return r
            end)
            assert.is_truthy(msg:find("bad argument #1 to 'escape' (string expected, got nil)", 1, true), msg)
            msg = raised(function()
                local r = url.escape({})
                return r
            end)
            assert.is_truthy(msg:find("string expected, got table", 1, true), msg)
        end)
    end)

    describe("unescape()", function()
        it("decodes %XY in either case and leaves other % alone", function()
            assert.are.equal("a b/c", url.unescape("a%20b%2Fc"))
            assert.are.equal("AJJ%A%4%zz%", url.unescape("%41%4a%4A%%41%4%zz%"))
            assert.are.equal("\0\255", url.unescape("%00%fF"))
            assert.are.equal("plain", url.unescape("plain"))
            assert.are.equal("+", url.unescape("+"))
        end)

        it("undoes escape on all 256 bytes", function()
            local all = {}
            for i = 0, 255 do all[#all + 1] = string.char(i) end
            all = table.concat(all)
            assert.are.equal(all, url.unescape(url.escape(all)))
        end)

        it("returns one value and takes numbers", function()
            assert.are.equal(1, select("#", url.unescape("%41")))
            assert.are.equal("12", url.unescape(12))
        end)

        it("raises on a non-string", function()
            local msg = raised(function()
                local r = url.unescape(nil)
                return r
            end)
            assert.is_truthy(msg:find("bad argument #1 to 'unescape' (string expected, got nil)", 1, true), msg)
        end)
    end)

    describe("parse()", function()
        -- LuaSocket's test/urltest.lua cases (the ones master still passes).
        local cases = {
            {
                "scheme://user:pass-wd@host:port/path;params?query#fragment",
                scheme = "scheme", authority = "user:pass-wd@host:port", host = "host", port = "port",
                userinfo = "user:pass-wd", password = "pass-wd", user = "user", path = "/path",
                params = "params", query = "query", fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port/path;params?query#fragment",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/path", params = "params",
                query = "query", fragment = "fragment",
            },
            {
                "scheme://user:password@host:port/path;params?query#fragment",
                scheme = "scheme", authority = "user:password@host:port", host = "host", port = "port",
                userinfo = "user:password", user = "user", password = "password", path = "/path",
                params = "params", query = "query", fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port/path;params?query#",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/path", params = "params",
                query = "query", fragment = "",
            },
            {
                "scheme://userinfo@host:port/path;params?#fragment",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/path", params = "params",
                query = "", fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port/path;params#fragment",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/path", params = "params",
                fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port/path;?query#fragment",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/path", params = "",
                query = "query", fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port/path?query#fragment",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/path", query = "query",
                fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port/;params?query#fragment",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo", path = "/", params = "params",
                query = "query", fragment = "fragment",
            },
            {
                "scheme://userinfo@host:port",
                scheme = "scheme", authority = "userinfo@host:port", host = "host", port = "port",
                userinfo = "userinfo", user = "userinfo",
            },
            {
                "//userinfo@host:port/path;params?query#fragment",
                authority = "userinfo@host:port", host = "host", port = "port", userinfo = "userinfo",
                user = "userinfo", path = "/path", params = "params", query = "query", fragment = "fragment",
            },
            {
                "//userinfo@host:port/path",
                authority = "userinfo@host:port", host = "host", port = "port", userinfo = "userinfo",
                user = "userinfo", path = "/path",
            },
            {
                "//userinfo@host/path",
                authority = "userinfo@host", host = "host", userinfo = "userinfo", user = "userinfo",
                path = "/path",
            },
            {
                "//user:password@host/path",
                authority = "user:password@host", host = "host", userinfo = "user:password",
                password = "password", user = "user", path = "/path",
            },
            {
                "//user:@host/path",
                authority = "user:@host", host = "host", userinfo = "user:", password = "", user = "user",
                path = "/path",
            },
            {
                "//user@host:port/path",
                authority = "user@host:port", host = "host", userinfo = "user", user = "user",
                port = "port", path = "/path",
            },
            { "//host:port/path", authority = "host:port", port = "port", host = "host", path = "/path" },
            { "//host/path", authority = "host", host = "host", path = "/path" },
            { "//host", authority = "host", host = "host" },
            { "/path", path = "/path" },
            { "path", path = "path" },
            {
                "http://[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80/index.html",
                scheme = "http", host = "FEDC:BA98:7654:3210:FEDC:BA98:7654:3210",
                authority = "[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80", port = "80",
                path = "/index.html",
            },
            {
                "http://[1080:0:0:0:8:800:200C:417A]/index.html",
                scheme = "http", host = "1080:0:0:0:8:800:200C:417A",
                authority = "[1080:0:0:0:8:800:200C:417A]", path = "/index.html",
            },
            {
                "http://[3ffe:2a00:100:7031::1]",
                scheme = "http", host = "3ffe:2a00:100:7031::1", authority = "[3ffe:2a00:100:7031::1]",
            },
            {
                "http://[::FFFF:129.144.52.38]:80/index.html",
                scheme = "http", host = "::FFFF:129.144.52.38", port = "80",
                authority = "[::FFFF:129.144.52.38]:80", path = "/index.html",
            },
            {
                "//userinfo@[::FFFF:129.144.52.38]:port/path;params?query#fragment",
                authority = "userinfo@[::FFFF:129.144.52.38]:port", host = "::FFFF:129.144.52.38",
                port = "port", userinfo = "userinfo", user = "userinfo", path = "/path", params = "params",
                query = "query", fragment = "fragment",
            },
            {
                "scheme://user:password@[::192.9.5.5]:port/path;params?query#fragment",
                scheme = "scheme", authority = "user:password@[::192.9.5.5]:port", host = "::192.9.5.5",
                port = "port", userinfo = "user:password", user = "user", password = "password",
                path = "/path", params = "params", query = "query", fragment = "fragment",
            },
            -- LuaSocket master: the authority also ends at "?" and "#"
            { "http://host?q=1", scheme = "http", authority = "host", host = "host", query = "q=1" },
            { "http://host#top", scheme = "http", authority = "host", host = "host", fragment = "top" },
            { "http://h:80?x#y", scheme = "http", authority = "h:80", host = "h", port = "80", query = "x",
                fragment = "y" },
            -- the port is what follows the last ":" (maybe empty)
            { "http://host:/p", scheme = "http", authority = "host:", host = "host", port = "", path = "/p" },
            { "mailto:someone@example.com", scheme = "mailto", path = "someone@example.com" },
            { "a+b-c.d:rest", scheme = "a+b-c.d", path = "rest" },
            -- as LuaSocket: a scheme may start with a digit, not with a mark
            { "1http:x", scheme = "1http", path = "x" },
            { "-x:y", path = "-x:y" },
        }
        for _, case in ipairs(cases) do
            it("splits " .. case[1], function()
                local expected = {}
                for k, v in pairs(case) do
                    if k ~= 1 then expected[k] = v end
                end
                assert.are.same(expected, url.parse(case[1]))
            end)
        end

        it("starts from the defaults table, which URL parts override", function()
            local defaults = { scheme = "http", path = "/", port = 80, extra = true }
            assert.are.same({ scheme = "http", path = "/", port = 80, extra = true, authority = "h", host = "h" },
                url.parse("//h", defaults))
            assert.are.same({ scheme = "ftp", path = "/x", port = "21", extra = true, authority = "h:21", host = "h" },
                url.parse("ftp://h:21/x", defaults))
            assert.are.same({ scheme = "http", path = "/", port = 80, extra = true }, defaults)
        end)

        it("returns nil, 'invalid url' for nil or an empty URL", function()
            assert.are.same({ nil, "invalid url" }, { url.parse("") })
            assert.are.same({ nil, "invalid url" }, { url.parse(nil) })
            assert.are.same({ nil, "invalid url" }, { url.parse("", { path = "/" }) })
        end)
    end)

    describe("build()", function()
        local cases = {
            { "scheme://user:password@host:port/path;params?query#fragment", scheme = "scheme", host = "host",
                port = "port", user = "user", password = "password", path = "/path", params = "params",
                query = "query", fragment = "fragment" },
            { "//userinfo@[::FFFF:129.144.52.38]:port/path;params?query#fragment", host = "::FFFF:129.144.52.38",
                port = "port", user = "userinfo", path = "/path", params = "params", query = "query",
                fragment = "fragment" },
            { "scheme://user@host/path;params?query#fragment", scheme = "scheme", host = "host", user = "user",
                path = "/path", params = "params", query = "query", fragment = "fragment" },
            { "scheme://host/path;params#fragment", scheme = "scheme", host = "host", path = "/path",
                params = "params", fragment = "fragment" },
            { "scheme://host/path", scheme = "scheme", host = "host", path = "/path" },
            { "//host/path", host = "host", path = "/path" },
            { "/path", path = "/path" },
            { "", },
            -- host, port, user, password win over authority and userinfo
            { "scheme://user:password@host:port/path", scheme = "scheme", host = "host", port = "port",
                user = "user", userinfo = "not used", authority = "not used", password = "password",
                path = "/path" },
            { "scheme://user:password@host:port/path", scheme = "scheme", host = "host", port = "port",
                userinfo = "user:password", authority = "not used", path = "/path" },
            { "scheme://user:password@host:port/path", scheme = "scheme", authority = "user:password@host:port",
                path = "/path" },
            { "http://h:8080", scheme = "http", host = "h", port = 8080 },
        }
        for _, case in ipairs(cases) do
            it("builds '" .. case[1] .. "'", function()
                local parts = {}
                for k, v in pairs(case) do
                    if k ~= 1 then parts[k] = v end
                end
                assert.are.equal(case[1], url.build(parts))
            end)
        end

        it("inverts parse, paths going through parse_path and build_path", function()
            for _, u in ipairs {
                "http:", "a/b/c/d.html", "//net_loc", "http:a/b/d/c.html", "//net_loc/a/b/d/c.html",
                "http://net_loc/a/b/d/c.html", "//who:isit@net_loc",
                "http://he:man@boo.bar/a/b/c/i.html;type=moo?this=that#mark", "/b/c/d#fragment",
                "/b/c/d;param#fragment", "/b/c/d;param?query#fragment", "/b/c/d?query", "/b/c/d;param?query",
                "http://he:man@[::192.168.1.1]/a/b/c/i.html;type=moo?this=that#mark",
            } do
                local parsed = url.parse(u)
                parsed.path = url.build_path(url.parse_path(parsed.path))
                assert.are.equal(u, url.build(parsed))
            end
        end)
    end)

    describe("absolute()", function()
        local base = "http://a/b/c/d;p?q"
        -- RFC 3986 §5.4.1, with the RFC's answer. LuaSocket resolves by RFC 2396
        -- rules (";x" replaces the base's params) and removes dot segments from
        -- the whole result; `luasocket` gives its answer where that differs.
        local normal = {
            { "g:h", "g:h" },
            { "g", "http://a/b/c/g" },
            { "./g", "http://a/b/c/g" },
            { "g/", "http://a/b/c/g/" },
            { "/g", "http://a/g" },
            { "//g", "http://g" },
            { "?y", "http://a/b/c/d;p?y" },
            { "g?y", "http://a/b/c/g?y" },
            { "#s", "http://a/b/c/d;p?q#s" },
            { "g#s", "http://a/b/c/g#s" },
            { "g?y#s", "http://a/b/c/g?y#s" },
            { ";x", "http://a/b/c/;x", luasocket = "http://a/b/c/d;x" },
            { "g;x", "http://a/b/c/g;x" },
            { "g;x?y#s", "http://a/b/c/g;x?y#s" },
            { "", "http://a/b/c/d;p?q" },
            { ".", "http://a/b/c/" },
            { "./", "http://a/b/c/" },
            { "..", "http://a/b/" },
            { "../", "http://a/b/" },
            { "../g", "http://a/b/g" },
            { "../..", "http://a/" },
            { "../../", "http://a/" },
            { "../../g", "http://a/g" },
        }
        -- RFC 3986 §5.4.2
        local abnormal = {
            { "../../../g", "http://a/g" },
            { "../../../../g", "http://a/g" },
            { "/./g", "http://a/g" },
            { "/../g", "http://a/g" },
            { "g.", "http://a/b/c/g." },
            { ".g", "http://a/b/c/.g" },
            { "g..", "http://a/b/c/g.." },
            { "..g", "http://a/b/c/..g" },
            { "./../g", "http://a/b/g" },
            { "./g/.", "http://a/b/c/g/" },
            { "g/./h", "http://a/b/c/g/h" },
            { "g/../h", "http://a/b/c/h" },
            { "g;x=1/./y", "http://a/b/c/g;x=1/y" },
            { "g;x=1/../y", "http://a/b/c/y" },
            { "g?y/./x", "http://a/b/c/g?y/./x", luasocket = "http://a/b/c/g?y/x" },
            { "g?y/../x", "http://a/b/c/g?y/../x", luasocket = "http://a/b/c/x" },
            { "g#s/./x", "http://a/b/c/g#s/./x", luasocket = "http://a/b/c/g#s/x" },
            { "g#s/../x", "http://a/b/c/g#s/../x", luasocket = "http://a/b/c/x" },
            { "http:g", "http:g" }, -- the RFC's strict reading
        }
        for _, group in ipairs { { "normal", normal }, { "abnormal", abnormal } } do
            for _, case in ipairs(group[2]) do
                local ref, rfc, ours = case[1], case[2], case.luasocket
                local title = ("RFC 3986 5.4 %s: '%s' -> %s"):format(group[1], ref, ours
                    and ("'" .. ours .. "' as LuaSocket (RFC: '" .. rfc .. "')") or ("'" .. rfc .. "'"))
                it(title, function()
                    assert.are.equal(ours or rfc, url.absolute(base, ref))
                end)
            end
        end

        it("resolves LuaSocket's own extra cases", function()
            local cases = {
                { "http://a/b/c/d;p?q#f", "g?y/./x", "http://a/b/c/g?y/x" },
                { "http://a/b/c/d;p?q#f", "", "http://a/b/c/d;p?q#f" },
                { "http://a/b/c/d:p?q#f/", "../g/", "http://a/b/g/" },
                { "http://a/b/c/d:p?q#f/", "../.g.h", "http://a/b/.g.h" },
                { "http://a/b/c/d:p?q#f/", "g.h/", "http://a/b/c/g.h/" },
                { "http://a/", "../g.h/", "http://a/g.h/" },
                { "//a/b/c/d;p?q#f", "d/e/f", "//a/b/c/d/e/f" },
                { "/a/b/c/d;p?q#f", "d/e/f", "/a/b/c/d/e/f" },
                { "a/b/c/d", "d/e/f", "a/b/c/d/e/f" },
                { "a/b/c/d/../", "d/e/f", "a/b/c/d/e/f" },
                { "http://velox.telemar.com.br", "/dashboard/index.html",
                    "http://velox.telemar.com.br/dashboard/index.html" },
                { "http://example.com/", "../.badhost.com/", "http://example.com/.badhost.com/" },
                { "http://example.com/", "...badhost.com/", "http://example.com/...badhost.com/" },
                { "http://example.com/a/b/c/d/", "../q", "http://example.com/a/b/c/q" },
                { "http://example.com/a/b/c/d/", "../../../q", "http://example.com/a/q" },
                { "http://example.com", ".badhost.com", "http://example.com/.badhost.com" },
                { "http://example.com/a/b/c/d/", "..//../../../q", "http://example.com/a/q" },
                { "http://example.com/a/b/c/d/", "..//a/../../../../q", "http://example.com/a/q" },
                { "http://example.com/a/b/c/d/", "..//a/..//../../../q", "http://example.com/a/b/q" },
                { "http://example.com/a/b/c/d/", "..//a/..///../../../../q", "http://example.com/a/b/q" },
                { "http://example.com/a/b/c/d/", "../x/a/../y/z/../../../../q", "http://example.com/a/b/q" },
            }
            for _, c in ipairs(cases) do
                assert.are.equal(c[3], url.absolute(c[1], c[2]), c[1] .. " + " .. c[2])
            end
        end)

        it("takes a parsed table as the base", function()
            assert.are.equal("http://a/b/c/g", url.absolute(url.parse(base), "g"))
        end)

        it("returns the other argument when one does not parse", function()
            assert.are.equal("g/h", url.absolute("", "g/h"))
            assert.are.equal("http://a/b", url.absolute("http://a/b", ""))
        end)
    end)

    describe("parse_path()", function()
        it("splits and unescapes segments, marking absolute and directory paths", function()
            assert.are.same({ "eu", "tu", "ele", is_absolute = 1 }, url.parse_path("/eu/tu/ele"))
            assert.are.same({ "eu", is_absolute = 1, is_directory = 1 }, url.parse_path("/eu/"))
            assert.are.same({ "eu", "tu", "ele", "nos", "vos", "eles", is_directory = 1 },
                url.parse_path("eu/tu/ele/nos/vos/eles/"))
            assert.are.same({ is_absolute = 1, is_directory = 1 }, url.parse_path("/"))
            assert.are.same({}, url.parse_path(""))
            assert.are.same({}, url.parse_path(nil))
            assert.are.same({ "eu\1", "\2tu", "e\3l\4e", "nos", "vos\5", "e\18les", is_directory = 1 },
                url.parse_path("eu%01/%02tu/e%03l%04e/nos/vos%05/e%12les/"))
            assert.are.same({ "a", "b", is_absolute = 1 }, url.parse_path("//a//b"))
        end)
    end)

    describe("build_path()", function()
        it("protects each segment, keeping path-safe marks", function()
            assert.are.equal("eu/-_.!~*'():@&=+$,/tu", url.build_path { "eu", "-_.!~*'():@&=+$,", "tu" })
            assert.are.equal("eu%20/~diego", url.build_path { "eu ", "~diego" })
            assert.are.equal("%2Feu%3E/%3Cdiego%3F", url.build_path { "/eu>", "<diego?" })
            assert.are.equal("%5Ceu%5D/%5Bdiego%60", url.build_path { "\\eu]", "[diego`" })
            assert.are.equal("%7Beu%7D/%7Cdiego%7F", url.build_path { "{eu}", "|diego\127" })
        end)

        it("leaves segments alone when unsafe", function()
            assert.are.equal("eu /~diego", url.build_path({ "eu ", "~diego" }, 1))
            assert.are.equal("/eu>/<diego?", url.build_path({ "/eu>", "<diego?" }, 1))
            assert.are.equal("{eu}/|diego\127", url.build_path({ "{eu}", "|diego\127" }, 1))
        end)

        it("adds the leading and trailing slashes", function()
            assert.are.equal("/eu/tu/ele", url.build_path { "eu", "tu", "ele", is_absolute = 1 })
            assert.are.equal("/eu/", url.build_path { "eu", is_absolute = 1, is_directory = 1 })
            assert.are.equal("/", url.build_path { is_absolute = 1, is_directory = 1 })
            assert.are.equal("", url.build_path {})
            assert.are.equal("1/2", url.build_path { 1, 2 })
        end)
    end)

    describe("against the C LuaSocket's url.lua", function()
        local c = c_url()
        -- Pieces that make interesting URLs: separators, dot segments,
        -- escapes, brackets, and the byte LuaSocket uses as a marker.
        local pieces = {
            "/", "/", "/", "//", ".", "..", "./", "../", "a", "b", "g", "%", "%41", "%zz", ";", "?", "#",
            ":", "@", "[", "]", "\1", "http:", "x=1", " ", "~", "\255",
        }
        local state = 12345
        local function rand(n)
            state = (state * 1103515245 + 12345) % 2147483648
            return math.floor(state / 65536) % n + 1
        end
        local function sample()
            local t = {}
            for i = 1, rand(9) - 1 do t[i] = pieces[rand(#pieces)] end
            return table.concat(t)
        end
        -- Where 3.1.0 and master differ: an authority holding "?" or "#".
        local function differs(s)
            return s:match("^[%w][%w%+%-%.]*:?//[^/]*[?#]") or s:match("^//[^/]*[?#]")
        end

        it("escapes, unescapes and builds paths alike", function()
            for _ = 1, 3000 do
                local s = sample()
                assert.are.equal(c.escape(s), url.escape(s))
                assert.are.equal(c.unescape(s), url.unescape(s))
                assert.are.same(c.parse_path(s), url.parse_path(s))
                local p = url.parse_path(s)
                assert.are.equal(c.build_path(p), url.build_path(p))
                assert.are.equal(c.build_path(p, true), url.build_path(p, true))
            end
        end)

        it("parses, builds and resolves alike", function()
            for _ = 1, 3000 do
                local b, r = sample(), sample()
                if not differs(b) and not differs(r) then
                    assert.are.same(c.parse(b, { path = "/" }), url.parse(b, { path = "/" }))
                    local parsed = url.parse(b)
                    if parsed then assert.are.equal(c.build(parsed), url.build(parsed)) end
                    assert.are.equal(c.absolute(b, r), url.absolute(b, r), ("%q + %q"):format(b, r))
                end
            end
        end)
    end)
end)
