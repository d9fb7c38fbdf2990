"""The Rich console commands print tables with.

Rich handles a closed pipe itself (it exits with status 1); this console hands the
`BrokenPipeError` on instead, so `main` ends every command the same way when the reader goes
away (`| head`): quietly, exit 141.
"""

from __future__ import annotations

from rich.console import Console


class PipeConsole(Console):
    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more to write: the reader is gone
        raise BrokenPipeError
