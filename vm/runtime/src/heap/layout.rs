//! Where the heap lives in the address space, and the check that the
//! process may reserve it.
//!
//! MMTk 0.33 lays its side metadata out for every address its spaces could
//! use, and its start-up records a state for every 4 MiB chunk of that
//! reservation. Laid out for the whole 47-bit address space, that is about
//! 15 TiB and 3.8 M chunks, which took most of a short run's time. The
//! vendored mmtk-core (`third_party/`, feature `side_metadata_41bit`) lays
//! it out for the lowest 2 TiB only, and this layout puts every space there:
//! space slots of 128 GiB from 128 GiB up to 2 TiB.

use super::trigger::MAX_HEAP_BYTES;
use mmtk::util::heap::vm_layout::VMLayout;
use mmtk::util::Address;

/// log2 of the address range of one space: 128 GiB. MMTk reserves twice the
/// largest heap limit (`MAX_HEAP_BYTES`) for each space, and a space's
/// reservation must fit in its slot.
const LOG_SPACE_BYTES: usize = 37;

/// log2 of the end of the heap's address range: the bound the vendored
/// mmtk-core's side metadata covers (2 TiB). Slot 0 (below 128 GiB) holds
/// the program's own image and is not used; slots 1 to 15 leave room for
/// more spaces than any plan here has (GenCopy, the most, has six).
const LOG_HEAP_END: usize = VMLayout::LOG_SIDE_METADATA_ADDRESS_SPACE;

// Each space's reservation (twice the largest heap) fits in its slot, and
// MMTk's rule for contiguous spaces (16 slots within the address space)
// holds.
const _: () = assert!(2 * MAX_HEAP_BYTES <= 1 << LOG_SPACE_BYTES);
const _: () = assert!(LOG_SPACE_BYTES + 4 <= LOG_HEAP_END);

/// The address range MMTk's spaces use: `[128 GiB, 2 TiB)`, in slots of
/// 128 GiB, one space to a slot.
pub(super) fn vm_layout() -> VMLayout {
    // SAFETY: plain numbers; MMTk checks the layout's alignment itself.
    let (start, end) = unsafe {
        (
            Address::from_usize(1 << LOG_SPACE_BYTES),
            Address::from_usize(1 << LOG_HEAP_END),
        )
    };
    VMLayout {
        log_address_space: LOG_HEAP_END,
        heap_start: start,
        heap_end: end,
        log_space_extent: LOG_SPACE_BYTES,
        force_use_contiguous_spaces: true,
    }
}

/// Address space MMTk's side metadata takes when it starts: 235 GiB (as
/// measured with `strace -e mmap`), rounded up.
const SIDE_METADATA_RESERVATION_BYTES: usize = 240 << 30;

/// The most spaces a plan here has (GenCopy: nursery, two copy spaces,
/// immortal, large-object and non-moving spaces).
const MAX_SPACES_USED: usize = 6;

/// Address space MMTk reserves (but does not use) when it starts for a heap
/// of `capacity` bytes: the side metadata, and twice the capacity for each
/// space. From about 250 GiB for the default 1 GiB to about 1 TiB for 64 GiB.
fn reservation_bytes(capacity: usize) -> usize {
    SIDE_METADATA_RESERVATION_BYTES
        .saturating_add(MAX_SPACES_USED.saturating_mul(capacity).saturating_mul(2))
}

/// Fails with a clear message when the process cannot reserve the address
/// space MMTk needs (typically under `ulimit -v`), where MMTk itself would
/// panic. The probe maps nothing: a `PROT_NONE`, `MAP_NORESERVE` range,
/// unmapped at once.
pub(super) fn reserve_probe(capacity: usize) -> Result<(), String> {
    let bytes = reservation_bytes(capacity);
    // SAFETY: an anonymous mapping at an address the kernel picks touches
    // no existing memory; it is unmapped before anything can use it.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(format!(
                "the heap cannot start: MMTk reserves about {} GiB of address space \
                 (not memory), and this process may not ({}); \
                 is a virtual memory limit (`ulimit -v`) set?",
                bytes >> 30,
                std::io::Error::last_os_error()
            ));
        }
        libc::munmap(p, bytes);
    }
    Ok(())
}
