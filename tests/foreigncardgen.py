"""Seeded synthetic foreigner's permanent residence ID cards (new 2023 and old format).

The companion of tests/cardgen.py (same fonts, background and degradations) for
the `foreign_new` / `foreign_old` sides.  Layouts follow the printed cards:
bilingual labels (姓名/Name, 性别/Sex, 出生日期/Date of Birth, 国籍/Nationality,
有效期限/Period of Validity, 证件号码/ID No. or Card No.), the old card also
签发机关/Issuing Authority.  Numbers are structurally right: the new one is
9 + province + ISO numeric country + YYYYMMDD + sequence (odd for men) + the
MOD 11-2 check character; the old one is alpha-3 country + 4-digit place +
YYMMDD + 2 digits.  They are specimens ("样本 SPECIMEN"), not real documents.
`make_foreign_card(seed, variant, degradation)` is the entry point.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from docwarden.engines.idcard import numbers
from docwarden.engines.idcard.countries import COUNTRIES
from tests.cardgen import (
    CARD_SIZE,
    GIVEN_CHARS,
    INK_RGB,
    LABEL_RGB,
    SURNAMES,
    _background,
    _photo,
    degrade,
    font,
)

VARIANTS = ("foreign_new", "foreign_old")
AUTHORITY = "中华人民共和国国家移民管理局"
LATIN_SURNAMES = ("SMITH", "JOHNSON", "MUELLER", "MARTIN", "ROSSI", "GARCIA", "TANAKA", "KIM",
                  "NGUYEN", "IVANOV", "SILVA", "DUBOIS", "JANSEN", "WILSON", "ANDERSEN")
LATIN_GIVEN = ("ANNA", "JOHN", "MARIA", "PETER", "LUCAS", "EMMA", "DAVID", "SOFIA", "HANS",
               "YUKI", "MINJUN", "OLGA", "PEDRO", "CLAIRE", "NOAH")
PROVINCES = ("11", "31", "44", "32", "33", "51", "12", "37")


@dataclass(frozen=True)
class ForeignCard:
    variant: str
    degradation: str
    image: Image.Image
    data: bytes
    fields: dict[str, str | None]
    seed: int


def _new_number(rng: random.Random, numeric: str, birth: dt.date, sex: str) -> str:
    sequence = rng.randrange(0, 998, 2) + (1 if sex == "男" else 0)
    body = f"9{rng.choice(PROVINCES)}{numeric}{birth:%Y%m%d}{sequence:03d}"
    return body + numbers.check_char(body)


def _old_number(rng: random.Random, alpha3: str, birth: dt.date) -> str:
    return f"{alpha3}{rng.choice(PROVINCES)}00{birth:%y%m%d}{rng.randint(10, 99)}"


def foreign_fields(seed: int, variant: str) -> dict[str, str | None]:
    """The printed fields of card `seed` in `variant`, without drawing anything."""
    rng = random.Random(seed * 31 + VARIANTS.index(variant))
    alpha3 = rng.choice(sorted(COUNTRIES))
    numeric, country = COUNTRIES[alpha3]
    sex = rng.choice("男女")
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 50))
    start = dt.date(2023 if variant == "foreign_new" else rng.randint(2008, 2022),
                    rng.randint(1, 12), rng.randint(1, 28))
    end = start.replace(year=start.year + 10) - dt.timedelta(days=1)
    number = (_new_number(rng, numeric, birth, sex) if variant == "foreign_new"
              else _old_number(rng, alpha3, birth))
    chinese = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(2))
    english = f"{rng.choice(LATIN_SURNAMES)}, {rng.choice(LATIN_GIVEN)}"
    return {"name_zh": chinese, "name_en": english, "sex": sex, "birth": birth.isoformat(),
            "nationality": country, "nationality_code": alpha3, "id_number": number,
            "issuing_authority": AUTHORITY if variant == "foreign_old" else None,
            "valid_from": start.isoformat(), "valid_to": end.isoformat()}


def _dotted(iso: str | None) -> str:
    return str(iso).replace("-", ".")


def _label(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str) -> None:
    draw.text(xy, text, font=font(17), fill=LABEL_RGB, anchor="lm")


def _value(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int = 25) -> None:
    draw.text(xy, text, font=font(size), fill=INK_RGB, anchor="lm")


def render(fields: dict[str, str | None], variant: str, rng: random.Random) -> Image.Image:
    """One card face; values in black, bilingual labels in blue above or left of them."""
    image = _background(rng, CARD_SIZE, (240, 238, 230))
    draw = ImageDraw.Draw(image)
    jx, jy = rng.randint(-6, 6), rng.randint(-5, 5)
    draw.text((40 + jx, 26 + jy), "样本 SPECIMEN", font=font(15), fill=(190, 40, 40), anchor="lm")
    title = "外国人永久居留身份证" if variant == "foreign_new" else "外国人永久居留证"
    draw.text((330 + jx, 48 + jy), title, font=font(30, bold=True, serif=True), fill=INK_RGB,
              anchor="mm")
    _photo(draw, 628 + jx, 130 + jy)
    sex = f"{fields['sex']}/{'M' if fields['sex'] == '男' else 'F'}"
    rows = [("姓名/Name", str(fields["name_zh"])), ("", str(fields["name_en"]))]
    if variant == "foreign_old":
        rows = [("Name", str(fields["name_en"])), ("姓名", str(fields["name_zh"]))]
    rows += [("性别/Sex", sex), ("出生日期/Date of Birth", _dotted(fields["birth"])),
             ("国籍/Nationality", f"{fields['nationality']}/{fields['nationality_code']}"),
             ("有效期限/Period of Validity",
              f"{_dotted(fields['valid_from'])}-{_dotted(fields['valid_to'])}")]
    if variant == "foreign_old":
        rows.append(("签发机关/Issuing Authority", str(fields["issuing_authority"])))
    y = 105 + jy
    for label, value in rows:
        if label:
            _label(draw, (50 + jx, y), label)
        _value(draw, (300 + jx, y), value, 22 if len(value) > 12 else 25)
        y += 44
    number_label = "证件号码/ID No." if variant == "foreign_new" else "证件号码/Card No."
    _label(draw, (50 + jx, 480 + jy), number_label)
    draw.text((250 + jx, 480 + jy), str(fields["id_number"]), font=font(30, bold=True),
              fill=INK_RGB, anchor="lm")
    return image


def make_foreign_card(seed: int, variant: str = "foreign_new",
                      degradation: str = "clean") -> ForeignCard:
    """A deterministic card: fields from `seed`, rendered, degraded, JPEG-encoded."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    fields = foreign_fields(seed, variant)
    clean = render(fields, variant, random.Random(seed * 7907 + 3))
    image = degrade(clean, degradation, random.Random(seed * 104723 + len(degradation)))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=40 if degradation == "jpeg40" else 90)
    return ForeignCard(variant, degradation, image, buffer.getvalue(), fields, seed)
