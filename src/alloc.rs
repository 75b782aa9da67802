//! The system allocator, with the last few large blocks kept for reuse.
//!
//! A large message needs a large buffer to be read into, and another to be framed into; the
//! received one then lives in JS (an external ArrayBuffer) until the garbage collector frees it.
//! Fresh large blocks come from `mmap`, and every page of one is faulted in and zeroed by the
//! kernel on first touch: for 16 MiB messages that costs more than the copies themselves. Keeping
//! the few blocks freed last and handing them out again makes a stream of large messages reuse
//! the same memory, the way a connection on a tokio thread got it from glibc's per-thread arena.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;

/// Blocks from this size on are rounded up to a multiple of it, and kept when freed.
const LARGE: usize = 1 << 20;
/// How many freed blocks are kept, and how many bytes in all at most.
const KEPT_BLOCKS: usize = 4;
const KEPT_BYTES: usize = 64 << 20;

pub struct CachingAlloc;

/// Freed large blocks: (address, capacity); `0` addresses are empty slots.
static KEPT: Mutex<[(usize, usize); KEPT_BLOCKS]> = Mutex::new([(0, 0); KEPT_BLOCKS]);

/// Large, with an alignment `malloc` gives anyway: any kept block suits any such request.
fn is_large(layout: Layout) -> bool {
  layout.size() >= LARGE && layout.align() <= 16
}

/// The capacity a large block of `layout` gets: what `alloc` and `dealloc` both compute.
fn capacity(layout: Layout) -> Layout {
  let size = layout.size().div_ceil(LARGE) * LARGE;
  // SAFETY: `size` is a multiple of 1 MiB, no smaller than the valid `layout`'s; the alignment is kept.
  unsafe { Layout::from_size_align_unchecked(size, layout.align()) }
}

unsafe impl GlobalAlloc for CachingAlloc {
  unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
    if !is_large(layout) {
      return unsafe { System.alloc(layout) };
    }
    let wanted = capacity(layout);
    {
      let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
      // A kept block fits when it is at least as large and not much larger (a quarter).
      let fit = kept.iter_mut().find(|(address, size)| {
        *address != 0 && *size >= wanted.size() && *size <= wanted.size() + wanted.size() / 4
      });
      if let Some(slot) = fit {
        // Freed again, it is kept as the size asked for now (no larger than what it is).
        let address = slot.0;
        *slot = (0, 0);
        return address as *mut u8;
      }
    }
    unsafe { System.alloc(wanted) }
  }

  unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
    if !is_large(layout) {
      return unsafe { System.dealloc(ptr, layout) };
    }
    let block = capacity(layout);
    {
      let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
      let held: usize = kept.iter().map(|(_, size)| size).sum();
      if held + block.size() <= KEPT_BYTES {
        if let Some(slot) = kept.iter_mut().find(|(address, _)| *address == 0) {
          *slot = (ptr as usize, block.size());
          return;
        }
      }
    }
    unsafe { System.dealloc(ptr, block) };
  }

  unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    // SAFETY: the caller guarantees `new_size` with `layout`'s alignment is a valid layout.
    let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
    if !is_large(layout) && !is_large(new_layout) {
      return unsafe { System.realloc(ptr, layout, new_size) };
    }
    if is_large(layout) && is_large(new_layout) && capacity(layout) == capacity(new_layout) {
      return ptr; // Still fits its block.
    }
    let new = unsafe { self.alloc(new_layout) };
    if !new.is_null() {
      unsafe {
        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
        self.dealloc(ptr, layout);
      }
    }
    new
  }
}
