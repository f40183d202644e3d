"""What one step of a batch run (the close of business, a month end) reports back.

A step works on many accounts or loans at once. One that fails for a single account must not
stop the rest: the step records that account's id and the message a person can act on, and
goes on. The runner (``closing``) keeps the failures and can rerun the step for those ids only
(``only=`` in the step's signature).

A step is a function ``step(*, koperasi, day, actor, only=None) -> StepOutcome`` and must be
idempotent for its ``(koperasi, day)``: running it twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class StepFailure:
    object_id: int  # the account or loan the step could not handle
    message: str  # in Indonesian, for the person who reruns it


@dataclass
class StepOutcome:
    done: int = 0  # accounts or loans handled (changed or found already done)
    total: Decimal = Decimal("0")  # the money the step moved, for the run's summary
    entry_ids: list[int] = field(default_factory=list)  # the journal entries it posted
    failures: list[StepFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures
