-- Differences from the C LuaSocket that we chose, each with its reason (the
-- same list as docs/compatibility.md). spec/diff_spec.lua reads this table:
-- a step whose C and ours results differ passes only when an entry names its
-- area, scenario and label, and both results match the entry's patterns
-- (Lua patterns, anchored at both ends). Any other difference fails.
return {
    {
        area = "socket", scenario = "constants", label = "_VERSION",
        c = '1:"LuaSocket 3%.0%.0"', ours = '1:"LuaSocket 3%.1%.0"',
        reason = "Debian's package calls itself 3.0.0; we implement the 3.1 API (CONTRACT §2)",
    },
    {
        area = "socket", scenario = "constants", label = "_DEBUG",
        c = "1:nil", ours = "1:true",
        reason = "the LuaSocket rock is built with LUASOCKET_DEBUG (CONTRACT §2): send and receive "
            .. "return the elapsed time last; Debian builds without it",
    },
    {
        area = "socket", scenario = "constants", label = "_SETSIZE",
        c = "1:%a+:1024[.0]*", ours = "1:%a+:4096[.0]*",
        reason = "poll(2) has no ceiling: ours reports the soft RLIMIT_NOFILE (4096 in the harness), "
            .. "C its compile-time FD_SETSIZE",
    },
    {
        area = "socket", scenario = "constants", label = "_DATAGRAMSIZE",
        c = "1:%a+:8192[.0]*", ours = "1:%a+:65535[.0]*",
        reason = "datagrams come back whole when no size is given (docs/compatibility.md)",
    },
}
