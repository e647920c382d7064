//! Valgrind client requests, written out by hand (the header-only C macros of
//! `valgrind.h`/`memcheck.h`, version 3.19, re-expressed as stable `asm!`).
//!
//! A client request is a no-op sequence on a real CPU: four rotations of `rdi` that add
//! up to 128 bits (so `rdi` is unchanged) followed by `xchg rbx, rbx`. Valgrind's JIT
//! recognises the sequence and performs the request whose six-word argument block is in
//! `rax`, returning its result in `rdx` (which holds the default value when not running
//! under valgrind).
//!
//! Request numbers, from `/usr/include/valgrind/memcheck.h` and `valgrind.h`:
//! * `VG_USERREQ_TOOL_BASE('M','C') = ('M' << 24) | ('C' << 16) = 0x4D43_0000`;
//!   `MAKE_MEM_NOACCESS` is base + 0, `MAKE_MEM_UNDEFINED` base + 1, `MAKE_MEM_DEFINED`
//!   base + 2.
//! * `VG_USERREQ__RUNNING_ON_VALGRIND = 0x1001`, `VG_USERREQ__COUNT_ERRORS = 0x1201`.
//!
//! On targets other than x86_64 every request is a no-op returning its default; the
//! harness then refuses to report a pass (see `running_on_valgrind`).

const MEMCHECK_BASE: usize = ((b'M' as usize) << 24) | ((b'C' as usize) << 16);
const MAKE_MEM_UNDEFINED: usize = MEMCHECK_BASE + 1;
const MAKE_MEM_DEFINED: usize = MEMCHECK_BASE + 2;
const RUNNING_ON_VALGRIND: usize = 0x1001;
const COUNT_ERRORS: usize = 0x1201;

#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn client_request(default: usize, request: usize, arg1: usize, arg2: usize) -> usize {
    let args: [usize; 6] = [request, arg1, arg2, 0, 0, 0];
    let result: usize;
    // SAFETY: the instruction sequence is valgrind's documented "special instruction"
    // preamble. On a real CPU it rotates rdi by 3+13+61+51 = 128 bits (a no-op on its
    // value, though it changes flags, hence no `preserves_flags`) and exchanges rbx with
    // itself (a no-op). `rax` points at `args`, which lives until after the asm block;
    // valgrind only reads those six words and writes the result into rdx. rdi is
    // declared clobbered because it is modified in between. The request may change
    // memcheck's shadow state of caller memory, so the block is not `nomem`: the
    // compiler must assume memory was read and written.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") default => result,
            out("rdi") _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
fn client_request(default: usize, _request: usize, _arg1: usize, _arg2: usize) -> usize {
    default
}

/// True when this process runs under valgrind (any tool).
pub fn running_on_valgrind() -> bool {
    client_request(0, RUNNING_ON_VALGRIND, 0, 0) != 0
}

/// Number of errors valgrind has reported so far (0 outside valgrind).
pub fn error_count() -> usize {
    client_request(0, COUNT_ERRORS, 0, 0)
}

/// Marks `bytes` as secret: memcheck treats them as uninitialised, so any branch or
/// memory address computed from them is reported. Takes `&mut` so the compiler cannot
/// keep using a copy it loaded before the request.
pub fn mark_secret(bytes: &mut [u8]) {
    client_request(
        0,
        MAKE_MEM_UNDEFINED,
        bytes.as_mut_ptr() as usize,
        bytes.len(),
    );
    core::hint::black_box(bytes);
}

/// [`mark_secret`] for memory reached through a raw pointer (the bytes of a `&mut str`,
/// which safe code cannot view as `&mut [u8]`). Marking never writes the memory.
pub fn mark_secret_raw(start: *mut u8, len: usize) {
    client_request(0, MAKE_MEM_UNDEFINED, start as usize, len);
}

/// Declassifies `bytes`: they are public from here on (an output that is public by
/// design, such as a share's x-coordinate or the verdict of an integrity check).
pub fn declassify(bytes: &mut [u8]) {
    client_request(
        0,
        MAKE_MEM_DEFINED,
        bytes.as_mut_ptr() as usize,
        bytes.len(),
    );
    core::hint::black_box(bytes);
}
