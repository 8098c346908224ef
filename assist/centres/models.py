"""The three-tier network of assistance centres."""

import enum

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.extensions import db


class Tier(enum.IntEnum):
    CITY = 1
    DISTRICT = 2
    STATION = 3


#: Default approval limits per tier in 分 (domain.md): station ¥2,000, district ¥10,000, city ¥50,000.
DEFAULT_APPROVAL_LIMIT_FEN = {
    Tier.CITY: 5_000_000,
    Tier.DISTRICT: 1_000_000,
    Tier.STATION: 200_000,
}


class Centre(db.Model):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    tier: Mapped[int] = mapped_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    #: Materialised path of ids, e.g. "/1/4/9/": the subtree of X is every path starting with X's.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    approval_limit_fen: Mapped[int] = mapped_column(BigInteger)
    notice_days: Mapped[int] = mapped_column(default=5)
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped["Centre | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Centre"]] = relationship(back_populates="parent", order_by="Centre.code")

    @property
    def tier_enum(self) -> Tier:
        return Tier(self.tier)

    def is_within(self, other: "Centre") -> bool:
        """Return True when this centre is `other` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Centre {self.code}>"
