"""The one Whoosh schema: the store of record for every indexed report.

Whoosh keeps each report's cleaned text and metadata (stored fields, read
by the report page, `reports show`, snippets and KWIC lines), finds a report
by its id (the one indexed field), marks deletions, owns the segments and
their merging, and commits a run at once through its table of contents.
Matching and ranking use the companion files beside each segment (store/).
"""
from whoosh.fields import ID, STORED, Schema


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),   # path relative to the corpus
        title=STORED(),
        subtitle=STORED(),
        body=STORED(),                     # cleaned text; none for a copy (its source has it)
        outline=STORED(),                  # [(depth, text, offset in body)]
        year=STORED(),
        period=STORED(),
        type=STORED(),
        level=STORED(),
        hash=STORED(),                     # content hash of the source file
        size=STORED(),
    )
