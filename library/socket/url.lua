---@meta socket.url
-- LuaLS annotations for `require("socket.url")`. Manual: docs/url.md.

---The parts of a URL, as `url.parse` returns them (RFC 2396 names).
---@class socket.url.parts
---@field scheme? string
---@field authority? string
---@field userinfo? string
---@field user? string
---@field password? string
---@field host? string without brackets for IPv6
---@field port? string|number
---@field path? string
---@field params? string
---@field query? string
---@field fragment? string

---A path split into unescaped segments.
---@class socket.url.path: string[]
---@field is_absolute? 1
---@field is_directory? 1

---@class socket.url
local url = {}

---`"URL 1.0.3"`.
url._VERSION = "URL 1.0.3"

---Percent-encodes every byte other than `A-Z a-z 0-9 _` (lower-case hex).
---@param text string|number
---@return string
function url.escape(text) end

---Decodes every `%XY`; other `%` stay.
---@param text string|number
---@return string
function url.unescape(text) end

---Splits a URL into its parts (`default` copied first); nothing is
---unescaped. `nil, "invalid url"` for nil or "".
---@param text string?
---@param default? socket.url.parts
---@return socket.url.parts|nil parts
---@return string? err
function url.parse(text, default) end

---Builds a URL string from parts.
---@param parts socket.url.parts
---@return string
function url.build(parts) end

---Resolves `relative` against `base` and removes dot segments.
---@param base string|socket.url.parts
---@param relative string
---@return string
function url.absolute(base, relative) end

---Splits a path into unescaped segments.
---@param path string?
---@return socket.url.path
function url.parse_path(path) end

---Joins segments into a path, escaping each unless `unsafe`.
---@param segments socket.url.path|string[]
---@param unsafe? boolean
---@return string
function url.build_path(segments, unsafe) end

return url
