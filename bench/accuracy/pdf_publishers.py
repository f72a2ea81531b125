"""Papers set by publishers' LaTeX classes: IEEE, ACM, Springer LNCS and Elsevier.

Most papers people convert come from a publisher's class, not LaTeX's article:
IEEEtran sets two columns under a title block whose authors sit in one row across
the page and numbers its sections "IV. EVALUATION" in small capitals; acmart sets
its headings in capitals and its abstract and keywords under headings of their
own; llncs numbers its institutes; elsarticle sets a preprint in one column or,
with `5p`, two.  One paper written for this benchmark (title, three authors and
their affiliations, abstract, keywords, numbered sections and subsections, a
footnote, a bullet list, a table with its caption, references) is set by each
class; the reference is the Markdown an author would write for it, with each
class's own labels ("Abstract—", "Index Terms—", "TABLE I").  The classes come
from Debian's texlive-publishers (`apt-get install texlive-publishers`); without
pdflatex or a class, its file is left out with a message.  The files go to a
temporary folder for one run.

    python -m bench.accuracy.pdf --publishers            # adds the group "publishers"
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.accuracy.pdf_realset import installed

TITLE = "Governed Worker Processes for Serving Document Models on Small Servers"
AUTHORS = (("Ana Silva", "University of Lisbon"), ("Ben Okafor", "Lagos Data Lab"),
           ("Chen Wei", "Shenzhen Institute of Computing"))
ABSTRACT = (
    "Teams that serve optical character recognition and document conversion models on small "
    "servers see their services fail in the same few ways: memory grows with every job, one "
    "input hangs a worker for good, and each web worker loads its own copy of the model. We "
    "describe a server that runs each model in governed worker processes, recycled by job "
    "count, memory and uptime, and killed by the parent on a deadline. On a two-core server "
    "with four gigabytes of memory it kept every worker under its limit for a week of "
    "production traffic and halved the failed requests.")
KEYWORDS = ("document models", "inference serving", "memory limits")
FOOTNOTE = "Four workers with four processes each loaded sixteen copies in one report."
INTRO = (
    "Document models are served as web services by teams that rarely have more than one small "
    "server for them. A text recognition model of a few hundred megabytes fits such a server "
    "once, but web frameworks start several workers, and each loads its own copy{note}.",
    "Memory then grows with every job until the operating system swaps, and a single image "
    "that makes the model loop holds its worker until someone restarts the service. The "
    "fixes teams apply by hand, such as restarting after fifty jobs, are the same everywhere.")
RELATED = (
    "Model servers for large clusters schedule requests across many accelerators and assume "
    "that a worker that fails is replaced by the cluster. Process supervisors restart a "
    "program that exits, but they do not look inside a job that never ends.")
DESIGN = ("The server keeps one parent process that owns every worker. Only the parent kills, "
          "and a worker only records the signals it receives.")
RECYCLE = "A worker is recycled between jobs when one of three limits is reached:"
ITEMS = ("the number of jobs it has run since it started,", "its resident memory after a job, "
         "and", "the time since it started.")
ADMISSION = (
    "Before a job is accepted the parent checks the free memory of the host and refuses work "
    "that would not fit, so that a burst of large inputs is answered with a clear error "
    "instead of a crash.")
EVALUATION = ("We ran one week of production traffic against the old service and the new one. "
              "Table 1 shows the failures by cause.")
TABLE = (("Cause", "Before", "After"), ("Timeout", "412", "35"), ("Out of memory", "128", "0"),
         ("Unreadable input", "97", "61"))
CAPTION = "Failed requests by cause over one week"
CONCLUSION = ("Governing worker processes from a single parent removes the failures that teams "
              "patched by hand, and it does so without changing the models themselves.")
REFERENCES = (
    "A. Author and B. Author, Serving models on small machines, in Proc. Systems Conf., 2024.",
    "C. Writer, Process supervision in practice, Journal of Operations 12 (2023) 1-20.")
SECTIONS = ("Introduction", "Related Work", "Design", "Evaluation", "Conclusion")
SUBSECTIONS = ("Recycling", "Admission")


def body_tex() -> str:
    """The paper's sections, table and references as LaTeX, the same for every class."""
    rows = " \\\\\n".join(" & ".join(row) for row in TABLE)
    rows = rows.replace(" \\\\\n", " \\\\\n\\hline\n", 1)
    return "\n\n".join([
        "\\section{Introduction}\n" + "\n\n".join(INTRO).format(
            note="\\footnote{" + FOOTNOTE + "}"),
        "\\section{Related Work}\n" + RELATED,
        "\\section{Design}\n" + DESIGN,
        "\\subsection{Recycling}\n" + RECYCLE + "\n\\begin{itemize}\n"
        + "".join(f"\\item {item}\n" for item in ITEMS) + "\\end{itemize}",
        "\\subsection{Admission}\n" + ADMISSION,
        "\\section{Evaluation}\n" + EVALUATION + "\n\\begin{table}[h]\n\\centering\n\\caption{"
        + CAPTION + "}\n\\begin{tabular}{lrr}\n\\hline\n" + rows
        + " \\\\\n\\hline\n\\end{tabular}\n\\end{table}",
        "\\section{Conclusion}\n" + CONCLUSION,
        "\\begin{thebibliography}{9}\n" + "".join(
            f"\\bibitem{{r{i}}} {ref}\n" for i, ref in enumerate(REFERENCES))
        + "\\end{thebibliography}",
    ])


Numbering = Callable[[int, int], str]  # (section, subsection or 0) -> "3.1", "IV.", "A."


def arabic(section: int, sub: int) -> str:
    return f"{section}.{sub}" if sub else str(section)


def arabic_dot(section: int, sub: int) -> str:
    return f"{arabic(section, sub)}."


def roman(section: int, sub: int) -> str:
    return f"{'ABCDE'[sub - 1]}." if sub else f"{('I', 'II', 'III', 'IV', 'V')[section - 1]}."


def reference(number: Numbering, front: str, caption: str, refs_heading: str = "References",
              listed: bool = False) -> str:
    """The paper's Markdown under a class's front matter, numbering and caption label;
    references "[1] ..." or, `listed`, "1. ..." as the class prints them."""
    intro = [paragraph.format(note="[^1]") for paragraph in INTRO]
    table = "\n".join(["| " + " | ".join(TABLE[0]) + " |", "|---|---|---|",
                       *("| " + " | ".join(row) + " |" for row in TABLE[1:])])
    parts = [f"# {TITLE}", front,
             f"## {number(1, 0)} Introduction", *intro, f"## {number(2, 0)} Related Work",
             RELATED, f"## {number(3, 0)} Design", DESIGN,
             f"### {number(3, 1)} Recycling", RECYCLE, "\n".join(f"- {item}" for item in ITEMS),
             f"### {number(3, 2)} Admission", ADMISSION, f"## {number(4, 0)} Evaluation",
             EVALUATION, caption, table, f"## {number(5, 0)} Conclusion", CONCLUSION,
             f"## {refs_heading}",
             "\n".join(f"{i}. {ref}" if listed else f"[{i}] {ref}"
                       for i, ref in enumerate(REFERENCES, 1)),
             f"[^1]: {FOOTNOTE}"]
    return "\n\n".join(parts) + "\n"


def _authors_by_block() -> str:
    return "\n\n".join(f"{name}\n\n{place}" for name, place in AUTHORS)


def _ieee() -> tuple[str, str]:
    authors = " \\and ".join(f"\\IEEEauthorblockN{{{name}}}\\IEEEauthorblockA{{{place}}}"
                             for name, place in AUTHORS)
    tex = ("\\documentclass[conference]{IEEEtran}\n\\begin{document}\n"
           f"\\title{{{TITLE}}}\n\\author{{{authors}}}\n\\maketitle\n"
           f"\\begin{{abstract}}\n{ABSTRACT}\n\\end{{abstract}}\n"
           f"\\begin{{IEEEkeywords}}\n{', '.join(KEYWORDS)}\n\\end{{IEEEkeywords}}\n")
    front = (f"{_authors_by_block()}\n\nAbstract—{ABSTRACT}\n\n"
             f"Index Terms—{', '.join(KEYWORDS)}")
    return tex, reference(roman, front, f"TABLE I\n\n{CAPTION.upper()}", "REFERENCES")


def _acm() -> tuple[str, str]:
    authors = "".join(f"\\author{{{name}}}\\affiliation{{\\institution{{{place}}}"
                      "\\country{}}\n" for name, place in AUTHORS)
    tex = ("\\documentclass[sigconf]{acmart}\n\\settopmatter{printacmref=false}\n"
           "\\setcopyright{none}\n\\renewcommand\\footnotetextcopyrightpermission[1]{}\n"
           "\\pagestyle{plain}\n\\begin{document}\n"
           f"\\title{{{TITLE}}}\n{authors}\\begin{{abstract}}\n{ABSTRACT}\n\\end{{abstract}}\n"
           f"\\keywords{{{', '.join(KEYWORDS)}}}\n\\maketitle\n")
    front = (f"{_authors_by_block()}\n\n## Abstract\n\n{ABSTRACT}\n\n## Keywords\n\n"
             f"{', '.join(KEYWORDS)}")
    return tex, reference(arabic, front, f"Table 1: {CAPTION}")


def _llncs() -> tuple[str, str]:
    joined = {key: " \\and ".join(values) for key, values in (
        ("authors", [n for n, _ in AUTHORS]), ("places", [p for _, p in AUTHORS]),
        ("keywords", KEYWORDS))}
    tex = ("\\documentclass{llncs}\n\\begin{document}\n"
           f"\\title{{{TITLE}}}\n\\author{{{joined['authors']}}}\n"
           f"\\institute{{{joined['places']}}}\n\\maketitle\n"
           f"\\begin{{abstract}}\n{ABSTRACT}\n\\keywords{{{joined['keywords']}}}\n"
           "\\end{abstract}\n")
    names = ", ".join(n for n, _ in AUTHORS[:-1]) + f", and {AUTHORS[-1][0]}"
    places = "\n\n".join(f"{i} {place}" for i, (_, place) in enumerate(AUTHORS, 1))
    front = (f"{names}\n\n{places}\n\nAbstract. {ABSTRACT}\n\n"
             f"Keywords: {' · '.join(KEYWORDS)}")
    return tex, reference(arabic, front, f"Table 1. {CAPTION}", listed=True)


def _elsevier(options: str) -> tuple[str, str]:
    authors = "".join(f"\\author{{{name}}}\\affiliation{{organization={{{place}}}}}\n"
                      for name, place in AUTHORS)
    tex = (f"\\documentclass[{options}]{{elsarticle}}\n\\begin{{document}}\n"
           f"\\begin{{frontmatter}}\n\\title{{{TITLE}}}\n{authors}"
           f"\\begin{{abstract}}\n{ABSTRACT}\n\\end{{abstract}}\n"
           "\\begin{keyword}\n" + " \\sep ".join(KEYWORDS) + "\n\\end{keyword}\n"
           "\\end{frontmatter}\n")
    front = (f"{', '.join(n for n, _ in AUTHORS)}\n\n{', '.join(p for _, p in AUTHORS)}\n\n"
             f"## Abstract\n\n{ABSTRACT}\n\nKeywords: {', '.join(KEYWORDS)}")
    return tex, reference(arabic_dot, front, f"Table 1: {CAPTION}")


PAPERS: dict[str, Callable[[], tuple[str, str]]] = {
    "ieee_conference": _ieee,
    "acm_sigconf": _acm,
    "springer_llncs": _llncs,
    "elsevier_preprint": lambda: _elsevier("preprint,12pt"),
    "elsevier_5p": lambda: _elsevier("final,5p,times,twocolumn"),
}


def build(folder: Path, name: str) -> Path | None:
    """The paper set by one class in `folder` (source, PDF, reference); None with a
    message when pdflatex or the class is missing."""
    if not installed("pdflatex", "publishers"):
        return None
    head, ref = PAPERS[name]()
    tex = folder / f"{name}.tex"
    tex.write_text(head + body_tex() + "\n\\end{document}\n", "utf-8")
    for _ in range(2):  # the second run settles the table number and footnote marks
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                               tex.name], cwd=folder, capture_output=True, text=True,
                              check=False)
    pdf = tex.with_suffix(".pdf")
    if done.returncode or not pdf.exists():
        missing = [line for line in done.stdout.splitlines() if "not found" in line]
        print(f"publishers: {name} left out: {(missing or ['pdflatex failed'])[0]}")
        return None
    tex.with_suffix(".md").write_text(ref, "utf-8")
    return pdf


def publisher_items(folder: Path, only: str) -> list[dict[str, Any]]:
    """Bench items (see pdf.dataset) for each paper that could be set here."""
    import pypdfium2 as pdfium

    items = []
    for name in PAPERS:
        rel = f"publishers/{name}.pdf"
        if only not in rel or (pdf := build(folder, name)) is None:
            continue
        items.append({"file": rel, "path": str(pdf), "group": "publishers", "pages": None,
                      "page_count": len(pdfium.PdfDocument(str(pdf))), "truth": {},
                      "reference": pdf.with_suffix(".md").read_text("utf-8"),
                      "password": None, "scanned": False})
    return items
