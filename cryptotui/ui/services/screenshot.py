"""Where the palette's "Screenshot" goes: Textual saves to the Downloads directory and fails
when there is none (a server, a container, a fresh account), so the first writable one of
Downloads, the current directory and the data directory (beside the database) is used."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from cryptotui.store.settings import default_db_path


def screenshot_dir() -> Path:
    for candidate in (platformdirs.user_downloads_path(), Path.cwd()):
        if candidate.is_dir() and os.access(candidate, os.W_OK):
            return candidate
    data = default_db_path().parent
    data.mkdir(parents=True, exist_ok=True)
    return data
