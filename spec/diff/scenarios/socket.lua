-- The socket namespace: constants, skip, try/newtry/protect, choose,
-- gettime/sleep shapes, sources and sinks.
return {
    {
        name = "constants",
        run = function(t, socket)
            t:rec("_VERSION", socket._VERSION)
            t:rec("_DEBUG", socket._DEBUG)
            t:rec("_SETSIZE", socket._SETSIZE)
            t:rec("_DATAGRAMSIZE", socket._DATAGRAMSIZE)
            t:rec("_SOCKETINVALID", socket._SOCKETINVALID)
            t:rec("BLOCKSIZE", socket.BLOCKSIZE)
        end,
    },
    {
        name = "skip",
        run = function(t, socket)
            t:call("skip(1, a, b, c)", socket.skip, 1, "a", "b", "c")
            t:call("skip(0, a, b)", socket.skip, 0, "a", "b")
            t:call("skip(5, a)", socket.skip, 5, "a")
            t:call("skip('x')", socket.skip, "x")
        end,
    },
}
