"""The index's storage: Whoosh segments, each with a companion file beside it.

- `container`: the companion file format (named arrays, checksums);
- `suffix`, `grams`: exact substring search within a segment;
- `builder`: a new segment's companion, from analysed reports or merged segments;
- `segment`: one segment's companion, opened for reading;
- `snapshot`: all live segments of one commit, as one numbered set of reports;
- `policy`: which segments a run merges;
- `writer`: a run's changes, committed at once through Whoosh's table of contents.
"""
from ..errors import IndexDamaged, NoIndex
from .builder import DocRecord
from .cache import ByteBudgetCache
from .snapshot import Snapshot, check
from .writer import IndexWriter, WriteBusy

__all__ = ["ByteBudgetCache", "DocRecord", "IndexDamaged", "IndexWriter", "NoIndex", "Snapshot", "WriteBusy", "check"]
