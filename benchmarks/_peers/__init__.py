"""The seed policy's product-fit and grading rules, written for erpsales' peers.

Every peer decides the same two things from a validated :class:`erpsales.Prospect`:

* **product** — the revenue band ``[min, max)`` whose profit floor the profit meets, for a
  manufacturer in a core industry or in other manufacturing (R-TM-02..05); else ``None``;
* **grade** — the conservative (lower) of the descriptor grade (the seed's ``GR-*`` rules,
  D when none holds) and the window grade from the months to close (≤1 A, ≤3 B, ≤6 C, else
  or unknown D), capped at B when computerisation is unknown (AMB-08, 09, 11, 12, 27, 28).

Modules: :mod:`.common` (the seed's constants and the flat facts every engine peer reads),
:mod:`.handwritten`, :mod:`.raw_durable`, :mod:`.gorules` (with ``seed_rules.jdm.json``) and
:mod:`.ruleengine`. Each peer is a callable ``peer(prospect) -> (product, grade)``.
"""
