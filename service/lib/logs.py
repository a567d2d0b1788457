"""Log lines are written by a background thread, so a request never waits on stdout."""

from __future__ import annotations

import atexit
import queue
import sys
import threading
from typing import Any, BinaryIO


class QueuedWriter:
    """One per process: a queue of rendered lines and a thread that writes them."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.lines: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="samling-log", daemon=True)
        self.thread.start()
        atexit.register(self.close)

    def put(self, line: bytes) -> None:
        self.lines.put(line)

    def _run(self) -> None:
        while True:
            line = self.lines.get()
            if line is None:
                return
            batch = [line]
            while not self.lines.empty():  # write what piled up in one go
                more = self.lines.get_nowait()
                if more is None:
                    self._write(batch)
                    return
                batch.append(more)
            self._write(batch)

    def _write(self, batch: list[bytes]) -> None:
        try:
            self.stream.write(b"".join(batch))
            self.stream.flush()
        except (OSError, ValueError):
            pass  # stdout closed: nothing sensible left to do with a log line

    def close(self) -> None:
        self.lines.put(None)
        self.thread.join(timeout=2)


_writer: QueuedWriter | None = None


def writer() -> QueuedWriter:
    global _writer
    if _writer is None:
        _writer = QueuedWriter(sys.stdout.buffer)
    return _writer


class QueuedLogger:
    """A structlog logger (like BytesLogger) that hands lines to the writer thread."""

    def msg(self, message: bytes | str) -> None:
        data = message.encode() if isinstance(message, str) else message
        writer().put(data + b"\n")

    log = debug = info = warn = warning = error = critical = exception = fatal = failure = msg


def queued_logger_factory(*args: Any) -> QueuedLogger:
    return QueuedLogger()
