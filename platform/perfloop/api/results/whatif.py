"""A what-if's answer as GraphQL types: bands before and after, means, movers."""

from __future__ import annotations

from enum import Enum

import strawberry

from perfloop.services import results


@strawberry.enum(description="Where a what-if's score before comes from.")
class WhatIfBasis(Enum):
    STORED = "stored"
    COMPUTED = "computed"


@strawberry.type(description="How many people a band holds before and after.")
class WhatIfBand:
    band: str | None = strawberry.field(description="The band's key; null: no band.")
    before: int
    after: int


@strawberry.type(description="A person whose total or band the what-if changes.")
class WhatIfMover:
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    before_total: float | None
    before_rating: str | None
    before_from: WhatIfBasis = strawberry.field(
        description="STORED: the person's latest stored result; COMPUTED: what the current "
        "template gives now (no result stored yet)."
    )
    after_total: float | None
    after_rating: str | None
    delta: float | None = strawberry.field(description="after − before; null without both.")


@strawberry.type(
    description="A cycle's results with a modified scoring template or parameters, "
    "compared with the current ones; nothing is stored."
)
class WhatIf:
    people: int = strawberry.field(description="Signed plans compared.")
    stored: int = strawberry.field(description="People whose before is their stored result.")
    computed: int = strawberry.field(
        description="People without a stored result: before is the current template's."
    )
    unsigned: int = strawberry.field(description="Plans not signed, left out.")
    failed: int = strawberry.field(description="Plans whose current scheme cannot be built.")
    mean_before: float | None
    mean_after: float | None
    bands: list[WhatIfBand]
    moved: int = strawberry.field(description="People whose total or band changes.")
    band_changed: int
    movers: list[WhatIfMover] = strawberry.field(
        description="The first `first` of the `moved` people, by absolute change of the total."
    )

    @classmethod
    def from_view(cls, w: results.WhatIf) -> WhatIf:
        return cls(
            people=w.people,
            stored=w.stored,
            computed=w.computed,
            unsigned=w.unsigned,
            failed=w.failed,
            mean_before=w.mean_before,
            mean_after=w.mean_after,
            bands=[WhatIfBand(band=b.band, before=b.before, after=b.after) for b in w.bands],
            moved=w.moved,
            band_changed=w.band_changed,
            movers=[
                WhatIfMover(
                    employee_id=strawberry.ID(str(m.employee_id)),
                    employee_name=m.employee_name,
                    employee_no=m.employee_no,
                    before_total=m.before_total,
                    before_rating=m.before_rating,
                    before_from=WhatIfBasis.STORED if m.before_stored else WhatIfBasis.COMPUTED,
                    after_total=m.after_total,
                    after_rating=m.after_rating,
                    delta=m.delta,
                )
                for m in w.movers
            ],
        )
