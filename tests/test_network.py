"""Issue 12: half-block boundary, replay frames, the network view, weight edits, the probe."""

from neurotui.tui.widgets.boundary import HALF, HALF_COLORS, half_block_rows, half_marks


# ----- half-block boundary -------------------------------------------------------------------------
def test_half_blocks_put_two_plane_rows_in_one_text_row():
    grid = [[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    rows = half_block_rows(grid, {})
    assert len(rows) == 2 and all(len(r) == 3 for r in rows)
    # different colours above and below: the upper half block, upper cell in front, lower behind
    assert rows[0][0] == (HALF, f"{HALF_COLORS[0]} on {HALF_COLORS[-1]}")
    # one colour: a blank on that background
    assert rows[0][1] == (" ", f"on {HALF_COLORS[-1]}")
    assert rows[1][2] == (" ", f"on {HALF_COLORS[0]}")


def test_half_blocks_an_odd_row_count_and_marks():
    grid = [[0.2, 0.9], [0.2, 0.9], [0.7, 0.7]]
    rows = half_block_rows(grid, {(0, 1): "1"})
    assert len(rows) == 2
    assert rows[0][1][0] == "1"  # the data point's glyph wins its cell
    assert rows[1][0][0] == HALF and rows[1][0][1].endswith("on default")


def test_xor_digits_land_on_their_text_rows():
    marks = half_marks(None, 20, 20)
    assert sorted(marks.values()) == ["0", "0", "1", "1"]
    assert {r for r, _ in marks} <= set(range(10))  # 20 plane rows are 10 text rows
