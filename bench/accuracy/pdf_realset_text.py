"""Documents of the PDF real-producer set, as Markdown (the reference each PDF is scored on).

Every document is written in a small Markdown subset (headings, paragraphs,
bullet and numbered lists, pipe tables, fenced code) that bench/accuracy/pdf_realset.py
hands to real producers: LibreOffice (Word documents, slides), Chromium (web
pages printed), pdfLaTeX (papers).  Text is built from a seed so the "tune" and
"holdout" halves hold the same kinds of structure with different words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

WORDS = (  # noqa: SIM905 (a word list reads better as text)
    "account action advice agency amount analysis answer approach area argument article "
    "balance base behaviour benefit board budget building capacity case centre change "
    "channel choice claim client code column community company condition context contract "
    "control cost council county course culture customer data decision demand design detail "
    "device distance district effect effort energy engine error estimate event evidence "
    "factor feature field figure file finance focus force format frame function fund growth "
    "guide handle history image impact income index industry input interest issue item "
    "labour language layer level limit line load market matter measure media member memory "
    "method model month network notice number office option order output owner package "
    "pattern period person phase plan point policy pressure price process product profile "
    "project property quality question range rate reason record region report request "
    "resource result review risk route rule sample scale schedule screen section sector "
    "series service session share signal size source space stage standard state step "
    "storage strategy stream structure study subject supply support survey system table "
    "target task team term test theory threshold time tool topic total track trade trend "
    "unit update user value version view volume weather weight window work year"
).split()
VERBS = (  # noqa: SIM905
    "affects allows builds changes checks covers defines describes drives enables explains "
    "follows improves includes limits links measures meets moves needs opens prepares "
    "protects raises reduces reflects replaces requires returns serves shapes shows "
    "supports tracks uses"
).split()
ADJECTIVES = (  # noqa: SIM905
    "annual available basic central common current direct early final formal general "
    "global large local main major modern national natural new normal open original "
    "other previous primary public recent regional relevant simple single small social "
    "special specific standard strong technical total typical useful various"
).split()


def sentence(rng: random.Random) -> str:
    """A plain sentence with an occasional number, comma or parenthesis."""
    words = [rng.choice(ADJECTIVES), rng.choice(WORDS), rng.choice(VERBS)]
    words += [rng.choice(("the", "each", "a", "every", "its")), rng.choice(ADJECTIVES),
              rng.choice(WORDS)]
    for _ in range(rng.randint(2, 8)):
        roll = rng.random()
        if roll < 0.1:
            words.append(f"{rng.randint(2, 980)}")
        elif roll < 0.2:
            words[-1] += ","
            words.append(rng.choice(("and", "while", "because", "so")))
        elif roll < 0.25:
            words.append(f"({rng.choice(WORDS)} {rng.choice(WORDS)})")
        words.append(rng.choice(("in", "of", "for", "with", "across", "to")))
        words.append(rng.choice(WORDS))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def para(rng: random.Random, low: int = 3, high: int = 6) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


def phrase(rng: random.Random, low: int = 2, high: int = 4) -> str:
    """A short capitalised phrase: a heading, a list item or a table cell."""
    words = [rng.choice(ADJECTIVES + WORDS) for _ in range(rng.randint(low, high))]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def table(rng: random.Random, rows: int, long_cells: bool) -> str:
    head = [phrase(rng, 1, 2) for _ in range(4)]
    body = []
    for _ in range(rows):
        name = phrase(rng, 4, 9) if long_cells else phrase(rng, 1, 3)
        body.append([phrase(rng, 1, 2), name, f"{rng.randint(10, 9999):,}",
                     f"{rng.uniform(0, 100):.1f}%"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in body])


CODE_SAMPLES = [
    "def load(path):\n    with open(path) as handle:\n        return handle.read()\n\n"
    "print(load(\"notes.txt\"))",
    "for item in items:\n    if item.size > limit:\n        skipped.append(item)\n"
    "    else:\n        total += item.size",
    "curl -s http://localhost:8000/health\ncurl -F file=@scan.pdf http://localhost:8000/pdf",
    "SELECT region, SUM(amount)\nFROM sales\nWHERE year = 2025\nGROUP BY region;",
]


def report(seed: int) -> str:
    """A multi-page technical report with numbered sections, lists, a table and code."""
    rng = random.Random(seed)
    title = phrase(rng, 3, 5) + " " + rng.choice(("Report", "Review", "Assessment"))
    out = [f"# {title}", para(rng, 2, 3)]
    sections = rng.sample(["Introduction", "Background", "Scope and method", "Data sources",
                           "Results", "Discussion", "Costs and risks", "Next steps"], 5)
    for number, name in enumerate(sections, start=1):
        out.append(f"## {number}. {name}")
        out.append(para(rng))
        if number == 2:
            out.append(f"### {number}.1 {phrase(rng)}")
            out.append(para(rng, 2, 4))
            out.append("\n".join(f"- {phrase(rng, 3, 7)}" for _ in range(rng.randint(3, 5))))
            out.append(f"### {number}.2 {phrase(rng)}")
            out.append(para(rng, 2, 4))
        if number == 3:
            out.append(table(rng, rng.randint(4, 6), long_cells=True))
            out.append(para(rng, 2, 3))
        if number == 4:
            out.append("\n".join(f"{i}. {phrase(rng, 3, 6)}" for i in range(1, 4)))
            out.append("```\n" + rng.choice(CODE_SAMPLES) + "\n```")
        out.append(para(rng))
    return "\n\n".join(out) + "\n"


@dataclass
class Paper:
    """A short paper for LaTeX: sections of Markdown blocks, one figure, references."""

    title: str
    authors: str
    abstract: str
    sections: list[tuple[str, list[str]]]
    figure_caption: str  # the figure goes after the first block of the third section
    references: list[str]


def paper(seed: int) -> Paper:
    rng = random.Random(seed)
    title = phrase(rng, 4, 7) + " for " + phrase(rng, 1, 3)
    names = ["Ana Lima", "Boris Keller", "Chen Wei", "Dana Okafor", "Erik Sand", "Farah Aziz"]
    abstract = para(rng, 4, 6)
    sections: list[tuple[str, list[str]]] = []
    for name in ("Introduction", "Related work", "Method", "Experiments", "Conclusion"):
        blocks = [para(rng, 4, 7) for _ in range(rng.randint(2, 3))]
        if name == "Method":
            blocks.insert(1, "\n".join(f"- {phrase(rng, 3, 6)}" for _ in range(3)))
        if name == "Experiments":
            blocks.insert(1, table(rng, 4, long_cells=False))
        sections.append((name, blocks))
    references = [
        f"{rng.choice(names)}. {phrase(rng, 4, 8)}. {phrase(rng, 2, 3)}, {rng.randint(1995, 2025)}."
        for _ in range(rng.randint(3, 5))]
    return Paper(title, ", ".join(rng.sample(names, 3)), abstract, sections,
                 f"{phrase(rng, 3, 6)} across {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                 references)


def slides(seed: int) -> tuple[str, str]:
    """A slide deck: a title slide, then a heading and bullets (or a short paragraph, a
    table, two columns of bullets) each.  Returns (pandoc's source, the reference)."""
    rng = random.Random(seed)
    head = [f"# {phrase(rng, 3, 5)}", rng.choice(["Ana Lima", "Team North", "Erik Sand"])]
    source, reference = list(head), list(head)
    for index in range(rng.randint(6, 8)):
        title = f"## {phrase(rng, 2, 4)}"
        source.append(title)
        reference.append(title)
        if index == 2:
            body = [para(rng, 1, 2)]
            source += body
        elif index == 3:
            body = [table(rng, 3, long_cells=False)]
            source += body
        elif index == 4:
            sides = ["\n".join(f"- {phrase(rng, 2, 5)}" for _ in range(3)) for _ in range(2)]
            source.append(":::::: {.columns}\n" + "".join(
                f"::: {{.column width=\"50%\"}}\n{side}\n:::\n" for side in sides) + "::::::")
            body = ["\n".join(sides)]
        else:
            body = ["\n".join(f"- {phrase(rng, 3, 8)}" for _ in range(rng.randint(3, 5)))]
            source += body
        reference += body
    return "\n\n".join(source) + "\n", "\n\n".join(reference) + "\n"


def newsletter(seed: int) -> tuple[str, str, list[str]]:
    """A web newsletter: title and lead, two-column body sections, then a table below.

    Returns (head, columns, tail) as Markdown: the middle part is set in two CSS columns.
    """
    rng = random.Random(seed)
    head = f"# {phrase(rng, 3, 5)}\n\n{para(rng, 2, 3)}"
    body = []
    for _ in range(rng.randint(3, 4)):
        body += [f"## {phrase(rng, 2, 4)}", para(rng, 4, 6), para(rng, 3, 5)]
    tail = [f"## {phrase(rng, 2, 3)}", table(rng, 5, long_cells=False), para(rng, 2, 3)]
    return head, "\n\n".join(body), tail


ARABIC = [
    "تعتمد المؤسسات اليوم على البيانات في اتخاذ القرارات اليومية.",
    "يستخدم الفريق لغة Python لتحليل الملفات الكبيرة بسرعة.",
    "بلغت نسبة النمو في عام 2024 حوالي 15% مقارنة بالعام السابق.",
    "تساعد أدوات مثل pandas و NumPy على تنظيف الجداول وتحويلها.",
    "يجب حفظ النسخ الاحتياطية في مكان آمن بعيدا عن الخادم الرئيسي.",
    "تعرض لوحة المتابعة عدد الطلبات وزمن الاستجابة لكل خدمة.",
    "أضافت الشركة واجهة API جديدة تسمح للعملاء بإرسال المستندات.",
    "يقرأ النظام ملفات PDF ويحولها إلى نص منظم يسهل البحث فيه.",
    "تحتاج النماذج الكبيرة إلى ذاكرة كافية وإلا توقفت الخدمة.",
    "قام المهندسون بقياس الأداء على خادم صغير يحتوي على 4 أنوية.",
    "ترسل التقارير الشهرية إلى الإدارة في اليوم الأول من كل شهر.",
    "تم تدريب الموظفين الجدد على استخدام النظام خلال أسبوعين.",
    "تظهر النتائج أن الخدمة أصبحت أسرع بثلاث مرات بعد التحديث.",
    "يمكن تشغيل البرنامج على Linux أو Windows دون تغييرات كبيرة.",
]
ARABIC_HEADINGS = ["مقدمة", "أهداف المشروع", "النتائج الرئيسية", "الخطوات القادمة",
                   "المتطلبات التقنية", "الخلاصة"]
KOREAN = [
    "회사는 지난해 새로운 제품을 출시하여 매출이 크게 늘었습니다.",
    "고객 만족도를 높이기 위해 서비스 센터를 확대할 예정입니다.",
    "연구 개발 비용은 전년 대비 12% 증가하였습니다.",
    "새로운 시스템은 Python으로 작성되었으며 서버 두 대에서 운영됩니다.",
    "직원 교육 프로그램은 매달 첫째 주에 진행됩니다.",
    "해외 시장 진출을 위해 현지 협력사와 계약을 맺었습니다.",
    "품질 검사를 강화한 결과 불량률이 절반으로 줄었습니다.",
    "올해 목표는 온라인 판매 비중을 40%까지 높이는 것입니다.",
    "문서 변환 서비스는 하루에 약 3,000건의 요청을 처리합니다.",
    "환경 보호를 위해 포장재를 재활용 소재로 바꾸었습니다.",
    "자세한 내용은 다음 장의 표에서 확인할 수 있습니다.",
    "모든 데이터는 암호화되어 안전하게 보관됩니다.",
    "신규 고객의 절반 이상이 모바일 앱을 통해 가입하였습니다.",
    "운영 비용을 줄이기 위해 클라우드 서버를 도입하였습니다.",
]
KOREAN_HEADINGS = ["사업 개요", "주요 성과", "시장 현황", "향후 계획", "위험 요인", "결론"]
KOREAN_TABLE = [["구분", "2024년", "2025년", "증감"],
                ["매출액", "1,250억 원", "1,480억 원", "18.4%"],
                ["영업이익", "210억 원", "265억 원", "26.2%"],
                ["직원 수", "820명", "905명", "10.4%"],
                ["해외 매출 비중", "22%", "31%", "9%p"]]
ARABIC_TABLE = [["البند", "2024", "2025"],
                ["عدد العملاء", "1,200", "1,850"],
                ["الطلبات اليومية", "3,400", "5,100"],
                ["زمن الاستجابة", "240 ms", "180 ms"]]


def _pipe(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])


def _script_doc(rng: random.Random, sentences: list[str], headings: list[str], title: str,
                table_rows: list[list[str]], bullets: bool) -> str:
    out = [f"# {title}"]
    chosen = rng.sample(headings, 4)
    for number, heading in enumerate(chosen, start=1):
        out.append(f"## {number}. {heading}")
        for _ in range(rng.randint(1, 2)):
            out.append(" ".join(rng.sample(sentences, rng.randint(3, 5))))
        if number == 2 and bullets:
            out.append("\n".join(f"- {s.rstrip('.')}" for s in rng.sample(sentences, 3)))
        if number == 3:
            out.append(_pipe(table_rows))
    return "\n\n".join(out) + "\n"


def arabic(seed: int) -> str:
    rng = random.Random(seed)
    title = rng.choice(["تقرير الأداء السنوي لعام 2025", "خطة تطوير الخدمات الرقمية"])
    return _script_doc(rng, ARABIC, ARABIC_HEADINGS, title, ARABIC_TABLE, bullets=True)


def korean(seed: int) -> str:
    rng = random.Random(seed)
    title = rng.choice(["2025년 사업 보고서", "디지털 서비스 운영 현황"])
    return _script_doc(rng, KOREAN, KOREAN_HEADINGS, title, KOREAN_TABLE, bullets=True)
