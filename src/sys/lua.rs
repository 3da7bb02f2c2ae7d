//! The Lua C API, wrapped once.
//!
//! Replaces the `luaL_check*` helpers and argument errors LuaSocket's
//! `auxiliar.c` relies on, and the userdata blocks of its objects (the
//! classes themselves live in `glue/class.rs`). Generic over what an object
//! carries ([`Payload`]): this file names no core type. Everything else in
//! the crate sees only the safe [`State`] handle.
//!
//! Why not mlua's `UserData`: LuaSocket objects need a *visible* metatable per
//! class, whose `__index` is a plain table (LuaSec reads
//! `getmetatable(sock).__index.settimeout`), and an object must switch class in
//! place (`tcp{master}` becomes `tcp{client}`). mlua hides userdata metatables
//! and ties one metatable to one Rust type. Its callbacks also raise errors as
//! userdata values, while LuaSocket programs match error *strings*. So native
//! functions here are plain `lua_CFunction`s: a trampoline per function
//! (monomorphized by [`native!`]) runs it under `catch_unwind`, and raises
//! failures as strings formatted exactly as `luaL_argerror`/`luaL_error` do.
//!
//! Rules kept by this file, so that a Lua error never crosses a Rust frame that
//! owns something: native functions never call into Lua unprotected (methods
//! of foreign objects go through `lua_pcall`), tables are read with raw access
//! (no metamethods), and the final `lua_error` happens in a frame that owns
//! nothing. The only Lua errors that can still be raised mid-call are memory
//! errors from allocation, which leak at most the call's temporaries.

use std::any::Any;
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::error::misuse;

/// What a native function returns: the number of results it pushed.
pub(crate) type Ret = Result<c_int, Raise>;

/// A native function as Lua sees it: a C function made by [`native!`] from
/// a Rust `fn(&State) -> Ret`.
#[derive(Clone, Copy)]
pub(crate) struct Native(ffi::lua_CFunction);

/// The Rust side of a native function; [`native!`] implements it for a
/// zero-sized type per function, so that each function gets its own C entry
/// point (no upvalue to read on every call).
pub(crate) trait NativeFn {
    fn call(l: &State) -> Ret;
}

/// The C entry point of `F`, as a `Native`.
pub(crate) const fn native_of<F: NativeFn>() -> Native {
    let f: unsafe extern "C-unwind" fn(*mut ffi::lua_State) -> isize = trampoline::<F>;
    // SAFETY: same argument list and calling convention. The result is
    // declared `isize` rather than `c_int`: LuaJIT's VM reads a C function's
    // result count from the whole 64-bit return register, while the C ABI
    // leaves the upper half of an `int` result undefined (and rustc does
    // leave garbage there). A pointer-sized result is exact for LuaJIT, and
    // PUC Lua, which reads the low 32 bits, sees the same count.
    Native(unsafe {
        std::mem::transmute::<
            unsafe extern "C-unwind" fn(*mut ffi::lua_State) -> isize,
            ffi::lua_CFunction,
        >(f)
    })
}

/// `native!(path)`: the [`Native`] for a Rust `fn(&State) -> Ret` (usable in
/// constants and function tables).
macro_rules! native {
    ($f:expr $(,)?) => {{
        struct Entry;
        impl $crate::sys::lua::NativeFn for Entry {
            #[inline(always)]
            fn call(l: &$crate::sys::lua::State) -> $crate::sys::lua::Ret {
                ($f)(l)
            }
        }
        $crate::sys::lua::native_of::<Entry>()
    }};
}
pub(crate) use native;

/// A Lua error to raise once the native function has returned.
#[derive(Debug)]
pub(crate) enum Raise {
    /// `luaL_argerror(L, arg, msg)`: "bad argument #n to 'f' (msg)".
    Arg(c_int, String),
    /// `luaL_error(L, msg)`: the message with the caller's position.
    Msg(String),
    /// `lua_error` with this string as it is (no position added).
    Raw(String),
}

impl Raise {
    pub(crate) fn arg(arg: c_int, msg: impl Into<String>) -> Self {
        Raise::Arg(arg, msg.into())
    }
    pub(crate) fn msg(msg: impl Into<String>) -> Self {
        Raise::Msg(msg.into())
    }
}

/// The type of a stack slot, as `lua_type` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    None,
    Nil,
    Boolean,
    LightUserdata,
    Number,
    String,
    Table,
    Function,
    Userdata,
    Thread,
}

impl Kind {
    fn from_raw(t: c_int) -> Kind {
        match t {
            ffi::LUA_TNIL => Kind::Nil,
            ffi::LUA_TBOOLEAN => Kind::Boolean,
            ffi::LUA_TLIGHTUSERDATA => Kind::LightUserdata,
            ffi::LUA_TNUMBER => Kind::Number,
            ffi::LUA_TSTRING => Kind::String,
            ffi::LUA_TTABLE => Kind::Table,
            ffi::LUA_TFUNCTION => Kind::Function,
            ffi::LUA_TUSERDATA => Kind::Userdata,
            ffi::LUA_TTHREAD => Kind::Thread,
            _ => Kind::None,
        }
    }

    /// The name `luaL_typename` gives.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::None => "no value",
            Kind::Nil => "nil",
            Kind::Boolean => "boolean",
            Kind::LightUserdata | Kind::Userdata => "userdata",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Table => "table",
            Kind::Function => "function",
            Kind::Thread => "thread",
        }
    }
}

/// What an object's userdata block carries. The wrapper names no payload
/// type: the glue chooses one, and gives it a [`TAG`](Payload::TAG) that
/// goes into every block's stamp, so a block made for one payload type is
/// never read as another.
pub(crate) trait Payload {
    /// A constant, different for each payload type.
    const TAG: usize;
}

/// The userdata block of every object: a stamp that marks the block as
/// ours, the object's class id, and the payload.
///
/// How a block is recognised (the fast path of every method call): it is a
/// full userdata of exactly this size whose first word equals
/// [`stamp_for`] its own address and payload type. Lua code cannot write
/// the bytes of a userdata, so only C code could forge a stamp, and C code
/// can corrupt anything anyway; a foreign block matching by chance is a
/// 2^-64 event. `__gc` clears the stamp ([`State::retire_object`]), so a
/// later userdata allocated at the same address never inherits it. The
/// class id lives in the block and is set together with the metatable
/// ([`State::set_class`]).
#[repr(C)]
struct Block<P> {
    stamp: Cell<usize>,
    class: Cell<i64>,
    payload: P,
}

/// The stamp of the block at `at`: its address mixed with the payload's
/// tag, so that bytes copied elsewhere do not carry a valid stamp.
fn stamp_for<P: Payload>(at: *const Block<P>) -> usize {
    (at as usize) ^ P::TAG
}

/// A handle on the Lua stack, valid for one call of a native function.
pub(crate) struct State {
    l: *mut ffi::lua_State,
    // Not Send, not Sync: a lua_State belongs to one thread.
    _not_send: PhantomData<*mut ()>,
}

const REGISTRY_PREFIX: &str = "luasocket-rs:";

// Stack room: Lua guarantees every C function LUA_MINSTACK (20) free slots,
// and no native function here holds more than a handful of values at once
// (loops pop what they push), so pushes do not check the stack.
impl State {
    fn new(l: *mut ffi::lua_State) -> State {
        State {
            l,
            _not_send: PhantomData,
        }
    }

    // ---- stack ---------------------------------------------------------

    pub(crate) fn top(&self) -> c_int {
        // SAFETY: self.l is the running state for the duration of the call.
        unsafe { ffi::lua_gettop(self.l) }
    }

    pub(crate) fn set_top(&self, n: c_int) {
        // SAFETY: shrinking or growing with nils; growing is bounded by
        // check_stack, which every push path calls first.
        unsafe {
            ffi::luaL_checkstack(self.l, 8, ptr::null());
            ffi::lua_settop(self.l, n)
        }
    }

    pub(crate) fn kind(&self, idx: c_int) -> Kind {
        // SAFETY: lua_type accepts any acceptable index.
        Kind::from_raw(unsafe { ffi::lua_type(self.l, idx) })
    }

    pub(crate) fn is_none_or_nil(&self, idx: c_int) -> bool {
        matches!(self.kind(idx), Kind::None | Kind::Nil)
    }

    pub(crate) fn pop(&self, n: c_int) {
        // SAFETY: callers pop only what they pushed.
        unsafe { ffi::lua_settop(self.l, -n - 1) }
    }

    pub(crate) fn push_value(&self, idx: c_int) {
        // SAFETY: copies an existing slot.
        unsafe { ffi::lua_pushvalue(self.l, idx) }
    }

    // ---- reading arguments ---------------------------------------------

    /// The bytes of a string or number, as `lua_tolstring` gives them: a
    /// number is converted to a string in its stack slot (so the slot holds
    /// the very string returned).
    #[inline]
    pub(crate) fn to_bytes(&self, idx: c_int) -> Option<&[u8]> {
        let mut len = 0usize;
        // SAFETY: lua_tolstring accepts any index and returns NULL unless
        // the value is a string or a number; otherwise a pointer to `len`
        // bytes owned by the string now in the slot, which stays on the
        // stack (and so alive) while `self` is borrowed.
        unsafe {
            let p = ffi::lua_tolstring(self.l, idx, &mut len);
            if p.is_null() {
                None
            } else {
                Some(std::slice::from_raw_parts(p as *const u8, len))
            }
        }
    }

    #[inline]
    pub(crate) fn check_bytes(&self, idx: c_int) -> Result<&[u8], Raise> {
        match self.to_bytes(idx) {
            Some(b) => Ok(b),
            None => Err(self.string_expected(idx)),
        }
    }

    #[cold]
    #[inline(never)]
    fn string_expected(&self, idx: c_int) -> Raise {
        self.type_error(idx, "string")
    }

    pub(crate) fn opt_bytes(&self, idx: c_int) -> Result<Option<&[u8]>, Raise> {
        if self.is_none_or_nil(idx) {
            Ok(None)
        } else {
            self.check_bytes(idx).map(Some)
        }
    }

    /// A string argument as UTF-8 text (lossy), for names and options.
    pub(crate) fn check_str(&self, idx: c_int) -> Result<String, Raise> {
        Ok(String::from_utf8_lossy(self.check_bytes(idx)?).into_owned())
    }

    /// A port argument as text, as [`State::check_str`] gives it. A number
    /// Lua would print as the plain digits of 0 to 65535 (an integer on Lua
    /// 5.3+, an integral value before) is printed here: Lua's own number
    /// formatting (snprintf) costs more than the sendto or connect it
    /// serves. Anything else goes through Lua.
    pub(crate) fn check_port(&self, idx: c_int) -> Result<String, Raise> {
        match self.port_number(idx) {
            Some(port) => Ok(port.to_string()),
            None => self.check_str(idx),
        }
    }

    fn port_number(&self, idx: c_int) -> Option<u16> {
        if self.kind(idx) != Kind::Number {
            return None;
        }
        // SAFETY: idx holds a number (checked above); lua_isinteger reads it.
        #[cfg(any(feature = "lua53", feature = "lua54"))]
        if unsafe { ffi::lua_isinteger(self.l, idx) } == 0 {
            return None;
        }
        let n = self.to_number(idx)?;
        (n.fract() == 0.0 && (0.0..=65535.0).contains(&n)).then_some(n as u16)
    }

    pub(crate) fn opt_str(&self, idx: c_int) -> Result<Option<String>, Raise> {
        Ok(self
            .opt_bytes(idx)?
            .map(|b| String::from_utf8_lossy(b).into_owned()))
    }

    /// A number, or a string convertible to one, as `lua_tonumber` sees it.
    pub(crate) fn to_number(&self, idx: c_int) -> Option<f64> {
        let mut ok: c_int = 0;
        // SAFETY: lua_tonumberx accepts any index and reports convertibility.
        let n = unsafe { ffi::lua_tonumberx(self.l, idx, &mut ok) };
        (ok != 0).then_some(n)
    }

    pub(crate) fn check_number(&self, idx: c_int) -> Result<f64, Raise> {
        self.to_number(idx)
            .ok_or_else(|| self.type_error(idx, "number"))
    }

    pub(crate) fn opt_number(&self, idx: c_int, default: f64) -> Result<f64, Raise> {
        if self.is_none_or_nil(idx) {
            Ok(default)
        } else {
            self.check_number(idx)
        }
    }

    pub(crate) fn to_boolean(&self, idx: c_int) -> bool {
        // SAFETY: any index.
        unsafe { ffi::lua_toboolean(self.l, idx) != 0 }
    }

    /// "bad argument #n to 'f' (T expected, got U)".
    pub(crate) fn type_error(&self, idx: c_int, expected: &str) -> Raise {
        Raise::arg(
            idx,
            format!("{} expected, got {}", expected, self.kind(idx).name()),
        )
    }

    // ---- pushing results -----------------------------------------------

    pub(crate) fn push_nil(&self) {
        // SAFETY: within the slots every C function has (see above).
        unsafe { ffi::lua_pushnil(self.l) }
    }

    pub(crate) fn push_bool(&self, b: bool) {
        // SAFETY: within the slots every C function has (see above).
        unsafe { ffi::lua_pushboolean(self.l, b as c_int) }
    }

    pub(crate) fn push_number(&self, n: f64) {
        // SAFETY: within the slots every C function has (see above).
        unsafe { ffi::lua_pushnumber(self.l, n) }
    }

    pub(crate) fn push_integer(&self, n: i64) {
        // SAFETY: within the slots every C function has. lua_Integer is 64-bit on every
        // platform we build for.
        unsafe { ffi::lua_pushinteger(self.l, n as ffi::lua_Integer) }
    }

    pub(crate) fn push_bytes(&self, b: &[u8]) {
        // SAFETY: Lua copies the bytes.
        unsafe {
            ffi::lua_pushlstring(self.l, b.as_ptr() as *const c_char, b.len());
        }
    }

    pub(crate) fn push_str(&self, s: &str) {
        self.push_bytes(s.as_bytes())
    }

    /// Pushes the concatenation of two byte strings without building it in Rust.
    pub(crate) fn push_concat(&self, a: &[u8], b: &[u8]) {
        if a.is_empty() {
            return self.push_bytes(b);
        }
        if b.is_empty() {
            return self.push_bytes(a);
        }
        self.push_bytes(a);
        self.push_bytes(b);
        // SAFETY: two strings on top.
        unsafe { ffi::lua_concat(self.l, 2) }
    }

    /// `nil, msg`: LuaSocket's failure return.
    pub(crate) fn fail(&self, msg: &str) -> Ret {
        self.push_nil();
        self.push_str(msg);
        Ok(2)
    }

    pub(crate) fn new_table(&self, narr: usize, nrec: usize) {
        // SAFETY: within the slots every C function has (see above).
        unsafe { ffi::lua_createtable(self.l, narr as c_int, nrec as c_int) }
    }

    /// `t[key] = top` (raw), popping the value; `t` is at `tidx` (absolute).
    pub(crate) fn set_field(&self, tidx: c_int, key: &str) {
        self.push_str(key);
        // SAFETY: stack is [.. t .. value key]; rotate to [.. key value].
        unsafe {
            ffi::lua_rotate(self.l, -2, 1);
            ffi::lua_rawset(self.l, tidx);
        }
    }

    /// `t[n] = top` (raw), popping the value.
    pub(crate) fn set_index(&self, tidx: c_int, n: i64) {
        // SAFETY: t is a table at an absolute index.
        unsafe { ffi::lua_rawseti(self.l, tidx, n as ffi::lua_Integer) }
    }

    /// `t[k] = v` (raw) where both `k` and `v` are given by stack index.
    pub(crate) fn set_pair(&self, tidx: c_int, kidx: c_int, vidx: c_int) {
        self.push_value(kidx);
        self.push_value(vidx);
        // SAFETY: table at an absolute index; key and value just pushed.
        unsafe { ffi::lua_rawset(self.l, tidx) }
    }

    /// `t[k] = v` (raw) for the key and value on top, popping both.
    pub(crate) fn set_top_pair(&self, tidx: c_int) {
        // SAFETY: table at an absolute index; key and value on top.
        unsafe { ffi::lua_rawset(self.l, tidx) }
    }

    /// Pushes `t[key]` (raw) and returns its type.
    pub(crate) fn get_field(&self, tidx: c_int, key: &str) -> Kind {
        self.push_str(key);
        // SAFETY: tidx is an absolute index of a table (callers check).
        Kind::from_raw(unsafe { ffi::lua_rawget(self.l, tidx) })
    }

    /// Pushes `t[n]` (raw) and returns its type.
    pub(crate) fn get_index(&self, tidx: c_int, n: i64) -> Kind {
        // SAFETY: tidx is an absolute index of a table (callers check).
        Kind::from_raw(unsafe { ffi::lua_rawgeti(self.l, tidx, n as ffi::lua_Integer) })
    }

    /// Pushes `t[k]` (raw), `k` given by stack index; returns its type.
    pub(crate) fn get_by(&self, tidx: c_int, kidx: c_int) -> Kind {
        self.push_value(kidx);
        // SAFETY: tidx is an absolute index of a table (callers check).
        Kind::from_raw(unsafe { ffi::lua_rawget(self.l, tidx) })
    }

    /// `t[k] = nil` (raw), `k` given by stack index.
    pub(crate) fn clear_by(&self, tidx: c_int, kidx: c_int) {
        self.push_value(kidx);
        self.push_nil();
        // SAFETY: table at an absolute index; key and value just pushed.
        unsafe { ffi::lua_rawset(self.l, tidx) }
    }

    /// A pointer identifying the value (for `tostring`-style addresses).
    pub(crate) fn to_pointer(&self, idx: c_int) -> *const c_void {
        // SAFETY: any index.
        unsafe { ffi::lua_topointer(self.l, idx) }
    }

    /// Pushes a native function.
    pub(crate) fn push_function(&self, f: Native) {
        // SAFETY: a C function with no upvalues.
        unsafe { ffi::lua_pushcclosure(self.l, f.0, 0) }
    }

    /// Calls the method `name` of the value at `idx` in protected mode with
    /// no arguments but the value, leaving one result on the stack. Errors
    /// raised by the method come back as `Err` with the error as a string.
    pub(crate) fn pcall_method(&self, idx: c_int, name: &'static CStr) -> Result<Kind, String> {
        // SAFETY: `call_method_helper` runs inside lua_pcall, so whatever it
        // raises stops there. The stack is [.. helper obj name] -> result.
        unsafe {
            ffi::lua_pushcclosure(self.l, call_method_helper, 0);
            ffi::lua_pushvalue(self.l, idx);
            ffi::lua_pushlightuserdata(self.l, name.as_ptr() as *mut c_void);
            if ffi::lua_pcall(self.l, 2, 1, 0) != 0 {
                let msg = self
                    .to_bytes(-1)
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                self.pop(1);
                return Err(msg.unwrap_or_else(|| misuse::METHOD_CALL.to_string()));
            }
        }
        Ok(self.kind(-1))
    }

    // ---- classes and objects -------------------------------------------

    /// Creates (or finds) the metatable of class `name` with id `id`: `__index`
    /// is a fresh plain table holding `methods` and `class = name`; `meta`
    /// entries (`__gc`, `__tostring`, `__close`) go in the metatable itself,
    /// with `__name = name`; each of `groups` is set to `true`.
    pub(crate) fn register_class(
        &self,
        name: &str,
        methods: &[(&str, Native)],
        meta: &[(&str, Native)],
        groups: &[&str],
    ) {
        self.push_registry_class(name);
        if self.kind(-1) != Kind::Table {
            self.pop(1);
            self.new_table(1, 8);
            let mt = self.top();
            self.new_table(0, methods.len() + 1);
            let index = self.top();
            for (mname, f) in methods {
                self.push_function(*f);
                self.set_field(index, mname);
            }
            self.push_str(name);
            self.set_field(index, "class");
            self.set_field(mt, "__index");
            for (mname, f) in meta {
                self.push_function(*f);
                self.set_field(mt, mname);
            }
            self.push_str(name);
            self.set_field(mt, "__name");
            for g in groups {
                self.push_bool(true);
                self.set_field(mt, g);
            }
            self.push_value(mt);
            self.set_registry_class(name);
        }
        self.pop(1);
    }

    /// Pushes the registry key of class `name`, built on the stack (this
    /// runs for every new object and every change of class).
    fn push_class_key(&self, name: &str) {
        let mut buf = [0u8; 64];
        let (prefix, name) = (REGISTRY_PREFIX.as_bytes(), name.as_bytes());
        let n = prefix.len() + name.len();
        if n > buf.len() {
            return self.push_concat(prefix, name);
        }
        buf[..prefix.len()].copy_from_slice(prefix);
        buf[prefix.len()..n].copy_from_slice(name);
        self.push_bytes(&buf[..n]);
    }

    fn push_registry_class(&self, name: &str) {
        self.push_class_key(name);
        // SAFETY: registry is always a table.
        unsafe {
            ffi::lua_rawget(self.l, ffi::LUA_REGISTRYINDEX);
        }
    }

    fn set_registry_class(&self, name: &str) {
        self.push_class_key(name);
        // SAFETY: [.. value key] -> registry[key] = value.
        unsafe {
            ffi::lua_rotate(self.l, -2, 1);
            ffi::lua_rawset(self.l, ffi::LUA_REGISTRYINDEX);
        }
    }

    /// Creates a new object of class `name` (id `id`) holding `value`;
    /// leaves it on top.
    ///
    /// The payload is never dropped in place: Lua frees the block's memory
    /// without running Rust destructors, so the payload's `__gc` must
    /// release every heap allocation it owns.
    pub(crate) fn new_object<P: Payload>(&self, value: P, name: &str, id: i64) -> &P {
        self.new_block(value, name, id, 0)
    }

    /// [`State::new_object`] for an object that also carries a table (its
    /// uservalue; on Lua 5.1 and LuaJIT its environment), empty at first:
    /// what the object keeps alive for as long as it lives.
    pub(crate) fn new_object_with_table<P: Payload>(&self, value: P, name: &str, id: i64) -> &P {
        let p = self.new_block(value, name, id, 1);
        self.new_table(0, 0);
        self.set_table_of(-2);
        p
    }

    /// Pops the table on top and makes it the table carried by the object
    /// at `idx` (made by [`State::new_object_with_table`]).
    pub(crate) fn set_table_of(&self, idx: c_int) {
        debug_assert_eq!(self.kind(-1), Kind::Table);
        // SAFETY: a table is on top; the object at idx is a full userdata
        // made with one user value (5.4) or any userdata (an environment
        // table on 5.1/LuaJIT, a user value on 5.2/5.3).
        unsafe {
            let idx = ffi::lua_absindex(self.l, idx);
            ffi::lua_setuservalue(self.l, idx);
        }
    }

    /// Pushes the table carried by the object at `idx`; returns its type.
    pub(crate) fn push_table_of(&self, idx: c_int) -> Kind {
        // SAFETY: the value at idx is a full userdata (callers check).
        Kind::from_raw(unsafe { ffi::lua_getuservalue(self.l, idx) })
    }

    fn new_block<P: Payload>(&self, value: P, name: &str, id: i64, _uv: c_int) -> &P {
        // SAFETY: the block is sized and aligned for Block<P> (Lua aligns
        // userdata to its maximum alignment, at least 8, which covers
        // Block's, checked below); it is initialised, stamp included, before
        // anything can observe it, and stays a valid Block<P> until Lua
        // frees its memory.
        unsafe {
            const { assert!(std::mem::align_of::<Block<P>>() <= 8) };
            #[cfg(feature = "lua54")]
            let block = ffi::lua_newuserdatauv(self.l, std::mem::size_of::<Block<P>>(), _uv);
            #[cfg(not(feature = "lua54"))]
            let block = ffi::lua_newuserdata(self.l, std::mem::size_of::<Block<P>>());
            let block = block as *mut Block<P>;
            ptr::write(
                block,
                Block {
                    stamp: Cell::new(stamp_for(block)),
                    class: Cell::new(id),
                    payload: value,
                },
            );
            self.set_class::<P>(-1, name, id);
            &(*block).payload
        }
    }

    /// Pops the table on top and makes it the metatable of the value at
    /// `idx` (an absolute index).
    pub(crate) fn set_metatable(&self, idx: c_int) {
        debug_assert_eq!(self.kind(-1), Kind::Table);
        // SAFETY: a table is on top; lua_setmetatable pops it.
        unsafe {
            ffi::lua_setmetatable(self.l, idx);
        }
    }

    /// Gives our object at `idx` the class `name` (id `id`): its metatable,
    /// and the id kept in its block. Does nothing to any other value.
    pub(crate) fn set_class<P: Payload>(&self, idx: c_int, name: &str, id: i64) {
        let Some(block) = self.to_block::<P>(idx) else {
            debug_assert!(false, "set_class on a foreign value");
            return;
        };
        block.class.set(id);
        // SAFETY: absolute index computed before pushing.
        let idx = unsafe { ffi::lua_absindex(self.l, idx) };
        self.push_registry_class(name);
        debug_assert_eq!(self.kind(-1), Kind::Table);
        // SAFETY: the value at idx is one of our userdata; pops the table.
        unsafe {
            ffi::lua_setmetatable(self.l, idx);
        }
    }

    /// The block of the value at `idx`, if it is one of our objects.
    #[inline]
    fn to_block<P: Payload>(&self, idx: c_int) -> Option<&Block<P>> {
        // SAFETY: lua_touserdata gives NULL for anything but a userdata, and
        // lua_rawlen is 0 for a light userdata, so a block passing both
        // checks is a full userdata of size_of::<Block<P>>() bytes, aligned to
        // at least 8 (Lua's userdata alignment): its first word can be read.
        // The stamp then tells ours from a foreign block of the same size
        // (see `Block`); only `new_object` writes a valid stamp, on a block
        // it initialised, and `retire_object` clears it. The block stays
        // alive while its value is on the stack, which outlives `&self`.
        unsafe {
            let p = ffi::lua_touserdata(self.l, idx) as *const Block<P>;
            if p.is_null() || ffi::lua_rawlen(self.l, idx) != std::mem::size_of::<Block<P>>() {
                return None;
            }
            // The stamp is the first word (repr(C)).
            if ptr::read(p as *const usize) != stamp_for(p) {
                return None;
            }
            Some(&*p)
        }
    }

    /// The object at `idx` and its class id, if it is one of ours.
    #[inline]
    pub(crate) fn to_object<P: Payload>(&self, idx: c_int) -> Option<(&P, i64)> {
        self.to_block::<P>(idx).map(|b| (&b.payload, b.class.get()))
    }

    /// Called by `__gc` once the object is closed: clears the stamp, so the
    /// block is never taken for ours again (a finalized object that Lua code
    /// resurrects is refused by every method as a foreign value).
    pub(crate) fn retire_object<P: Payload>(&self, idx: c_int) {
        if let Some(block) = self.to_block::<P>(idx) {
            block.stamp.set(0);
        }
    }
}

/// Runs inside `lua_pcall`: `obj:<name>()` with one result.
unsafe extern "C-unwind" fn call_method_helper(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: called only by pcall_method with [obj, lightuserdata name];
    // whatever Lua raises here is caught by that lua_pcall, and this frame
    // owns nothing.
    unsafe {
        let name = ffi::lua_touserdata(l, 2) as *const c_char;
        ffi::lua_settop(l, 1);
        ffi::lua_getfield(l, 1, name);
        if ffi::lua_type(l, -1) != ffi::LUA_TFUNCTION {
            ffi::lua_pushnil(l);
            return 1;
        }
        ffi::lua_pushvalue(l, 1);
        ffi::lua_call(l, 1, 1);
        1
    }
}

/// The C entry point of native function `F`.
unsafe extern "C-unwind" fn trampoline<F: NativeFn>(l: *mut ffi::lua_State) -> isize {
    let state = State::new(l);
    let outcome = catch_unwind(AssertUnwindSafe(|| F::call(&state)));
    match outcome {
        Ok(Ok(n)) => n as isize,
        Ok(Err(raise)) => fail(&state, Ok(raise)),
        Err(panic) => fail(&state, Err(panic)),
    }
}

/// The error path of every trampoline, kept out of line.
#[cold]
#[inline(never)]
fn fail(state: &State, why: Result<Raise, Box<dyn Any + Send>>) -> ! {
    let message = match why {
        // SAFETY: nothing in this frame owns resources past this point.
        Ok(Raise::Arg(arg, extra)) => unsafe { raise_arg(state.l, arg, extra) },
        Ok(Raise::Msg(msg)) => with_where(state, msg),
        Ok(Raise::Raw(msg)) => msg,
        Err(panic) => with_where(state, panic_text(panic)),
    };
    // SAFETY: nothing in this frame owns resources past this point.
    unsafe { raise(state.l, message) }
}

/// Prefixes `luaL_where(L, 1)`: "chunk:line: " of the Lua caller.
fn with_where(state: &State, msg: String) -> String {
    // SAFETY: luaL_where pushes one string.
    let prefix = unsafe {
        ffi::luaL_where(state.l, 1);
        let p = state
            .to_bytes(-1)
            .map(|b| String::from_utf8_lossy(b).into_owned());
        state.pop(1);
        p.unwrap_or_default()
    };
    prefix + &msg
}

fn panic_text(panic: Box<dyn Any + Send>) -> String {
    let detail = if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    };
    misuse::internal(&detail)
}

/// Raises `msg` as a Lua error. Must be called from a frame owning nothing.
#[inline(never)]
unsafe fn raise(l: *mut ffi::lua_State, msg: String) -> ! {
    // SAFETY: pushes a copy, frees the Rust string, then longjmps (or
    // unwinds, on LuaJIT) out of the trampoline, which owns nothing.
    unsafe {
        ffi::lua_pushlstring(l, msg.as_ptr() as *const c_char, msg.len());
        drop(msg);
        ffi::lua_error(l)
    }
}

/// Raises an argument error through Lua's own `luaL_argerror`, so that the
/// message names the function as C LuaSocket's would on every Lua version
/// (the method form "calling 'f' on bad self", a name found through
/// `package.loaded` for `pcall(f, ...)` on 5.2+, LuaJIT's argument
/// numbering). Must be called from a frame owning nothing.
#[inline(never)]
unsafe fn raise_arg(l: *mut ffi::lua_State, arg: c_int, extra: String) -> ! {
    // SAFETY: the message is copied onto the Lua stack (it stays there, and
    // valid, until the error is raised) and the Rust string freed; then
    // luaL_argerror formats and raises, longjmping (or unwinding, on
    // LuaJIT) out of the trampoline, which owns nothing.
    unsafe {
        ffi::lua_pushlstring(l, extra.as_ptr() as *const c_char, extra.len());
        drop(extra);
        let msg = ffi::lua_tolstring(l, -1, std::ptr::null_mut());
        ffi::luaL_argerror(l, arg, msg);
        // luaL_argerror does not return.
        ffi::lua_error(l)
    }
}

/// Runs `open` as the body of a `luaopen_*` function.
pub(crate) fn open_module(l: *mut ffi::lua_State, open: Native) -> c_int {
    // SAFETY: `l` is the state calling luaopen; we push the opener as a
    // native function and call it in place so that it gets the trampoline's
    // error handling.
    unsafe {
        ffi::lua_settop(l, 0);
        State::new(l).push_function(open);
        ffi::lua_call(l, 0, 1);
    }
    1
}
