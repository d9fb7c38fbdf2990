"""SVG snapshots of the main screen at the two sizes we promise (fixed state, no clock)."""

from __future__ import annotations

import pytest

from cryptotui.ui.app import CryptoTUI
from tests.ui.test_watchlist import fixed_state


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen(snap_compare, size):
    assert snap_compare(CryptoTUI(fixed_state(), None), terminal_size=size)
