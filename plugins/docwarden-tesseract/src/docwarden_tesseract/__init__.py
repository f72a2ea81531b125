"""docwarden plug-in engine `tesseract`: OCR with the system's tesseract binary.

Light on purpose: the API process imports the engine class to build its
routes, so nothing here starts or imports anything heavy.
"""

__version__ = "0.1.0"
