---@meta socket.headers
-- LuaLS annotations for `require("socket.headers")`. Manual: docs/socket.md.

---@class socket.headers
local headers = {}

---Lower-case header name -> the spelling to send
---(`headers.canonic["content-type"] == "Content-Type"`). Writable.
---@type table<string, string>
headers.canonic = {}

return headers
