"""Audit trail: run manifests, `audit verify` and `audit diff` (issue 6).

Every stored check run carries a **manifest**: a deterministic JSON document (sorted keys, no
clock times, no machine paths) saying what the run read and what it produced:

* berthcheck version, pack id, version, hash and the sha256 of each of the pack's files (the
  files berthcheck reads of it, engine/pack_hash.py: `"hash_covers": "pack-files"`; runs
  recorded before have no `hash_covers` and hashed every file of the folder, see
  audit/pack_record.py), the bound parameters and tables, period and scope;
* `as_of_batch`: the newest load batch among the rows read. The state "as of batch N" is, for
  every `<table>_versions`, the rows with `_batch_id <= N AND (_replaced_by IS NULL OR
  _replaced_by > N)` -- the store never deletes, so that state can be rebuilt after any later
  `--replace`;
* per input table: row count, `sha256` (what the run id uses) and the newest batch. Versions 2
  and 3 combine the digests each load batch stored when it was written (berthcheck/fingerprints.py;
  each covers its rows' `_row_hash` and content hash, so a value edited in place shows when
  verify re-digests the rows); version 1 hashed the rows' `_row_hash` values sorted, plus a
  `content_sha256`, at every check;
* the load batches read, each with its file, the file's sha256 and the file rows read
  (`"2-40,42-203"`; version 2 also lists what later batches retired of them): an exact list of
  the input rows behind the run;
* the sha256 of each file of the emission factor tables (`rules/factors`), which the
  emission columns come from but which lie outside the pack;
* the sha256 of the results and of the findings: version 3 over a binary canonical form of
  their typed columns (berthcheck/engine/digest_v3.py, docs/reliability.md), version 2 over
  their typed rows as text (berthcheck/engine/digest.py), version 1 as `--out FILE.csv` wrote
  them.

`verify` rebuilds the store as it stood at `as_of_batch` in a separate in-memory catalog (see
`as_of`), runs the pack found now under the rules folder over it with the run's period and
scope, builds the manifest of that recomputation and compares the two field by field, naming
the pack files, input rows (via `input_seals`) and visits that differ.

`diff` compares two stored runs visit by visit and says whether an input change, a pack change
(pack files, parameters or emission factor tables) or both explain each changed verdict, naming
the changed rows and columns.

The PDF report (or anything else that publishes results) calls `check(...)` (which stores the
run and its manifest) and then `manifest_for(con, outcome.run_id)` / `outcome.manifest`.
"""

from __future__ import annotations

from berthcheck.audit.as_of import as_of, as_of_predicate
from berthcheck.audit.diff import DiffReport, diff
from berthcheck.audit.manifests import manifest_for, read_manifest_file, write_manifest
from berthcheck.audit.verify import verify
from berthcheck.audit.verify_report import Mismatch, VerifyReport
from berthcheck.engine.manifest import manifest_text

__all__ = ["DiffReport", "Mismatch", "VerifyReport", "as_of", "as_of_predicate", "diff",
           "manifest_for", "manifest_text", "read_manifest_file", "verify", "write_manifest"]
