"""Seeded synthetic second-generation ID cards (front and back) with known fields.

Used by the idcard tests and by bench/accuracy/idcard.py.  Cards are drawn at
856x540 (85.6 x 54 mm at 10 px/mm) with Pillow and the Noto CJK fonts, on a
pale guilloche-like background, with a grey photo placeholder and a red
"样本 SPECIMEN" stamp; they are not real documents and show no emblem.  People,
streets and numbers are random (valid GB 11643 check characters on real
GB/T 2260 districts).  Positions and sizes jitter a little so parsing is not
tuned to one exact layout.  Degradations: quarter turns, small skew (1-3°),
gaussian blur, JPEG q=40, half resolution, the card keystoned on a textured
background, and the same card small in a 3000x2250 photo ("distant").
PHONE_CONDITIONS are harder photo-like conditions: any rotation, motion blur
in any direction, glare, a shadow, a far and strongly tilted shot, low light
with sensor noise, and a heavily compressed small image.
`make_card(seed, side, degradation)` is the entry point; the same arguments
always give the same pixels.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from docwarden.engines.idcard import numbers, regions
from docwarden.engines.idcard.ethnicities import ETHNICITIES
from tests.phonegen import perspective as _perspective
from tests.phonegen import phone_condition
from tests.phonegen import textured as _textured

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"),
             Path("/usr/share/fonts/truetype/noto"), Path("/usr/local/share/fonts"))
CARD_SIZE = (856, 540)
DEGRADATIONS = ("clean", "rot90", "rot180", "rot270", "skew", "blur", "jpeg40", "lowres",
                "background", "distant")
PHONE_CONDITIONS = ("rotated", "motion", "glare", "shadow", "far_tilted", "noise", "jpeg15")
CONDITIONS = (*DEGRADATIONS, *PHONE_CONDITIONS)
JPEG_QUALITY = {"jpeg40": 40, "jpeg15": 15}
LABEL_RGB = (58, 102, 150)
INK_RGB = (20, 20, 20)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐")
GIVEN_CHARS = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍建国志红梅鹏飞俊杰晓东海燕雪峰子涵思远雨欣浩然嘉怡文博宇轩梓萱一鸣佳琪天佑婉清振宇"  # noqa: E501
DOTTED_PARTS = ("买买提", "艾力", "阿卜杜拉", "古丽", "热依拉", "努尔", "艾合买提", "吐尔逊",
                "帕提古丽", "迪丽热巴", "阿依努尔", "库尔班", "叶尔兰", "巴特尔", "其其格")
STREET_STEMS = ("光明", "建设", "人民", "解放", "和平", "幸福", "胜利", "新华", "文化", "朝阳",
                "友谊", "长安", "民主", "青年", "中山", "育才", "兴业", "滨河", "翠湖", "金桥",
                "银杏", "松林", "枫林", "桃源", "清水", "望江", "临河", "锦绣")
STREET_KINDS = ("路", "街", "大道", "巷", "大街", "北路", "南路", "西街", "东巷")
PLACE_KINDS = ("小区", "花园", "新村", "社区", "家园", "公寓")


@dataclass(frozen=True)
class Card:
    """A generated card: the (degraded) image, its encoded bytes and the printed fields."""

    side: str
    degradation: str
    image: Image.Image
    data: bytes
    fields: dict[str, str | None]
    seed: int


def _font_file(name: str) -> Path | None:
    return next((d / name for d in FONT_DIRS if (d / name).is_file()), None)


def fonts_available() -> bool:
    """Whether the Noto CJK fonts (Debian fonts-noto-cjk) are installed."""
    return _font_file("NotoSansCJK-Regular.ttc") is not None


@cache
def font(size: int, bold: bool = False, serif: bool = False) -> ImageFont.FreeTypeFont:
    """A Simplified-Chinese face of the Noto CJK collection (the SC index is found by name)."""
    family = "Serif" if serif else "Sans"
    path = _font_file(f"Noto{family}CJK-{'Bold' if bold else 'Regular'}.ttc")
    if path is None:
        raise FileNotFoundError("Noto CJK fonts not found (Debian package fonts-noto-cjk)")
    for index in range(10):
        try:
            face = ImageFont.truetype(str(path), size, index=index)
        except OSError:
            break
        if (face.getname()[0] or "").endswith(" SC"):
            return face
    return ImageFont.truetype(str(path), size)


@cache
def _counties() -> tuple[str, ...]:
    table = regions.current_table()
    return tuple(code for code in table if not code.endswith("00") and code[:2] not in
                 {"71", "81", "82", "83"} and regions.lookup(code) is not None)


def _name(rng: random.Random, ethnicity: str) -> str:
    if ethnicity in {"维吾尔", "哈萨克", "柯尔克孜", "塔吉克"} and rng.random() < 0.8:
        return "·".join(rng.sample(DOTTED_PARTS, 2))
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.08 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def _address(rng: random.Random, region_name: str) -> str:
    street = rng.choice(STREET_STEMS) + rng.choice(STREET_KINDS)
    number = f"{rng.randint(1, 999)}号"
    tail = rng.choice((
        number,
        f"{number}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2808)}室",
        f"{number}{rng.choice(STREET_STEMS)}{rng.choice(PLACE_KINDS)}{rng.randint(1, 40)}幢",
        f"{rng.choice(STREET_STEMS)}村{rng.randint(1, 12)}组{number}",
    ))
    return region_name + street + tail


def person(rng: random.Random) -> dict[str, str | None]:
    """Random front fields whose ID number agrees with the printed birth date, sex, region."""
    code = rng.choice(_counties())
    region = regions.lookup(code)
    assert region is not None
    ethnicity = "汉" if rng.random() < 0.6 else rng.choice(ETHNICITIES)
    sex = rng.choice("男女")
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 75))
    sequence = rng.randrange(0, 998, 2) + (1 if sex == "男" else 0)
    body = f"{code}{birth:%Y%m%d}{sequence:03d}"
    return {"name": _name(rng, ethnicity), "sex": sex, "ethnicity": ethnicity,
            "birth": birth.isoformat(), "address": _address(rng, region.name),
            "id_number": body + numbers.check_char(body)}


def back_fields(rng: random.Random, front: dict[str, str | None]) -> dict[str, str | None]:
    """Issuing authority of the holder's district and a validity period by age (5/10/20/长期)."""
    code = str(front["id_number"])[:6]
    table = regions.current_table()
    county = table[code]
    city = table.get(code[:4] + "00") or table[code[:2] + "0000"]
    authority = (f"{city}公安局{county[:-1]}分局" if county.endswith("区") and len(county) > 2
                 else f"{county}公安局")
    birth = dt.date.fromisoformat(str(front["birth"]))
    start = dt.date(rng.randint(max(birth.year + 1, 2004), 2024), rng.randint(1, 12),
                    rng.randint(1, 28))
    age = start.year - birth.year
    years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else 0
    end = start.replace(year=start.year + years).isoformat() if years else "长期"
    return {"issuing_authority": authority, "valid_from": start.isoformat(), "valid_to": end}


def _background(rng: random.Random, size: tuple[int, int], tint: tuple[int, int, int]) -> (
        Image.Image):
    """Pale gradient with wavy guilloche-like lines, like the printed security pattern."""
    width, height = size
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    base = np.array(tint, dtype=np.float32)[None, None, :]
    pixels = np.broadcast_to(base - 10 * ramp, (height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    phase, period = rng.uniform(0, 6.28), rng.uniform(90, 140)
    for y0 in range(-20, height + 20, rng.randint(14, 20)):
        points = [(x, y0 + 9 * math.sin(x / period * 6.28 + phase + y0 / 37))
                  for x in range(0, width + 8, 8)]
        draw.line(points, fill=(168, 198, 222), width=1)
    return image


def _spaced(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str,
            face: ImageFont.FreeTypeFont, fill: tuple[int, int, int], gap_px: float) -> float:
    """Draw `text` letter-spaced (labels are printed spread out); return the end x."""
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=face, fill=fill, anchor="lm")
        x += face.getlength(char) + gap_px
    return x


def _wrap(text: str, face: ImageFont.FreeTypeFont, width_px: float) -> list[str]:
    lines = [""]
    for char in text:
        if face.getlength(lines[-1] + char) > width_px:
            lines.append("")
        lines[-1] += char
    return lines


def _photo(draw: ImageDraw.ImageDraw, left: int, top: int) -> None:
    draw.rectangle((left, top, left + 210, top + 270), fill=(226, 230, 236))
    draw.ellipse((left + 58, top + 60, left + 152, top + 154), fill=(170, 176, 186))
    draw.pieslice((left + 16, top + 150, left + 194, top + 390), 180, 360, fill=(170, 176, 186))


def render_front(fields: dict[str, str | None], rng: random.Random,
                 labels: dict[str, str] | None = None) -> Image.Image:
    """Front side: labels in blue, values in black, number in bold at the bottom.

    `labels` prints other text in place of a label ({"姓名": "娃名"}): how a test shows the
    reader a label misread by the recogniser, with real pixels.
    """
    printed = labels or {}
    image = _background(rng, CARD_SIZE, (236, 243, 247))
    draw = ImageDraw.Draw(image)
    jx, jy = rng.randint(-8, 8), rng.randint(-6, 6)
    label, value = font(rng.randint(21, 24)), font(rng.randint(25, 28))
    gap = rng.choice((0.0, 6.0, 10.0))
    col = 150 + jx
    draw.text((40 + jx, 30 + jy), "样本 SPECIMEN", font=font(15), fill=(190, 40, 40), anchor="lm")
    _photo(draw, 590 + jx, 60 + jy)
    rows = {"姓名": 82, "性别": 138, "出生": 195, "住址": 252}
    for text, y in rows.items():
        _spaced(draw, (60 + jx, y + jy), printed.get(text, text), label, LABEL_RGB, gap)
    draw.text((col, 82 + jy), str(fields["name"]), font=value, fill=INK_RGB, anchor="lm")
    draw.text((col, 138 + jy), str(fields["sex"]), font=value, fill=INK_RGB, anchor="lm")
    end = _spaced(draw, (260 + jx, 138 + jy), "民族", label, LABEL_RGB, gap)
    draw.text((end + 22, 138 + jy), str(fields["ethnicity"]), font=value, fill=INK_RGB,
              anchor="lm")
    _birth(draw, (col, 195 + jy), str(fields["birth"]), value, label)
    for index, text in enumerate(_wrap(str(fields["address"]), value, 320 + rng.randint(0, 40))):
        draw.text((col, 252 + jy + 38 * index), text, font=value, fill=INK_RGB, anchor="lm")
    _spaced(draw, (60 + jx, 460 + jy), "公民身份号码", font(20), LABEL_RGB, gap / 3)
    draw.text((245 + jx, 462 + jy), str(fields["id_number"]), font=font(30, bold=True),
              fill=INK_RGB, anchor="lm")
    return image


def _birth(draw: ImageDraw.ImageDraw, xy: tuple[float, float], iso: str,
           value: ImageFont.FreeTypeFont, label: ImageFont.FreeTypeFont) -> None:
    """'1990 年 5 月 12 日' with the digits in ink and 年月日 in label blue."""
    date = dt.date.fromisoformat(iso)
    x, y = xy
    for number, unit in ((str(date.year), "年"), (str(date.month), "月"), (str(date.day), "日")):
        draw.text((x, y), number, font=value, fill=INK_RGB, anchor="lm")
        x += value.getlength(number) + 8
        draw.text((x, y), unit, font=label, fill=LABEL_RGB, anchor="lm")
        x += label.getlength(unit) + 14


def render_back(fields: dict[str, str | None], rng: random.Random) -> Image.Image:
    """Back side: titles, 签发机关 and 有效期限 (YYYY.MM.DD-YYYY.MM.DD or -长期)."""
    image = _background(rng, CARD_SIZE, (238, 240, 248))
    draw = ImageDraw.Draw(image)
    jx, jy = rng.randint(-8, 8), rng.randint(-6, 6)
    draw.text((40 + jx, 30 + jy), "样本 SPECIMEN", font=font(15), fill=(190, 40, 40), anchor="lm")
    draw.ellipse((70 + jx, 60 + jy, 190 + jx, 180 + jy), outline=(190, 50, 50), width=3)
    draw.text((410 + jx, 105 + jy), "中华人民共和国", font=font(44, bold=True, serif=True),
              fill=INK_RGB, anchor="mm")
    draw.text((430 + jx, 195 + jy), "居民身份证", font=font(56, bold=True, serif=True),
              fill=INK_RGB, anchor="mm")
    label, value = font(rng.randint(21, 24)), font(rng.randint(23, 26))
    gap = rng.choice((0.0, 4.0))
    _spaced(draw, (170 + jx, 388 + jy), "签发机关", label, LABEL_RGB, gap)
    _spaced(draw, (170 + jx, 448 + jy), "有效期限", label, LABEL_RGB, gap)
    draw.text((290 + jx, 388 + jy), str(fields["issuing_authority"]), font=value, fill=INK_RGB,
              anchor="lm")
    start = str(fields["valid_from"]).replace("-", ".")
    end = str(fields["valid_to"]).replace("-", ".")
    draw.text((290 + jx, 448 + jy), f"{start}-{end}", font=value, fill=INK_RGB, anchor="lm")
    return image


def _on_background(card: Image.Image, rng: random.Random, canvas_size: tuple[int, int],
                   scale: float) -> Image.Image:
    """The card, keystoned and tilted a little, lying on a textured surface."""
    small = card.resize((round(card.width * scale), round(card.height * scale)),
                        Image.Resampling.LANCZOS)
    tilted = _perspective(small, rng, 0.04).rotate(rng.uniform(-3, 3), Image.Resampling.BICUBIC,
                                                   expand=True)
    canvas = _textured(rng, canvas_size)
    left = rng.randint(20, canvas.width - tilted.width - 20)
    top = rng.randint(20, canvas.height - tilted.height - 20)
    canvas.paste(tilted, (left, top), tilted)
    return canvas


def degrade(image: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """One degradation of DEGRADATIONS (JPEG quality is applied when encoding)."""
    if kind in {"rot90", "rot180", "rot270"}:
        return image.rotate(int(kind[3:]), expand=True)
    if kind == "skew":
        angle = rng.choice((-1, 1)) * rng.uniform(1.0, 3.0)
        return image.rotate(angle, Image.Resampling.BICUBIC, expand=True,
                            fillcolor=(250, 250, 250))
    if kind == "blur":
        return image.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.6)))
    if kind == "lowres":
        return image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    if kind == "background":
        return _on_background(image, rng, (1280, 960), rng.uniform(0.75, 1.0))
    if kind == "distant":
        return _on_background(image, rng, (3000, 2250), rng.uniform(0.9, 1.2))
    if kind in {"clean", "jpeg40"}:
        return image
    if kind in PHONE_CONDITIONS:
        return phone_condition(image, kind, rng)
    raise ValueError(f"unknown degradation {kind!r}; known: {', '.join(CONDITIONS)}")


def card_fields(seed: int) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The printed fields of card `seed`, front and back, without drawing anything."""
    rng = random.Random(seed)
    front = person(rng)
    return front, back_fields(rng, front)


def make_card(seed: int, side: str = "front", degradation: str = "clean",
              fields: dict[str, str | None] | None = None,
              labels: dict[str, str] | None = None) -> Card:
    """A deterministic card: fields drawn from `seed`, rendered, degraded, JPEG-encoded.

    `fields` overrides printed values (a name, an ethnicity) and `labels` printed front
    labels; without them the card is the one the bench reads for this seed.
    """
    front, back = card_fields(seed)
    if side == "front":
        front = {**front, **(fields or {})}
    else:
        back = {**back, **(fields or {})}
    render_rng = random.Random(seed * 7919 + 1)
    clean = (render_front(front, render_rng, labels) if side == "front"
             else render_back(back, render_rng))
    salt = len(degradation) if degradation in DEGRADATIONS else zlib.crc32(degradation.encode())
    image = degrade(clean, degradation, random.Random(seed * 104729 + salt))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY.get(degradation, 90))
    return Card(side, degradation, image, buffer.getvalue(), front if side == "front" else back,
                seed)
