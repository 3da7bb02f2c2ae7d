---@meta socket.headers
-- LuaLS annotations for `require("socket.headers")`. Manual: docs/socket.md.

---@class socket.headers
local headers = {}

---Lower-case header name -> the spelling to send
---(`headers.canonic["content-type"] == "Content-Type"`). Writable.
---@type table<string, string>
headers.canonic = {}

---Checks a header before it is written: `name` a key of `canonic` or a
---token, `value` a number or a string without control bytes but tab.
---`true`, or `nil, "invalid header name '<name>'"`, or
---`nil, "invalid value for header '<name>'"`.
---@param name string
---@param value string|number
---@return true|nil ok
---@return string? err
function headers.check(name, value) end

---Whether `s` is a token (RFC 9110 §5.6.2), as a header name or a method.
---@param s any
---@return boolean
function headers.token(s) end

---Whether `s` is a string holding no CR and no LF.
---@param s any
---@return boolean
function headers.oneline(s) end

return headers
