import json
import math
import sys

import pandas as pd
import pytest

from atlas.escape import escape_html, escape_html_all, script_json

HOSTILE = "<script>alert(1)</script> `${alert(2)}` <img src=x onerror=alert(3)> \\ ' \""


def test_escape_html_leaves_no_markup_or_template_syntax():
    escaped = escape_html(HOSTILE)
    for dangerous in ("<", ">", "`", "${", "\\", "'", '"'):
        assert dangerous not in escaped
    assert "&lt;script&gt;" in escaped
    assert "&#96;&#36;&#123;alert(2)&#125;&#96;" in escaped


def test_escape_html_keeps_ordinary_text_and_accents():
    assert escape_html("Ségou & Ménaka") == "Ségou &amp; Ménaka"
    assert escape_html(12) == "12"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_escape_html_turns_missing_values_into_empty_text(missing):
    assert escape_html(missing) == ""


def test_script_json_cannot_close_the_script_element():
    text = script_json(["</script><script>alert(1)</script>", "<!--", "\u2028"])
    assert "</" not in text
    assert "<!--" not in text
    assert "\u2028" not in text
    assert json.loads(text) == ["</script><script>alert(1)</script>", "<!--", "\u2028"]


def test_script_json_refuses_nan():
    with pytest.raises(ValueError, match="not JSON compliant"):
        script_json([math.nan])


def test_escaping_a_whole_column_equals_escaping_each_value():
    values = [HOSTILE, "Ségou & Ménaka", "&amp; already", "", "{}$`\\", "Tombouctou\u2028"]
    column = pd.Series([*values, None], dtype="string")
    assert escape_html_all(column) == [escape_html(v) for v in values] + [""]


def test_script_json_is_ascii_and_reads_back_as_given():
    value = {"name": "Ménaka – “Ansongo” 𝔸 ٱلنيجر", "n": [1, 2.5, None]}
    text = script_json(value)
    assert text.isascii()
    assert json.loads(text) == value
    # Python keeps ASCII text at one byte a character, whatever the data's alphabet.
    assert sys.getsizeof(script_json(["x" * 1000 + "–"])) < 1100
