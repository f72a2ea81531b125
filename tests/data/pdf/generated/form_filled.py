"""Makes form_filled.pdf: a filled AcroForm (bench environment: pip install reportlab)."""

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FIELDS = [("Full name", "name", "Ana Silva"), ("City", "city", "Lisbon"),
          ("Card number", "card", "LX-2026-0417")]

pdf = canvas.Canvas("form_filled.pdf", pagesize=A4)
pdf.setFont("Helvetica-Bold", 16)
pdf.drawString(72, 780, "Application for a library card")
pdf.setFont("Helvetica", 11)
y = 730
for label, name, value in FIELDS:
    pdf.drawString(72, y, label + ":")
    pdf.acroForm.textfield(name=name, value=value, x=180, y=y - 5, width=250, height=18,
                           borderWidth=0, fontSize=11)
    y -= 36
pdf.drawString(72, y, "Member of staff:")
pdf.acroForm.checkbox(name="staff", x=180, y=y - 4, size=14, checked=True, buttonStyle="check")
pdf.drawString(72, y - 40, "Signed by the applicant on the day of application.")
pdf.save()
