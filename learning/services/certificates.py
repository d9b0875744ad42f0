"""Study-hour certificates (学时证明) and the codes that let anyone check one.

A code is the enrolment id and an HMAC of it under the certificate key, so checking needs no
stored state and a made-up code fails. Rotating the key invalidates printed codes: keep
`CERTIFICATE_KEY` once certificates are out.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.domain import rounding
from learning.models import Enrolment, OfflineCredit, StudyDay
from learning.services import outline, records
from learning.services.enrolments import EnrolmentSummary, summary

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by people


@dataclass(frozen=True)
class ChapterLine:
    """A chapter's line on the certificate: its videos watched and its time, in standard hours
    rounded down like every other figure (so the lines may add up to a little less)."""

    title: str | None
    completed: int
    videos: int
    covered_s: int
    hours: float


@dataclass(frozen=True)
class Certificate:
    summary: EnrolmentSummary
    first_day: date | None
    last_day: date | None
    chapters: list[ChapterLine]  # by chapter, not by video, so the page fits one A4 sheet
    code: str


def code_for(enrolment_id: int, key: str) -> str:
    digest = hmac.new(key.encode(), f"enrolment:{enrolment_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    letters = []
    for _ in range(10):
        number, index = divmod(number, len(_ALPHABET))
        letters.append(_ALPHABET[index])
    return f"{enrolment_id}-{''.join(letters)}"


# Full-width ASCII (U+FF01..U+FF5E), as a Chinese input method in full-width mode types it, is
# the same code printed on the certificate; any other non-ASCII character makes it not genuine.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def enrolment_for_code(session: Session, code: str, key: str) -> Enrolment | None:
    """The enrolment a genuine code was issued for; None for anything else."""
    typed = code.translate(_FULL_WIDTH).strip().upper()
    if len(typed) > 40 or not typed.isascii():
        return None
    head, _, _rest = typed.partition("-")
    # ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic digits
    if not head.isdigit() or len(head) > 15:
        return None
    if not hmac.compare_digest(code_for(int(head), key), typed):
        return None
    return session.get(Enrolment, int(head))


def certificate(session: Session, enrolment: Enrolment, key: str) -> Certificate:
    first, last = _period(session, enrolment.id)
    return Certificate(
        summary=summary(session, enrolment),
        first_day=first,
        last_day=last,
        chapters=_chapter_lines(enrolment, records.video_progress(session, enrolment)),
        code=code_for(enrolment.id, key),
    )


def _chapter_lines(enrolment: Enrolment, videos: list[records.VideoProgress]) -> list[ChapterLine]:
    """The chapters with time watched, their standard hours rounded once on the total (so
    they add up to the online hours shown above them)."""
    watched = [chapter for chapter in outline.chapters(videos) if chapter.covered_s]
    tenth_s = enrolment.standard_hour_minutes * 6  # a tenth of a standard hour, in seconds
    tenths = rounding.shares([chapter.covered_s for chapter in watched], tenth_s)
    return [
        ChapterLine(
            title=chapter.title,
            completed=chapter.completed_count,
            videos=len(chapter.videos),
            covered_s=chapter.covered_s,
            hours=count / 10,
        )
        for chapter, count in zip(watched, tenths, strict=True)
    ]


def _period(session: Session, enrolment_id: int) -> tuple[date | None, date | None]:
    """The first and last day with credited time, online or on-site."""
    online = session.execute(
        select(func.min(StudyDay.day), func.max(StudyDay.day)).where(
            StudyDay.enrolment_id == enrolment_id, StudyDay.credited_ms > 0
        )
    ).one()
    offline = session.execute(
        select(func.min(OfflineCredit.day), func.max(OfflineCredit.day)).where(
            OfflineCredit.enrolment_id == enrolment_id, OfflineCredit.revoked_at.is_(None)
        )
    ).one()
    firsts = [day for day in (online[0], offline[0]) if day]
    lasts = [day for day in (online[1], offline[1]) if day]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)
