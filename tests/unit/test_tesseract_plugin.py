"""The tesseract plug-in's pure parts: TSV parsing, its params model, language checks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

pytest.importorskip("docwarden_tesseract", reason="pip install -e plugins/docwarden-tesseract")

from docwarden_tesseract.engine import TesseractEngine, TesseractParams, confidence
from docwarden_tesseract.tesseract_cli import check_languages
from docwarden_tesseract.tsv import join_words, parse_tsv

from docwarden.engines.registry import engine_spec
from docwarden.engines.spec import InputKind
from docwarden.errors import InvalidInput

HEADER = "\t".join(("level", "page_num", "block_num", "par_num", "line_num", "word_num",
                    "left", "top", "width", "height", "conf", "text"))


def tsv(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


# Two lines of one paragraph; a second block with a line whose only word is blank.
SAMPLE = tsv(
    "1\t1\t0\t0\t0\t0\t0\t0\t900\t220\t-1\t",
    "2\t1\t1\t0\t0\t0\t33\t46\t295\t117\t-1\t",
    "3\t1\t1\t1\t0\t0\t33\t46\t295\t117\t-1\t",
    "4\t1\t1\t1\t1\t0\t33\t46\t295\t44\t-1\t",
    "5\t1\t1\t1\t1\t1\t33\t46\t120\t36\t90.0\tHello",
    "5\t1\t1\t1\t1\t2\t160\t47\t100\t38\t70.0\tworld",
    "4\t1\t1\t1\t2\t0\t33\t126\t261\t37\t-1\t",
    "5\t1\t1\t1\t2\t1\t33\t126\t87\t35\t95.5\tagain",
    "2\t1\t2\t0\t0\t0\t10\t200\t50\t10\t-1\t",
    "3\t1\t2\t1\t0\t0\t10\t200\t50\t10\t-1\t",
    "4\t1\t2\t1\t1\t0\t10\t200\t50\t10\t-1\t",
    "5\t1\t2\t1\t1\t1\t10\t200\t50\t10\t95\t ",
)


def test_lines_carry_the_line_box_and_the_mean_word_confidence() -> None:
    lines = parse_tsv(SAMPLE)
    assert [line["text"] for line in lines] == ["Hello world", "again"]
    assert lines[0]["score"] == 0.8
    assert lines[0]["box"] == [[33.0, 46.0], [328.0, 46.0], [328.0, 90.0], [33.0, 90.0]]
    assert lines[1]["score"] == 0.955


def test_the_text_output_gives_the_spacing_when_it_has_one_line_per_tsv_line() -> None:
    korean = tsv("4\t1\t1\t1\t1\t0\t0\t0\t90\t30\t-1\t",
                 "5\t1\t1\t1\t1\t1\t0\t0\t30\t30\t90\t대",
                 "5\t1\t1\t1\t1\t2\t30\t0\t30\t30\t92\t한",
                 "5\t1\t1\t1\t1\t3\t60\t0\t30\t30\t94\t민국")
    assert parse_tsv(korean)[0]["text"] == "대 한 민국"
    assert parse_tsv(korean, "대한민국\n\n\f")[0]["text"] == "대한민국"
    # Line counts that disagree: the text output is not trusted line by line.
    assert parse_tsv(korean, "대한\n민국\n")[0]["text"] == "대 한 민국"


def test_words_of_scripts_without_spaces_are_joined_without_them() -> None:
    assert join_words(["中文", "识别", "OCR", "テスト"]) == "中文识别 OCR テスト"
    assert join_words(["Съешь", "же"]) == "Съешь же"


def test_malformed_rows_are_skipped_and_a_missing_header_is_an_error() -> None:
    broken = tsv("4\t1\t1\t1\t1\t0\t0\t0\t10\t10\t-1\t",
                 "5\t1\t1\t1\t1\t1\tx\t0\t10\t10\tnan?\tbad",
                 "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t101\tover",
                 "garbage line",
                 "5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t50\tok")
    assert [line["text"] for line in parse_tsv(broken)] == ["ok"]
    assert parse_tsv(tsv()) == []
    with pytest.raises(ValueError, match="header"):
        parse_tsv("Empty page!!\n")


@pytest.mark.parametrize("lang", ["kor", "rus+eng", "chi_sim", "ara+eng+rus"])
def test_the_params_model_accepts_language_names_and_combinations(lang: str) -> None:
    assert TesseractParams.model_validate({"lang": lang}).lang == lang


@pytest.mark.parametrize("raw", [{"lang": "kor;rm -rf /"}, {"lang": "../../etc/x"},
                                 {"lang": "rus+"}, {"lang": ""}, {"lang": "-l"},
                                 {"psm": 2}, {"psm": 14}, {"psm": "x"}, {"oem": 1}])
def test_the_params_model_refuses_what_is_not_a_language_list(raw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TesseractParams.model_validate(raw)


def test_a_language_that_is_not_installed_is_a_422_naming_the_installed_ones() -> None:
    installed = frozenset({"eng", "kor", "rus"})
    check_languages("rus+eng", installed)
    with pytest.raises(InvalidInput) as raised:
        check_languages("kor+jpn+ara", installed)
    message = raised.value.message
    assert "jpn, ara not installed" in message and "installed: eng, kor, rus" in message


def test_the_entry_point_describes_an_image_engine_with_the_params_model() -> None:
    spec = engine_spec("tesseract")
    assert spec.engine == "docwarden_tesseract.engine:TesseractEngine"
    assert (spec.input, spec.params, spec.batch, spec.binary_result, spec.uses_gpu) == (
        InputKind.IMAGE, TesseractParams, True, False, False)
    assert (spec.load_rss_hint_mb, spec.job_rss_hint_mb) == (
        TesseractEngine.load_rss_hint_mb, TesseractEngine.job_rss_hint_mb)
    assert spec.validate_params({"lang": "kor", "psm": "6"}) == {"lang": "kor", "psm": 6}


def test_importing_the_engine_imports_nothing_heavy() -> None:
    code = ("import sys, docwarden_tesseract.engine; "
            "print(sorted(m for m in ('PIL', 'numpy', 'onnxruntime') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_confidence_weighs_lines_by_their_characters() -> None:
    lines = [{"text": "abcd", "score": 0.9}, {"text": "x", "score": 0.4}]
    assert confidence(lines) == pytest.approx((4 * 0.9 + 0.4) / 5)
    assert confidence([]) == 0.0
    assert confidence([{"text": "", "score": 0.9}]) == 0.0
