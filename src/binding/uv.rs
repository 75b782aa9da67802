//! The JS thread's own event loop (libuv) as the home of open plain-TCP client connections.
//!
//! A message read by a tokio thread reaches JS only after that thread wakes the JS thread: two
//! wake-ups per message, and two context switches when both share a core. A socket adopted by the
//! JS thread's loop is read, parsed and answered on the JS thread, as `ws` does it: one wake-up per
//! message. Its connection's future runs on [`JsLoop`], a small executor driven by libuv callbacks
//! (a poll handle per socket, one async handle for wake-ups from other threads). tokio still runs
//! the timers such a future sets; they wake it through the async handle.
//!
//! Every libuv call is made on the loop's thread: the types here check it, and refuse (or leak,
//! when dropped elsewhere) rather than touch libuv from another thread.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::ffi::{c_int, c_void};
use std::future::Future;
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};

use napi::sys;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::lock;
use crate::transport::{ByteStream, EventLoop};

/// Any libuv handle (`uv_handle_t`, `uv_poll_t`, `uv_async_t`): its first field is `void* data`.
type Handle = c_void;
type PollCb = unsafe extern "C" fn(*mut Handle, c_int, c_int);
type HandleCb = unsafe extern "C" fn(*mut Handle);

const UV_ASYNC: c_int = 1;
const UV_CHECK: c_int = 2;
const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;
const UV_WRITABLE: c_int = 2;

// libuv is part of Node: these resolve against the node binary when the addon loads.
extern "C" {
  fn uv_handle_size(kind: c_int) -> usize;
  fn uv_async_init(event_loop: *mut sys::uv_loop_s, handle: *mut Handle, cb: HandleCb) -> c_int;
  fn uv_async_send(handle: *mut Handle) -> c_int;
  fn uv_check_init(event_loop: *mut sys::uv_loop_s, handle: *mut Handle) -> c_int;
  fn uv_check_start(handle: *mut Handle, cb: HandleCb) -> c_int;
  fn uv_poll_init_socket(event_loop: *mut sys::uv_loop_s, handle: *mut Handle, fd: c_int) -> c_int;
  fn uv_poll_start(handle: *mut Handle, events: c_int, cb: PollCb) -> c_int;
  fn uv_poll_stop(handle: *mut Handle) -> c_int;
  fn uv_close(handle: *mut Handle, cb: Option<HandleCb>);
  fn uv_unref(handle: *mut Handle);
}

/// Memory for a handle of `kind`, zeroed, with `data` set.
fn new_handle(kind: c_int, data: *mut c_void) -> *mut Handle {
  let layout = handle_layout(kind);
  // SAFETY: the layout has a non-zero size (libuv's handles are hundreds of bytes).
  let handle = unsafe { alloc::alloc_zeroed(layout) }.cast::<Handle>();
  if handle.is_null() {
    alloc::handle_alloc_error(layout);
  }
  // SAFETY: every libuv handle starts with `void* data`.
  unsafe { *handle.cast::<*mut c_void>() = data };
  handle
}

fn handle_layout(kind: c_int) -> Layout {
  // SAFETY: a plain query of a constant.
  let size = unsafe { uv_handle_size(kind) }.max(64);
  Layout::from_size_align(size, 16).expect("libuv handle layout")
}

fn handle_data(handle: *mut Handle) -> *mut c_void {
  // SAFETY: every libuv handle starts with `void* data`.
  unsafe { *handle.cast::<*mut c_void>() }
}

thread_local! {
  /// The loop of this thread's JS environment (a thread has at most one).
  static THREAD_LOOP: Cell<*const JsLoop> = const { Cell::new(ptr::null()) };
  /// The loop that is running its ready tasks on this thread right now: wake-ups need no signal.
  static DRAINING: Cell<*const JsLoop> = const { Cell::new(ptr::null()) };
}

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A future on the loop, and the waker that schedules it.
struct Job {
  id: u64,
  owner: Weak<JsLoop>,
  future: Mutex<Option<Task>>,
  scheduled: AtomicBool,
}

impl Wake for Job {
  fn wake(self: Arc<Self>) {
    self.wake_by_ref();
  }

  fn wake_by_ref(self: &Arc<Self>) {
    if self.scheduled.swap(true, Ordering::AcqRel) {
      return;
    }
    if let Some(owner) = self.owner.upgrade() {
      owner.schedule(self.clone());
    }
  }
}

/// The loop's async handle and the jobs it must run; `handle` is null once the loop shut down.
struct Ready {
  jobs: VecDeque<Arc<Job>>,
  handle: *mut Handle,
  /// The async handle was signalled and its callback has not run yet.
  signalled: bool,
}

// SAFETY: `handle` is only passed to `uv_async_send` (thread-safe) off the loop's thread, under the
// mutex that also guards its closing.
unsafe impl Send for Ready {}

/// The executor of one JS environment's loop.
pub struct JsLoop {
  me: Weak<JsLoop>,
  uv_loop: LoopPtr,
  ready: Mutex<Ready>,
  jobs: Mutex<HashMap<u64, Arc<Job>>>,
  next_id: AtomicU64,
  /// Handles opened and not yet closed (the async handle and one poll handle per socket).
  open_handles: AtomicUsize,
  /// The open poll handles, and the flag each one's socket sees when it is closed.
  polls: Mutex<HashMap<usize, Arc<AtomicBool>>>,
  /// Node's handle for the async cleanup hook, while the environment shuts down.
  cleanup: Mutex<Option<CleanupHandle>>,
  /// Runs once per turn of the loop in which jobs ran, after its I/O callbacks: hands their
  /// events to JS in one batch (a hundred connections read in one turn make one call into JS).
  after_drain: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
  /// Jobs ran since `after_drain` last did.
  drained: AtomicBool,
  /// The check handle that runs `after_drain` (null once closed).
  check: Mutex<CheckPtr>,
}

struct LoopPtr(*mut sys::uv_loop_s);
// SAFETY: the pointer is only dereferenced by libuv on the loop's own thread.
unsafe impl Send for LoopPtr {}
unsafe impl Sync for LoopPtr {}

struct CheckPtr(*mut Handle);
// SAFETY: used on the loop's thread only.
unsafe impl Send for CheckPtr {}

struct CleanupHandle(sys::napi_async_cleanup_hook_handle);
// SAFETY: used on the loop's thread only.
unsafe impl Send for CleanupHandle {}

impl JsLoop {
  /// The loop of `env`'s thread; called on that thread. It shuts down with the environment.
  pub fn new(env: sys::napi_env) -> Option<Arc<JsLoop>> {
    let mut uv_loop = ptr::null_mut();
    // SAFETY: `env` is the live environment of the calling thread.
    if unsafe { sys::napi_get_uv_event_loop(env, &mut uv_loop) } != sys::Status::napi_ok
      || uv_loop.is_null()
    {
      return None;
    }
    let this = Arc::new_cyclic(|me| JsLoop {
      me: me.clone(),
      uv_loop: LoopPtr(uv_loop),
      ready: Mutex::new(Ready {
        jobs: VecDeque::new(),
        handle: ptr::null_mut(),
        signalled: false,
      }),
      jobs: Mutex::new(HashMap::new()),
      next_id: AtomicU64::new(0),
      open_handles: AtomicUsize::new(0),
      polls: Mutex::new(HashMap::new()),
      cleanup: Mutex::new(None),
      after_drain: std::sync::OnceLock::new(),
      drained: AtomicBool::new(false),
      check: Mutex::new(CheckPtr(ptr::null_mut())),
    });
    // The async handle holds a reference to the loop until it is closed.
    let handle = new_handle(UV_ASYNC, Arc::into_raw(this.clone()) as *mut c_void);
    // SAFETY: a fresh handle on this thread's loop.
    if unsafe { uv_async_init(uv_loop, handle, on_async) } != 0 {
      // SAFETY: not initialised: libuv knows nothing of it; the reference is ours again.
      unsafe {
        drop(Arc::from_raw(handle_data(handle) as *const JsLoop));
        alloc::dealloc(handle.cast(), handle_layout(UV_ASYNC));
      }
      return None;
    }
    // SAFETY: an initialised handle; the loop's liveness is JS's call (`EventPump.keepAlive`).
    unsafe { uv_unref(handle) };
    this.open_handles.fetch_add(1, Ordering::AcqRel);
    lock(&this.ready).handle = handle;
    // The check handle, too, holds a reference to the loop until it is closed.
    let check = new_handle(UV_CHECK, Arc::into_raw(this.clone()) as *mut c_void);
    // SAFETY: a fresh handle on this thread's loop.
    unsafe {
      if uv_check_init(uv_loop, check) == 0 {
        uv_check_start(check, on_check);
        uv_unref(check);
        this.open_handles.fetch_add(1, Ordering::AcqRel);
        lock(&this.check).0 = check;
      } else {
        drop(Arc::from_raw(handle_data(check) as *const JsLoop));
        alloc::dealloc(check.cast(), handle_layout(UV_CHECK));
      }
    }
    let mut remove = ptr::null_mut();
    let hook_ref = Arc::into_raw(this.clone());
    // SAFETY: the hook's argument is a reference to the loop, released by `on_cleanup`.
    let status = unsafe {
      sys::napi_add_async_cleanup_hook(env, Some(on_cleanup), hook_ref as *mut c_void, &mut remove)
    };
    if status != sys::Status::napi_ok {
      // Without the hook the handles could outlive the loop: do not use it.
      // SAFETY: the hook was not added, so its reference is ours again.
      drop(unsafe { Arc::from_raw(hook_ref) });
      this.shut_down();
      return None;
    }
    *lock(&this.cleanup) = Some(CleanupHandle(remove));
    THREAD_LOOP.with(|current| current.set(Arc::as_ptr(&this)));
    Some(this)
  }

  /// Sets what runs after each turn of jobs (once).
  pub fn after_drain(&self, hook: Box<dyn Fn() + Send + Sync>) {
    let _ = self.after_drain.set(hook);
  }

  /// True while this loop runs its jobs on the calling thread: what they report is handed over
  /// by the `after_drain` hook when they are done.
  pub fn draining_here(&self) -> bool {
    DRAINING.with(|draining| ptr::eq(draining.get(), self))
  }

  /// True on the thread that runs this loop.
  fn on_loop(&self) -> bool {
    THREAD_LOOP.with(|current| ptr::eq(current.get(), self))
  }

  fn schedule(&self, job: Arc<Job>) {
    let mut ready = lock(&self.ready);
    if ready.handle.is_null() {
      return;
    }
    ready.jobs.push_back(job);
    if !self.draining_here() && !ready.signalled {
      ready.signalled = true;
      // SAFETY: the handle is open (not null) while we hold the lock that guards its closing.
      unsafe { uv_async_send(ready.handle) };
    }
  }

  /// Runs the jobs that are ready now, once each; jobs woken meanwhile run on the loop's next
  /// turn, after the callbacks waiting there (JS gets its events between two turns).
  fn drain(self: &Arc<Self>) {
    let previous = DRAINING.with(|draining| draining.replace(Arc::as_ptr(self)));
    let jobs = {
      let mut ready = lock(&self.ready);
      ready.signalled = false;
      std::mem::take(&mut ready.jobs)
    };
    napi::bindgen_prelude::within_runtime_if_available(|| {
      for job in jobs {
        self.poll(job);
      }
    });
    DRAINING.with(|draining| draining.set(previous));
    {
      let mut ready = lock(&self.ready);
      if !ready.jobs.is_empty() && !ready.signalled && !ready.handle.is_null() {
        ready.signalled = true;
        // SAFETY: open, as above.
        unsafe { uv_async_send(ready.handle) };
      }
    }
    self.drained.store(true, Ordering::Release);
  }

  fn poll(&self, job: Arc<Job>) {
    job.scheduled.store(false, Ordering::Release);
    let waker = Waker::from(job.clone());
    let mut cx = Context::from_waker(&waker);
    let mut slot = lock(&job.future);
    let Some(future) = slot.as_mut() else {
      return;
    };
    // The futures catch their own panics (`client::guarded`); this is the last line.
    let done = !matches!(
      catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))),
      Ok(Poll::Pending)
    );
    if done {
      let finished = slot.take();
      drop(slot);
      lock(&self.jobs).remove(&job.id);
      drop(finished);
    }
  }

  /// The environment is going away: drop every job (closing its sockets), then the async handle;
  /// Node waits until the last handle is closed.
  fn shut_down(&self) {
    // From here on wake-ups schedule nothing.
    let handle = {
      let mut ready = lock(&self.ready);
      ready.jobs.clear();
      std::mem::replace(&mut ready.handle, ptr::null_mut())
    };
    let jobs = std::mem::take(&mut *lock(&self.jobs));
    for (_, job) in jobs {
      let future = lock(&job.future).take();
      drop(future);
    }
    // Sockets held elsewhere (a JS object not yet collected) are cut off from the loop too.
    let polls: Vec<usize> = lock(&self.polls).keys().copied().collect();
    for poll in polls {
      self.close_poll(poll as *mut Handle);
    }
    let check = std::mem::replace(&mut lock(&self.check).0, ptr::null_mut());
    if !check.is_null() {
      // SAFETY: the open check handle of this thread's loop, closed once (the pointer was taken).
      unsafe { uv_close(check, Some(on_check_closed)) };
    }
    if !handle.is_null() {
      // SAFETY: the open async handle of this thread's loop, closed once (the pointer was taken).
      unsafe { uv_close(handle, Some(on_async_closed)) };
    }
  }

  /// Stops and closes a poll handle of this loop, once; on the loop's thread.
  fn close_poll(&self, handle: *mut Handle) {
    let Some(closed) = lock(&self.polls).remove(&(handle as usize)) else {
      return;
    };
    closed.store(true, Ordering::Release);
    // SAFETY: an open poll handle of this thread's loop (it was registered), closed once.
    unsafe {
      uv_poll_stop(handle);
      uv_close(handle, Some(on_poll_closed));
    }
  }

  fn handle_closed(&self) {
    if self.open_handles.fetch_sub(1, Ordering::AcqRel) == 1 {
      if let Some(CleanupHandle(remove)) = lock(&self.cleanup).take() {
        // SAFETY: the handle Node gave for this hook, removed once.
        unsafe { sys::napi_remove_async_cleanup_hook(remove) };
      }
    }
  }
}

impl EventLoop for JsLoop {
  fn spawn(&self, task: Task) {
    if lock(&self.ready).handle.is_null() {
      return; // The environment is going away: the task is dropped unrun.
    }
    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
    let job = Arc::new(Job {
      id,
      owner: self.me.clone(),
      future: Mutex::new(Some(task)),
      scheduled: AtomicBool::new(false),
    });
    lock(&self.jobs).insert(id, job.clone());
    job.wake_by_ref();
  }

  fn adopt(&self, socket: TcpStream) -> io::Result<Box<dyn ByteStream>> {
    Ok(Box::new(LoopSocket::new(self, socket)?))
  }
}

unsafe extern "C" fn on_async(handle: *mut Handle) {
  // SAFETY: the data of an open async handle is a strong reference to its loop.
  let this =
    std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(handle_data(handle) as *const JsLoop) });
  this.drain();
}

unsafe extern "C" fn on_check(handle: *mut Handle) {
  // SAFETY: the data of an open check handle is its loop, alive while the handle is.
  let this = unsafe { &*(handle_data(handle) as *const JsLoop) };
  if this.drained.swap(false, Ordering::AcqRel) {
    if let Some(hook) = this.after_drain.get() {
      let _ = catch_unwind(AssertUnwindSafe(hook));
    }
  }
}

unsafe extern "C" fn on_check_closed(handle: *mut Handle) {
  // SAFETY: the reference the handle held, released once, then the handle's memory.
  let this = unsafe { Arc::from_raw(handle_data(handle) as *const JsLoop) };
  unsafe { alloc::dealloc(handle.cast(), handle_layout(UV_CHECK)) };
  this.handle_closed();
}

unsafe extern "C" fn on_async_closed(handle: *mut Handle) {
  // SAFETY: the reference the handle held, released once, then the handle's memory.
  let this = unsafe { Arc::from_raw(handle_data(handle) as *const JsLoop) };
  unsafe { alloc::dealloc(handle.cast(), handle_layout(UV_ASYNC)) };
  this.handle_closed();
}

unsafe extern "C" fn on_cleanup(_remove: sys::napi_async_cleanup_hook_handle, arg: *mut c_void) {
  // SAFETY: the reference given with the hook, released here.
  let this = unsafe { Arc::from_raw(arg as *const JsLoop) };
  let _ = catch_unwind(AssertUnwindSafe(|| this.shut_down()));
}

/// What a poll handle's callback needs: the wakers waiting for each direction.
struct PollState {
  owner: Arc<JsLoop>,
  read: Option<Waker>,
  write: Option<Waker>,
  /// The events the handle is started for.
  interest: c_int,
  /// The last read took less than it could: the socket is most likely empty, and is not asked
  /// again until the loop reports it readable (libuv's own streams do the same).
  drained: bool,
}

/// A TCP socket polled by a JS thread's loop.
pub struct LoopSocket {
  stream: Option<TcpStream>,
  handle: *mut Handle,
  /// Set when the handle was closed (by this socket, or by the loop shutting down).
  closed: Arc<AtomicBool>,
  owner: Arc<JsLoop>,
}

// SAFETY: moved between threads only as part of a connection's future; every use of `handle`
// checks that it is on the loop's thread first.
unsafe impl Send for LoopSocket {}

impl ByteStream for LoopSocket {}

impl LoopSocket {
  fn new(event_loop: &JsLoop, stream: TcpStream) -> io::Result<Self> {
    if !event_loop.on_loop() {
      return Err(io::Error::other("adopted off the event loop's thread"));
    }
    let owner = event_loop
      .me
      .upgrade()
      .filter(|owner| !lock(&owner.ready).handle.is_null())
      .ok_or_else(|| io::Error::other("the event loop is shutting down"))?;
    let state = Box::into_raw(Box::new(PollState {
      owner: owner.clone(),
      read: None,
      write: None,
      interest: 0,
      drained: false,
    }));
    let handle = new_handle(UV_POLL, state.cast());
    // SAFETY: a fresh handle on the loop of this thread, for a socket we own.
    let status = unsafe { uv_poll_init_socket(owner.uv_loop.0, handle, stream.as_raw_fd()) };
    if status != 0 {
      // SAFETY: not initialised: libuv knows nothing of the handle or its state.
      unsafe {
        drop(Box::from_raw(state));
        alloc::dealloc(handle.cast(), handle_layout(UV_POLL));
      }
      return Err(io::Error::other(format!(
        "uv_poll_init_socket failed ({status})"
      )));
    }
    // SAFETY: initialised above; liveness is JS's call.
    unsafe { uv_unref(handle) };
    owner.open_handles.fetch_add(1, Ordering::AcqRel);
    let closed = Arc::new(AtomicBool::new(false));
    lock(&owner.polls).insert(handle as usize, closed.clone());
    Ok(LoopSocket {
      stream: Some(stream),
      handle,
      closed,
      owner,
    })
  }

  fn check(&self) -> io::Result<&TcpStream> {
    match &self.stream {
      _ if self.closed.load(Ordering::Acquire) => Err(io::Error::other("the event loop shut down")),
      Some(stream) if self.owner.on_loop() => Ok(stream),
      _ => Err(io::Error::other("socket used off its event loop")),
    }
  }

  /// The poll handle's state. Only on the loop's thread (checked by the caller), and never while
  /// `on_poll` holds it (it does not call out while it does).
  fn state(&mut self) -> &mut PollState {
    // SAFETY: as above; the state lives until the handle is closed, after `self` is gone.
    unsafe { &mut *handle_data(self.handle).cast::<PollState>() }
  }

  /// Keeps `waker` to be woken when the socket is ready for `direction`.
  fn wait(&mut self, direction: c_int, waker: &Waker) {
    let handle = self.handle;
    let state = self.state();
    let slot = if direction == UV_READABLE {
      &mut state.read
    } else {
      &mut state.write
    };
    if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
      *slot = Some(waker.clone());
    }
    if state.interest & direction == 0 {
      state.interest |= direction;
      // SAFETY: an open handle of this thread's loop.
      unsafe { uv_poll_start(handle, state.interest, on_poll) };
    }
  }
}

unsafe extern "C" fn on_poll(handle: *mut Handle, status: c_int, events: c_int) {
  let (owner, wakers) = {
    // SAFETY: the state of an open poll handle; no other reference to it is live in a callback.
    let state = unsafe { &mut *handle_data(handle).cast::<PollState>() };
    let fired = if status < 0 {
      UV_READABLE | UV_WRITABLE
    } else {
      events
    };
    let mut wakers = [None, None];
    let before = state.interest;
    for (i, direction) in [UV_READABLE, UV_WRITABLE].into_iter().enumerate() {
      if fired & direction == 0 {
        continue;
      }
      let slot = if direction == UV_READABLE {
        &mut state.read
      } else {
        &mut state.write
      };
      if direction == UV_READABLE {
        state.drained = false;
      }
      match slot.take() {
        Some(waker) => wakers[i] = Some(waker),
        // Nobody waits for it (a paused reader, a finished write): stop watching, or libuv would
        // report it again on every turn.
        None => state.interest &= !direction,
      }
    }
    if state.interest != before {
      // SAFETY: an open handle of this thread's loop.
      unsafe {
        if state.interest == 0 {
          uv_poll_stop(handle);
        } else {
          uv_poll_start(handle, state.interest, on_poll);
        }
      }
    }
    (state.owner.clone(), wakers)
  };
  let previous = DRAINING.with(|draining| draining.replace(Arc::as_ptr(&owner)));
  for waker in wakers.into_iter().flatten() {
    waker.wake();
  }
  DRAINING.with(|draining| draining.set(previous));
  owner.drain();
}

unsafe extern "C" fn on_poll_closed(handle: *mut Handle) {
  // SAFETY: the state and memory of a closed handle, released once.
  let state = unsafe { Box::from_raw(handle_data(handle).cast::<PollState>()) };
  unsafe { alloc::dealloc(handle.cast(), handle_layout(UV_POLL)) };
  state.owner.handle_closed();
}

impl Drop for LoopSocket {
  fn drop(&mut self) {
    if self.owner.on_loop() {
      self.owner.close_poll(self.handle);
    } else if !self.closed.load(Ordering::Acquire) {
      // libuv may only be touched on its thread: leak the handle and keep the descriptor open
      // (closing it under an active poll handle could misdirect events to a reused descriptor).
      std::mem::forget(self.stream.take());
      return;
    }
    // The handle no longer polls the descriptor (uv_close stops polling at once): close it.
    drop(self.stream.take());
  }
}

impl AsyncRead for LoopSocket {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    let fd = this.check()?.as_raw_fd();
    if this.state().drained {
      this.wait(UV_READABLE, cx.waker());
      return Poll::Pending;
    }
    loop {
      // SAFETY: recv writes at most `len` bytes into the unfilled part, which it then initialised.
      let read = unsafe {
        let unfilled = buf.unfilled_mut();
        libc::recv(fd, unfilled.as_mut_ptr().cast(), unfilled.len(), 0)
      };
      if read >= 0 {
        let read = read as usize;
        this.state().drained = read > 0 && read < buf.remaining();
        // SAFETY: `read` bytes were written by recv.
        unsafe { buf.assume_init(read) };
        buf.advance(read);
        return Poll::Ready(Ok(()));
      }
      let error = io::Error::last_os_error();
      match error.kind() {
        io::ErrorKind::Interrupted => continue,
        io::ErrorKind::WouldBlock => {
          this.wait(UV_READABLE, cx.waker());
          return Poll::Pending;
        }
        _ => return Poll::Ready(Err(error)),
      }
    }
  }
}

impl LoopSocket {
  fn poll_io<T>(
    &mut self,
    cx: &mut Context<'_>,
    mut io: impl FnMut(&TcpStream) -> io::Result<T>,
  ) -> Poll<io::Result<T>> {
    loop {
      let result = io(self.check()?);
      match result {
        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
          self.wait(UV_WRITABLE, cx.waker());
          return Poll::Pending;
        }
        other => return Poll::Ready(other),
      }
    }
  }
}

impl AsyncWrite for LoopSocket {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    self.get_mut().poll_io(cx, |mut stream| stream.write(buf))
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    self
      .get_mut()
      .poll_io(cx, |mut stream| stream.write_vectored(bufs))
  }

  fn is_write_vectored(&self) -> bool {
    true
  }

  fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Poll::Ready(Ok(()))
  }

  fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Poll::Ready(
      self
        .get_mut()
        .check()
        .and_then(|s| s.shutdown(Shutdown::Write)),
    )
  }
}
