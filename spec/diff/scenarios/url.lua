-- socket.url: parse, build, absolute, escape, unescape, parse_path,
-- build_path, on ordinary and odd input.
local function each(t, label, f, inputs)
    for _, input in ipairs(inputs) do
        local shown = type(input) == "table" and (input.label or "?") or tostring(input)
        if type(input) == "table" and input.args then
            t:call(label .. " " .. shown, f, (table.unpack or unpack)(input.args, 1, input.n or #input.args))
        else
            t:call(label .. " " .. shown, f, input)
        end
    end
end

local PARSE = {
    "http://www.example.com/",
    "http://user:pass@host.example:8080/a/b/c;type=a?x=1&y=2#frag",
    "ftp://ann@ftp.example/pub/file.txt;type=i",
    "https://[::1]:8443/index.html",
    "http://[fe80::1%25eth0]/",
    "http://[::1]/",
    "http://host:/path",
    "http://host:port/path",
    "http://@host/",
    "http://u:@host/",
    "http://:p@host/",
    "http://a@b@host/",
    "http://u:p:q@host/",
    "//host/path",
    "/just/a/path",
    "relative/path",
    "path;params",
    "?query-only",
    "#fragment-only",
    "mailto:someone@example.com",
    "news:comp.lang.lua",
    "urn:isbn:0451450523",
    "file:///etc/passwd",
    "http://host?q=1",
    "http://host#f",
    "http://host/a?b#c?d#e",
    "http://host/%7Euser/a%20b",
    "HTTP://HOST/",
    "a+b.c-d://x/",
    "1http://x/",
    "http:",
    "http:/",
    "http://",
    "http:///",
    ":no-scheme",
    " http://space/ ",
    "http://h/p;a;b?c;d",
    "http://u:p#x@h/",
    "http://u:p?x@h/",
    12345,
}

local BASE = "http://a/b/c/d;p?q"

-- RFC 3986 §5.4's examples, normal and abnormal, and a few more.
local RELATIVE = {
    "g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x",
    "g;x?y#s", "", ".", "./", "..", "../", "../g", "../..", "../../", "../../g",
    "../../../g", "../../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g",
    "./g/.", "g/./h", "g/../h", "g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x",
    "g#s/./x", "g#s/../x", "http:g", "a//b/../c", "//x/../y",
}

return {
    {
        name = "module",
        run = function(t, socket)
            local url = require("socket.url")
            t:rec("_VERSION", url._VERSION)
            t:rec("socket.url", socket.url == url)
            local names = {}
            for k, v in pairs(url) do names[#names + 1] = k .. ":" .. type(v) end
            table.sort(names)
            t:rec("fields", names)
        end,
    },
    {
        name = "parse",
        run = function(t)
            local url = require("socket.url")
            each(t, "parse", url.parse, PARSE)
            t:call("parse nil", url.parse, nil)
            t:call("parse empty", url.parse, "")
            t:call("parse with defaults", url.parse, "//h/x",
                { scheme = "http", port = 80, path = "/default", extra = 1 })
            t:call("parse empty with defaults", url.parse, "", { scheme = "http" })
            t:call("parse a table", url.parse, {})
        end,
    },
    {
        name = "build",
        run = function(t)
            local url = require("socket.url")
            for _, u in ipairs(PARSE) do
                local parsed = url.parse(u)
                if parsed then t:call("build(parse " .. tostring(u) .. ")", url.build, parsed) end
            end
            each(t, "build", url.build, {
                { label = "host and port", args = { { scheme = "http", host = "h", port = 81, path = "/x" } } },
                { label = "ipv6 host", args = { { scheme = "http", host = "::1", port = "8080", path = "/" } } },
                { label = "user and password", args = { { scheme = "ftp", host = "h", user = "u", password = "p" } } },
                { label = "password without user", args = { { scheme = "ftp", host = "h", password = "p" } } },
                { label = "userinfo", args = { { host = "h", userinfo = "a:b" } } },
                { label = "authority only", args = { { authority = "auth:1", path = "/p" } } },
                { label = "host wins over authority", args = { { authority = "auth", host = "h" } } },
                { label = "everything", args = { {
                    scheme = "s", user = "u", password = "w", host = "h", port = 1, path = "/p",
                    params = "a", query = "q", fragment = "f",
                } } },
                { label = "relative path", args = { { path = "a/b", query = "" } } },
                { label = "empty", args = { {} } },
                { label = "fragment only", args = { { fragment = "" } } },
                { label = "unescaped parts", args = { { host = "h", path = "/a b?c", query = "x y#" } } },
            })
            t:call("build nil", url.build, nil)
        end,
    },
    {
        name = "absolute",
        run = function(t)
            local url = require("socket.url")
            for _, rel in ipairs(RELATIVE) do
                t:call("absolute " .. rel, url.absolute, BASE, rel)
            end
            t:call("absolute with a table base", url.absolute, url.parse(BASE), "../x")
            t:call("absolute, base without path", url.absolute, "http://h", "x/y")
            t:call("absolute, base with a directory", url.absolute, "http://h/a/b/", "c")
            t:call("absolute, relative base", url.absolute, "a/b", "../c")
            t:call("absolute, empty base", url.absolute, "", "x")
            t:call("absolute, dots in the base", url.absolute, "http://h/a/./b/../c", "d")
            t:call("absolute, many dots", url.absolute, "http://h/a/b/c/d/e", "../../../../../../x")
            t:call("absolute, control byte", url.absolute, "http://h/a\1b/c", "../d")
        end,
    },
    {
        name = "escape and unescape",
        run = function(t)
            local url = require("socket.url")
            local all = {}
            for i = 0, 255 do all[#all + 1] = string.char(i) end
            all = table.concat(all)
            each(t, "escape", url.escape, {
                "", "abcXYZ019_", "a b&c=d", "-.~!*'();:@&=+$,/?#[]", "%", "100%", "é", "\0\1\255",
            })
            t:call("escape every byte", url.escape, all)
            t:call("escape a number", url.escape, 12.5)
            t:call("escape nil", function() return url.escape(nil) end)
            each(t, "unescape", url.unescape, {
                "", "a%20b", "%41%42%43", "%4a%4A", "%", "%2", "%zz", "%%41", "100%", "%00%ff%FF",
                "+plus+", "a%2Fb%3f",
            })
            t:call("unescape(escape(every byte))", url.unescape, url.escape(all))
            t:call("unescape a number", url.unescape, 42)
            t:call("unescape nil", function() return url.unescape(nil) end)
        end,
    },
    {
        name = "paths",
        run = function(t)
            local url = require("socket.url")
            each(t, "parse_path", url.parse_path, {
                "/a/b/c", "a/b/c/", "/", "", "//", "/a//b/", "/a%20b/c%2Fd", "a", "%",
                "/./../x", 123,
            })
            t:call("parse_path nil", url.parse_path, nil)
            each(t, "build_path", url.build_path, {
                { label = "absolute", args = { { "a", "b", is_absolute = 1 } } },
                { label = "directory", args = { { "a", "b", is_directory = 1 } } },
                { label = "both", args = { { "a", is_absolute = 1, is_directory = 1 } } },
                { label = "empty", args = { {} } },
                { label = "empty absolute", args = { { is_absolute = 1 } } },
                { label = "empty directory", args = { { is_directory = 1 } } },
                { label = "escaped", args = { { "a b", "c/d", "-_.!~*'():@&=+$,", "?#%;" } } },
                { label = "unsafe", args = { { "a b", "c/d" }, true } },
                { label = "unsafe absolute directory", args = { { "x y", is_absolute = 1, is_directory = 1 }, 1 } },
                { label = "every byte", args = { { "\0\1\127\128\255" } } },
                { label = "empty segment", args = { { "a", "", "b" } } },
            })
            for _, p in ipairs { "/x y/z", "/a%2fb/", "a/b", "/%41/" } do
                t:call("build_path(parse_path " .. p .. ")", function() return url.build_path(url.parse_path(p)) end)
            end
        end,
    },
}
