project = 'Colour logging'
author = 'docwarden'
extensions = ['myst_parser']
source_suffix = {'.md': 'markdown'}
latex_elements = {'papersize': 'a5paper', 'printindex': '', 'tableofcontents': ''}
latex_documents = [('index', 'sphinx_book.tex', 'Colour logging', 'docwarden', 'manual')]
