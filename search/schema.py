"""The one Whoosh schema: the store of record for every indexed report.

Whoosh holds each report's cleaned text and metadata, keeps commits atomic
and allows one writer at a time. Fast query answering uses arrays derived
from the same analysis (see postings.py), written beside it per generation.
"""
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from .analysis import ChineseAnalyzer


def build_schema() -> Schema:
    words = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),          # path relative to the corpus
        title=TEXT(analyzer=words, stored=True, field_boost=3.0),
        subtitle=STORED(),
        headings=STORED(),                         # outline text, one heading a line
        body=STORED(),                             # cleaned text; words are in postings.py
        year=NUMERIC(stored=True, signed=False, bits=32),
        period=ID(stored=True),
        type=ID(stored=True),
        level=ID(stored=True),
        hash=ID(stored=True),                      # content hash of the source file
        size=NUMERIC(stored=True, signed=False, bits=64),
    )
