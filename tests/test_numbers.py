"""Every number the app, lab and the card write comes from core/numbers.py; these are the forms a
reader sees (the lesson's four decimals, a tiny loss not shown as 0.0000, a missing metric)."""

import math

from neurotui.core.numbers import cell, fmt_value, lesson_round, loss_text, term_text


def test_a_loss_on_screen_has_the_lessons_four_decimals_and_never_reads_zero():
    assert loss_text(0.34657) == "0.3466"
    assert loss_text(4.52e-05) == "4.52e-05"
    assert loss_text(0.0) == "0.0000"


def test_the_lessons_rounding_keeps_the_exact_value_when_it_rounds_to_zero():
    assert lesson_round(0.00012) == "0.0001"
    assert lesson_round(4.52e-05) == "0.0 (4.52e-05)"
    assert lesson_round(math.nan) == "nan"


def test_table_cells_and_neuron_terms():
    assert cell(None, 3) == "-" and cell(0.98765, 3) == "0.988"
    assert term_text(0.5, 3) == "0.5" and term_text(1e308, 3) == "1.00e+308" and term_text(-1.25, 2) == "-1.25"
    assert loss_text(math.nan) == "nan" and loss_text(math.inf) == "inf"  # a sweep's diverged median
    assert fmt_value(1.5e300) == "1.50e+300" and fmt_value(0.9791) == "0.979"


def test_no_other_module_defines_a_number_formatter():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "neurotui"
    for name in ("def loss_text", "def _loss_text", "def _num(", "def num(v", "def fmt_loss", "def lesson_round"):
        where = [str(p.relative_to(root)) for p in root.rglob("*.py") if name in p.read_text(encoding="utf-8")]
        assert where in ([], ["core/numbers.py"]), (name, where)
