"""The built-in OCR engine: rapidocr's PP-OCR models on onnxruntime (`engine`), and the
image preparation and reading order around them (`prep`)."""
