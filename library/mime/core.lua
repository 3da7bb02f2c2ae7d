---@meta mime.core
-- `require("mime.core")` is the same table as `require("mime")`: see
-- library/mime.lua.

local mime = require("mime")

return mime
