"""The programme catalogue and its videos."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from learning.domain.accounting import hours_display
from learning.domain.accounting.settings import PRESENCE_CHECKS
from learning.models import Level, Programme, ProgrammeVideo, Video, WorkType
from learning.services import ServiceError, audit


@dataclass(frozen=True)
class ProgrammeRow:
    id: int
    code: str
    work_type_code: str
    work_type_zh: str
    work_type_en: str
    level: int
    required_hours: int
    active: bool
    video_count: int
    video_seconds: int


def programme_by_code(session: Session, code: str) -> Programme:
    programme = session.scalar(select(Programme).where(Programme.code == code))
    if programme is None:
        raise ServiceError("unknown_programme", code=code)
    return programme


def programmes_by_codes(session: Session, codes: list[str]) -> list[Programme]:
    """The programmes of these codes in their order, read in one query; `ServiceError` for the
    first unknown one."""
    found = {
        programme.code: programme
        for programme in session.scalars(select(Programme).where(Programme.code.in_(codes)))
    }
    for code in codes:
        if code not in found:
            raise ServiceError("unknown_programme", code=code)
    return [found[code] for code in codes]


def programme_for(session: Session, work_type_code: str, level: int) -> Programme:
    return programme_by_code(session, f"{work_type_code}-{level}")


def programmes(session: Session) -> list[Programme]:
    """Every programme with its work type, in the catalogue's order."""
    statement = select(Programme).options(selectinload(Programme.work_type))
    return list(
        session.scalars(statement.order_by(Programme.work_type_code, Programme.level.desc()))
    )


def programme_names(session: Session) -> dict[str, tuple[str, str, int]]:
    """Each programme's code -> (its work type in Chinese, in English, its level): what a page
    needs to name a programme it only knows by code (an audit entry, a message)."""
    statement = select(Programme.code, WorkType.name_zh, WorkType.name_en, Programme.level).join(
        WorkType, WorkType.code == Programme.work_type_code
    )
    return {code: (zh, en, level) for code, zh, en, level in session.execute(statement)}


def list_programmes(session: Session) -> list[ProgrammeRow]:
    """Every programme with the count and total length of its current videos."""
    totals = (
        select(
            ProgrammeVideo.programme_id,
            func.count(Video.id).label("count"),
            func.coalesce(func.sum(Video.duration_s), 0).label("seconds"),
        )
        .join(Video, Video.id == ProgrammeVideo.video_id)
        .where(Video.retired_at.is_(None))
        .group_by(ProgrammeVideo.programme_id)
        .subquery()
    )
    statement = (
        select(Programme, totals.c.count, totals.c.seconds)
        .options(joinedload(Programme.work_type))
        .outerjoin(totals, totals.c.programme_id == Programme.id)
        .order_by(Programme.work_type_code, Programme.level.desc())
    )
    return [
        ProgrammeRow(
            id=programme.id,
            code=programme.code,
            work_type_code=programme.work_type_code,
            work_type_zh=programme.work_type.name_zh,
            work_type_en=programme.work_type.name_en,
            level=programme.level,
            required_hours=programme.required_hours,
            active=programme.active,
            video_count=count or 0,
            video_seconds=seconds or 0,
        )
        for programme, count, seconds in session.execute(statement)
    ]


def work_types(session: Session) -> list[WorkType]:
    return list(session.scalars(select(WorkType).order_by(WorkType.sort_order, WorkType.code)))


def levels(session: Session) -> list[Level]:
    return list(session.scalars(select(Level).order_by(Level.number.desc())))


def create_work_type(
    session: Session, *, code: str, name_zh: str, name_en: str, now: datetime, actor_id: int | None
) -> WorkType:
    """A new work type (工种); its programmes are then created one level at a time."""
    code = code.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,31}", code):
        raise ServiceError("work_type_code_invalid")
    if session.get(WorkType, code) is not None:
        raise ServiceError("work_type_exists", code=code)
    last = session.scalar(select(func.max(WorkType.sort_order))) or 0
    work_type = WorkType(
        code=code, name_zh=name_zh.strip(), name_en=name_en.strip(), sort_order=last + 1
    )
    session.add(work_type)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="work_type.create",
        subject=f"work_type:{code}",
        details={"name_zh": name_zh, "name_en": name_en},
    )
    return work_type


def create_programme(
    session: Session,
    *,
    work_type_code: str,
    level: int,
    required_hours: int | None,
    now: datetime,
    actor_id: int | None,
) -> Programme:
    """Open a work type at a level; the required hours default to the level's minimum."""
    work_type = session.get(WorkType, work_type_code)
    level_row = session.get(Level, level)
    if work_type is None or level_row is None:
        raise ServiceError("unknown_programme", code=f"{work_type_code}-{level}")
    code = f"{work_type_code}-{level}"
    if session.scalar(select(Programme.id).where(Programme.code == code)) is not None:
        raise ServiceError("programme_exists", code=code)
    hours = required_hours or level_row.default_required_hours
    if not 1 <= hours <= 1000:
        raise ServiceError("required_hours_out_of_range")
    programme = Programme(
        code=code, work_type_code=work_type_code, level=level, required_hours=hours, active=True
    )
    session.add(programme)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="programme.create",
        subject=f"programme:{code}",
        details={"required_hours": hours},
    )
    return programme


def update_programme(
    session: Session,
    programme: Programme,
    *,
    required_hours: int,
    active: bool,
    now: datetime,
    actor_id: int | None,
    training_fee_fen: int | None = None,
    assessment_fee_fen: int | None = None,
    face_checks: bool | None = None,
    presence_check: str | None = None,
) -> None:
    """Change a programme's settings, audited with the before and after of each change;
    `face_checks` or `presence_check` None leaves that setting as it is."""
    if not 1 <= required_hours <= 1000:
        raise ServiceError("required_hours_out_of_range")
    for fee in (training_fee_fen, assessment_fee_fen):
        if fee is not None and not 0 < fee <= 10_000_000:
            raise ServiceError("amount_out_of_range")
    changes: dict[str, list[object]] = {}
    wanted: dict[str, object] = {
        "required_hours": required_hours,
        "active": active,
        "training_fee_fen": training_fee_fen,
        "assessment_fee_fen": assessment_fee_fen,
    }
    if face_checks is not None:
        wanted["face_checks"] = face_checks
    if presence_check is not None:
        if presence_check not in PRESENCE_CHECKS:
            raise ServiceError("presence_check_invalid")
        wanted["presence_check"] = presence_check
    for name, value in wanted.items():
        if getattr(programme, name) != value:
            changes[name] = [getattr(programme, name), value]
            setattr(programme, name, value)
    if changes:
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="programme.update",
            subject=f"programme:{programme.code}",
            details=changes,
        )


def programme_videos(session: Session, programme_id: int) -> list[Video]:
    """The programme's current (not retired) videos, in order."""
    statement = (
        select(Video)
        .join(ProgrammeVideo, ProgrammeVideo.video_id == Video.id)
        .where(ProgrammeVideo.programme_id == programme_id, Video.retired_at.is_(None))
        .order_by(ProgrammeVideo.position, Video.id)
    )
    return list(session.scalars(statement))


def chapter_headings(session: Session, programme_id: int) -> dict[int, str]:
    """The chapter of each of the programme's videos that has one, by video id."""
    statement = select(ProgrammeVideo.video_id, ProgrammeVideo.chapter).where(
        ProgrammeVideo.programme_id == programme_id, ProgrammeVideo.chapter.is_not(None)
    )
    return {
        video_id: chapter for video_id, chapter in session.execute(statement) if chapter is not None
    }


def add_video(
    session: Session,
    *,
    title: str,
    duration_s: int,
    programme_codes: list[str],
    now: datetime,
    file_path: str | None = None,
    url: str | None = None,
    mime_type: str | None = None,
    actor_id: int | None = None,
) -> Video:
    """Add a video at the end of each named programme."""
    if not title.strip():
        raise ServiceError("title_required")
    if duration_s <= 0:
        raise ServiceError("duration_required")
    if (file_path is None) == (url is None):
        raise ServiceError("file_or_url_required")
    programmes = programmes_by_codes(session, programme_codes)
    if not programmes:
        raise ServiceError("programme_required")
    video = Video(
        title=title.strip(),
        duration_s=duration_s,
        file_path=file_path,
        url=url,
        mime_type=mime_type,
        created_at=now,
    )
    session.add(video)
    session.flush()
    _append(session, [programme.id for programme in programmes], video.id)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="video.add",
        subject=f"video:{video.id}",
        details={"title": video.title, "programmes": programme_codes, "duration_s": duration_s},
    )
    return video


def programme_codes_of(session: Session, video_id: int) -> list[str]:
    """The codes of the programmes a video is part of, in code order."""
    statement = (
        select(Programme.code)
        .join(ProgrammeVideo, ProgrammeVideo.programme_id == Programme.id)
        .where(ProgrammeVideo.video_id == video_id)
        .order_by(Programme.code)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True)
class LibraryRow:
    video: Video
    programme_codes: list[str]


def library(session: Session) -> list[LibraryRow]:
    """Every video, newest first, with the codes of the programmes it is part of."""
    videos = list(session.scalars(select(Video).order_by(Video.created_at.desc(), Video.id.desc())))
    codes: dict[int, list[str]] = {video.id: [] for video in videos}
    statement = (
        select(ProgrammeVideo.video_id, Programme.code)
        .join(Programme, Programme.id == ProgrammeVideo.programme_id)
        .order_by(Programme.code)
    )
    for video_id, code in session.execute(statement):
        codes.setdefault(video_id, []).append(code)
    return [LibraryRow(video, codes[video.id]) for video in videos]


def addable_videos(session: Session, programme_id: int) -> list[Video]:
    """Library videos, not retired, that the programme does not have yet, by title."""
    linked = select(ProgrammeVideo.video_id).where(ProgrammeVideo.programme_id == programme_id)
    statement = (
        select(Video)
        .where(Video.retired_at.is_(None), Video.id.not_in(linked))
        .order_by(Video.title)
    )
    return list(session.scalars(statement))


def _append(session: Session, programme_ids: list[int], video_id: int) -> None:
    """Put the video at the end of each programme (the last places read in one query)."""
    last: dict[int, int] = dict(
        session.execute(
            select(ProgrammeVideo.programme_id, func.max(ProgrammeVideo.position))
            .where(ProgrammeVideo.programme_id.in_(programme_ids))
            .group_by(ProgrammeVideo.programme_id)
        )
        .tuples()
        .all()
    )
    for programme_id in programme_ids:
        last[programme_id] = last.get(programme_id, 0) + 1
        session.add(
            ProgrammeVideo(
                programme_id=programme_id, video_id=video_id, position=last[programme_id]
            )
        )


# --- composing programmes ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContentTime:
    """A programme's current videos against its required hours."""

    video_s: int
    video_hours: float
    required_hours: int

    @property
    def short(self) -> bool:
        """Online content alone cannot reach the minimum."""
        return self.video_hours < self.required_hours


def content_time(
    videos: list[Video], programme: Programme, standard_hour_minutes: int
) -> ContentTime:
    """The programme's current `videos` (as `programme_videos` gives them) in standard hours."""
    total = sum(video.duration_s for video in videos)
    return ContentTime(total, hours_display(total, standard_hour_minutes), programme.required_hours)


def add_to_programme(
    session: Session, programme: Programme, video_id: int, *, now: datetime, actor_id: int
) -> None:
    """Put a library video at the end of a programme (a video may serve several)."""
    video = session.get(Video, video_id)
    if video is None or video.retired_at is not None:
        raise ServiceError("unknown_video")
    if session.get(ProgrammeVideo, (programme.id, video_id)) is not None:
        raise ServiceError("video_in_programme", code=programme.code)
    _append(session, [programme.id], video_id)
    _audit_programme(session, programme, "programme.add_video", video_id, now, actor_id)


def move_video(
    session: Session,
    programme: Programme,
    video_id: int,
    *,
    step: int,
    now: datetime,
    actor_id: int,
) -> None:
    """Move a video `step` places (-1 earlier, +1 later) among the programme's current videos;
    positions are renumbered 1..n, so the order is what the trainees see."""
    current = programme_videos(session, programme.id)
    ids = [video.id for video in current]
    if video_id not in ids:
        raise ServiceError("unknown_video")
    index = ids.index(video_id)
    ids.insert(min(max(index + step, 0), len(ids) - 1), ids.pop(index))
    links = session.scalars(
        select(ProgrammeVideo)
        .where(ProgrammeVideo.programme_id == programme.id)
        .order_by(ProgrammeVideo.position)
    ).all()
    by_video = {link.video_id: link for link in links}
    retired = [link.video_id for link in links if link.video_id not in ids]
    for position, linked_id in enumerate(ids + retired, start=1):  # retired ones after the rest
        by_video[linked_id].position = position
    _audit_programme(session, programme, "programme.move_video", video_id, now, actor_id, step=step)


CHAPTER_MAX_LENGTH = 100


def set_chapters(
    session: Session,
    programme: Programme,
    chapters: dict[int, str],
    *,
    now: datetime,
    actor_id: int | None,
) -> int:
    """Set the chapter heading of the programme's videos named in `chapters` (blank: none);
    returns how many changed. Whitespace runs become one space, so a heading typed twice
    slightly differently still groups its videos together."""
    links = {
        link.video_id: link
        for link in session.scalars(
            select(ProgrammeVideo).where(ProgrammeVideo.programme_id == programme.id)
        )
    }
    wanted = {video_id: _chapter_text(text) for video_id, text in chapters.items()}
    if any(video_id not in links for video_id in wanted):
        raise ServiceError("unknown_video")
    changed = [video_id for video_id, text in wanted.items() if links[video_id].chapter != text]
    for video_id in changed:
        links[video_id].chapter = wanted[video_id]
    if changed:
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="programme.chapters",
            subject=f"programme:{programme.code}",
            details={"videos": len(changed)},
        )
    return len(changed)


def _chapter_text(text: str) -> str | None:
    words = text.split()
    if not all(word.isprintable() for word in words):
        raise ServiceError("chapter_unprintable")
    heading = " ".join(words)
    if len(heading) > CHAPTER_MAX_LENGTH:
        raise ServiceError("chapter_too_long", most=CHAPTER_MAX_LENGTH)
    return heading or None


def set_retired(
    session: Session, video: Video, *, retired: bool, now: datetime, actor_id: int
) -> None:
    """Retire a video (it leaves every course page; coverage and hours earned on it stay), or
    bring it back."""
    video.retired_at = now if retired else None
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="video.retire" if retired else "video.restore",
        subject=f"video:{video.id}",
        details={"title": video.title},
    )


def _audit_programme(
    session: Session,
    programme: Programme,
    action: str,
    video_id: int,
    now: datetime,
    actor_id: int,
    **details: object,
) -> None:
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action=action,
        subject=f"programme:{programme.code}",
        details={"video_id": video_id, **details},
    )
