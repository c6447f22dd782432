"""Every worker dies with the server that started it.

Three layers, because each alone has a gap:
- `PR_SET_PDEATHSIG` (Linux): the kernel sends SIGKILL the moment our parent
  dies. It only covers a parent that is alive when we ask, so it is set first
  thing, before the seconds of torch imports.
- a daemon thread polling every `POLL_SECONDS`: our parent changed (we were
  reparented: it died before prctl, or on a system without prctl), or the
  server named by `SELFTUNE_SERVER_PID` is gone (torchrun ranks, whose parent
  is torchrun, not the server).
- stdin EOF, where the worker reads commands there (protocol.Commands, the
  inference worker's reader): the server closed the pipe or died.
"""
import os
import signal
import sys
import threading
import time

# Exit status when the server (our parent) is gone: nothing is emitted then.
EXIT_PARENT_GONE = 3
POLL_SECONDS = 0.25
SERVER_PID_ENV = "SELFTUNE_SERVER_PID"

_started = False


def watch_parent(parent_pid=None, server_pid=None):
    """Start the watch once per process; later calls are no-ops."""
    global _started
    if _started:
        return
    _started = True
    parent = parent_pid if parent_pid is not None else os.getppid()
    server = server_pid if server_pid is not None else _int_env(SERVER_PID_ENV)
    _set_pdeathsig()
    if _gone(parent, server):  # it died before the kernel watch was armed
        os._exit(EXIT_PARENT_GONE)
    threading.Thread(target=_poll, args=(parent, server), name="parent-watch", daemon=True).start()


def _poll(parent, server):
    while not _gone(parent, server):
        time.sleep(POLL_SECONDS)
    os._exit(EXIT_PARENT_GONE)


def _gone(parent, server):
    if os.getppid() != parent:
        return True
    return server is not None and not _alive(server)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed server its own parent has not reaped yet is a zombie: as good as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _set_pdeathsig():
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # the polling thread still covers us


def _int_env(name):
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return None
