---
-- socket.url: URL parsing, building and resolution, and percent-encoding.
--
-- Behaves as LuaSocket's `socket.url` (its current master): the same
-- field names (RFC 2396 style: `scheme`, `authority`, `userinfo`, `user`,
-- `password`, `host`, `port`, `path`, `params`, `query`, `fragment`), the
-- same results for odd input, the same dot-segment removal in `absolute`.
-- `escape` and `unescape` are native (see src/url.rs), several times faster
-- than the `string.gsub` versions, with identical results.
-- @module socket.url

local socket = require("socket")
local native = require("luasocket_rs").socket_url()

local pairs, tostring, type = pairs, tostring, type
local concat = table.concat
local byte, find, gsub, match, sub = string.byte, string.find, string.gsub, string.match, string.sub

local url = {}
-- As upstream, loading the module also makes it reachable as socket.url.
socket.url = url

url._VERSION = "URL 1.0.3"

--- Percent-encodes every byte of `s` other than `A-Z a-z 0-9 _` as `%xx`
-- (lower-case hex digits).
-- @function escape
-- @param s string
-- @return the encoded string
url.escape = native.escape

--- Decodes every `%XY` (two hex digits) in `s`; any other `%` stays.
-- @function unescape
-- @param s string
-- @return the decoded string
url.unescape = native.unescape

local protect_segment = native.protect_segment
local unescape = native.unescape

-- The marker dot-segment removal puts into empty segments between two
-- slashes, so that `..` can consume them; removed from the result (together
-- with any such byte the input held, as upstream does).
local MARK = "\1"

-- Splits `s` at every "/" into a list of segments (n slashes give n + 1).
local function split(s)
    local segs, n, pos = {}, 0, 1
    while true do
        local slash = find(s, "/", pos, true)
        n = n + 1
        if not slash then
            segs[n] = sub(s, pos)
            return segs, n
        end
        segs[n] = sub(s, pos, slash - 1)
        pos = slash + 1
    end
end

-- Removes `.` and `..` segments the way LuaSocket's url.lua does (which is
-- not quite RFC 3986 §5.2.4: it is applied to whole URLs, query and fragment
-- included, and a `..` also consumes an empty segment). Its steps, each
-- over the whole string, in order:
--   1. every empty segment between two slashes becomes MARK;
--   2. every `.` segment between two slashes goes;
--   3. while some `seg/../next` has non-empty `seg` and `next`, the leftmost
--      becomes `next`;
--   4. a trailing `seg/..` or `seg/../` (non-empty `seg`) becomes empty;
--   5. a trailing `/..` becomes `/`; 6. a trailing `/.` becomes `/`;
--   7. a leading `/../` becomes `/`; 8. MARK bytes are dropped.
local function remove_dots(path)
    local s, n = split(path)
    -- 1 and 2: interior segments only (neither first nor last).
    local kept = { s[1] }
    for i = 2, n - 1 do
        local seg = s[i]
        if seg == "" then
            kept[#kept + 1] = MARK
        elseif seg ~= "." then
            kept[#kept + 1] = seg
        end
    end
    if n > 1 then kept[#kept + 1] = s[n] end
    s, n = kept, #kept
    -- 3: restart from the left after each rewrite, as a repeated gsub does.
    local i = 1
    while i + 2 <= n do
        if s[i] ~= "" and s[i + 1] == ".." and s[i + 2] ~= "" then
            table.remove(s, i)
            table.remove(s, i)
            n = n - 2
            i = 1
        else
            i = i + 1
        end
    end
    -- 4
    if n >= 2 and s[n] == ".." and s[n - 1] ~= "" then
        s[n] = nil
        s[n - 1] = ""
        n = n - 1
    elseif n >= 3 and s[n] == "" and s[n - 1] == ".." and s[n - 2] ~= "" then
        s[n] = nil
        s[n - 1] = nil
        s[n - 2] = ""
        n = n - 2
    end
    -- 5 and 6
    if n >= 2 and (s[n] == ".." or s[n] == ".") then s[n] = "" end
    -- 7
    if n >= 3 and s[1] == "" and s[2] == ".." then table.remove(s, 2) end
    local out = concat(s, "/")
    if find(out, MARK, 1, true) then out = gsub(out, MARK, "") end
    return out
end

-- Merges a relative path with the base path it is relative to.
local function merge_paths(base_path, relative_path)
    if sub(relative_path, 1, 1) == "/" then
        return remove_dots(relative_path)
    end
    -- Drop the base's last segment, keeping its slash.
    local dir = match(base_path, "^(.*/)") or ""
    if dir == "" then dir = "/" end
    return remove_dots(dir .. relative_path)
end

--- Splits a URL into its parts (RFC 2396 names):
-- `scheme://userinfo@host:port/path;params?query#fragment`, with `userinfo`
-- split into `user` and `password`, and an IPv6 host given without its
-- brackets. Parts absent from the URL are absent from the result, unless
-- `default` gives them.
-- @param u the URL string
-- @param default optional table of default values, copied first
-- @return the table of parts, or `nil, "invalid url"` for an empty URL
function url.parse(u, default)
    local parsed = {}
    if default then
        for k, v in pairs(default) do parsed[k] = v end
    end
    if not u or u == "" then return nil, "invalid url" end
    if type(u) == "number" then u = tostring(u) end
    local rest = u
    local scheme, after = match(rest, "^(%w[%w%+%-%.]*):()")
    if scheme then
        parsed.scheme = scheme
        rest = sub(rest, after)
    end
    local authority
    if sub(rest, 1, 2) == "//" then
        authority, after = match(rest, "^//([^/%?#]*)()")
        parsed.authority = authority
        rest = sub(rest, after)
    end
    local at = find(rest, "#", 1, true)
    if at then
        parsed.fragment = sub(rest, at + 1)
        rest = sub(rest, 1, at - 1)
    end
    at = find(rest, "?", 1, true)
    if at then
        parsed.query = sub(rest, at + 1)
        rest = sub(rest, 1, at - 1)
    end
    at = find(rest, ";", 1, true)
    if at then
        parsed.params = sub(rest, at + 1)
        rest = sub(rest, 1, at - 1)
    end
    if rest ~= "" then parsed.path = rest end
    if not authority then return parsed end
    -- userinfo ends at the first "@"
    at = find(authority, "@", 1, true)
    local userinfo
    if at then
        userinfo = sub(authority, 1, at - 1)
        parsed.userinfo = userinfo
        authority = sub(authority, at + 1)
    end
    -- the port follows the last ":", unless a "]" comes after it
    local port_at = match(authority, "():[^:%]]*$")
    if port_at then
        parsed.port = sub(authority, port_at + 1)
        authority = sub(authority, 1, port_at - 1)
    end
    if authority ~= "" then
        parsed.host = match(authority, "^%[(.+)%]$") or authority
    end
    if not userinfo then return parsed end
    -- the password follows the last ":"
    local colon = match(userinfo, "():[^:]*$")
    if colon then
        parsed.password = sub(userinfo, colon + 1)
        userinfo = sub(userinfo, 1, colon - 1)
    end
    parsed.user = userinfo
    return parsed
end

--- Builds a URL string from parts as `parse` returns them. `host`, `port`,
-- `user` and `password` take precedence over `authority` and `userinfo`; a
-- host holding ":" is written in brackets. Parts are not escaped.
-- @param parsed the table of parts
-- @return the URL string
function url.build(parsed)
    local out = parsed.path or ""
    if parsed.params then out = out .. ";" .. parsed.params end
    if parsed.query then out = out .. "?" .. parsed.query end
    local authority = parsed.authority
    local host = parsed.host
    if host then
        authority = host
        if find(authority, ":", 1, true) then authority = "[" .. authority .. "]" end
        if parsed.port then authority = authority .. ":" .. tostring(parsed.port) end
        local userinfo = parsed.userinfo
        if parsed.user then
            userinfo = parsed.user
            if parsed.password then userinfo = userinfo .. ":" .. parsed.password end
        end
        if userinfo then authority = userinfo .. "@" .. authority end
    end
    if authority then out = "//" .. authority .. out end
    if parsed.scheme then out = parsed.scheme .. ":" .. out end
    if parsed.fragment then out = out .. "#" .. parsed.fragment end
    return out
end

--- Resolves `relative_url` against `base_url` (a string, or a table of
-- parts), then removes dot segments from the whole result, as LuaSocket
-- does. Missing path, params and query are inherited from the base in turn,
-- as RFC 2396 describes.
-- @param base_url base URL string or parsed table
-- @param relative_url the reference to resolve
-- @return the resolved URL string
function url.absolute(base_url, relative_url)
    local base
    if type(base_url) == "table" then
        base = base_url
        base_url = url.build(base)
    else
        base = url.parse(base_url)
    end
    local rel = url.parse(relative_url)
    local result
    if not base then
        result = relative_url
    elseif not rel then
        result = base_url
    elseif rel.scheme then
        result = relative_url
    else
        rel.scheme = base.scheme
        if not rel.authority then
            rel.authority = base.authority
            if not rel.path then
                rel.path = base.path
                if not rel.params then
                    rel.params = base.params
                    if not rel.query then rel.query = base.query end
                end
            else
                rel.path = merge_paths(base.path or "", rel.path)
            end
        end
        result = url.build(rel)
    end
    return remove_dots(result)
end

--- Splits a path into its segments, each unescaped. The result also has
-- `is_absolute = 1` when the path starts with "/" and `is_directory = 1`
-- when it ends with "/".
-- @param path the path string (nil is taken as "")
-- @return the list of segments
function url.parse_path(path)
    local parsed = {}
    path = path or ""
    if type(path) == "number" then path = tostring(path) end
    local n = 0
    for seg in string.gmatch(path, "[^/]+") do
        n = n + 1
        parsed[n] = unescape(seg)
    end
    if byte(path, 1) == 47 then parsed.is_absolute = 1 end
    if byte(path, -1) == 47 then parsed.is_directory = 1 end
    return parsed
end

--- Joins segments (as `parse_path` returns them) into a path, escaping in
-- each segment the characters a path segment cannot hold, unless `unsafe`.
-- @param parsed list of segments with optional `is_absolute`, `is_directory`
-- @param unsafe if true, segments are used as they are
-- @return the path string
function url.build_path(parsed, unsafe)
    local n = #parsed
    local segs = {}
    for i = 1, n do
        if unsafe then
            segs[i] = parsed[i]
        else
            segs[i] = protect_segment(parsed[i])
        end
    end
    local path = concat(segs, "/")
    if n > 0 and parsed.is_directory then path = path .. "/" end
    if parsed.is_absolute then path = "/" .. path end
    return path
end

return url
