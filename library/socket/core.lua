---@meta socket.core
-- `require("socket.core")` is the same table as `require("socket")`:
-- see library/socket.lua.

local socket = require("socket")

return socket
