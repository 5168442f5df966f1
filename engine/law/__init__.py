"""The law: the only place a legal question is answered (domain.md). Pure functions of (facts, now, calendar):
no session, no I/O, no clock of their own. Refusals are ``Invalid``/``Conflict`` errors carrying the rule id.

One function answers each rule group:

- statuses (domain.md "Statuses"): ``statuses.can_move``; names ``statuses.Status(code).label``
- result deadline (D13, D16, same-day): ``deadlines.result_due``
- intake deadline and its lateness (D7): ``intake.intake_due``, ``intake.is_intake_late``
- lateness, judged at resolution (D19): ``lateness.is_late``
- overdue apology owed (D19): ``apology.overdue_apology_needed``; return allowed: ``apology.return_allowed``
- who signs (D11b, D17, D19, D20, D21): ``apology.signer_role``, ``apology.refusal_signer_role``
- supplement request allowed (D10–D12): ``supplement.check_request`` (predicate: ``supplement.allowed``)
- extension cap and timing (D17–D18): ``extension.check_request``, ``extension.cap``, ``extension.in_time``
- warning one working day before (D19): ``deadlines.warning_due``
- report flags: online, late, violation (D5, D32): ``counting.flags``
"""
