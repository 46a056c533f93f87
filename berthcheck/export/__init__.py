"""Exports for regulators and partner ports, made from a stored run (or a check run now).

* `carb_visits`: CARB visit reports per party (vessel, terminal, CAECS operator);
* `wharfinger`: the port's yearly Wharfinger data and visit counts per terminal and type;
* `fueleu_calls`: FuelEU Art. 6 per-call records for a verifier;
* `indicators`: monthly at-berth indicators as a Frictionless Data Package;
* `compare`: two or more ports' indicator packages side by side (HTML / PDF).

Every export is built in memory, recorded in the `exports` table with the sha256 of each file
(`proof`, which `audit verify` uses), then written atomically (`files`). This package reads
runs and the store; it never imports the CLI or the report's internals (it calls the report's
renderer, `berthcheck.report.render`, for the comparison's HTML and PDF).
"""
