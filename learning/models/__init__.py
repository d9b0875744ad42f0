"""Typed ORM models, one module per aggregate. Importing this package registers every table."""

from learning.models.admissions import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    EligibilityCondition,
)
from learning.models.announcements import Announcement, Audience, StudyReminder
from learning.models.audit import AuditEntry
from learning.models.base import Base
from learning.models.catalogue import Level, Programme, ProgrammeVideo, Video, WorkType
from learning.models.exams import (
    ExamRegistration,
    ExamSession,
    ExamSessionStatus,
    SubsidyRate,
)
from learning.models.faces import FaceConsent, FaceProfile, FaceSnapshot, ReferenceSource
from learning.models.jobs import JobRun, SchedulerLease
from learning.models.notifications import Notification
from learning.models.people import Role, TraineeCategory, TraineeProfile, User
from learning.models.practice import (
    CheckQuestion,
    MockExam,
    MockExamFormat,
    MockExamItem,
    PracticeAnswer,
    Question,
    WrongBookEntry,
    question_programmes,
)
from learning.models.review import PlaybackOrigin, PlaybackVoid, ReviewFlag
from learning.models.study import (
    BeatRecord,
    CoachingDay,
    Coverage,
    OfflineCredit,
    Playback,
    PresenceCheck,
    ReplaySnapshot,
    StudyDay,
    TraineeStudyState,
)
from learning.models.throttle import ThrottleHit
from learning.models.training import (
    Enrolment,
    EnrolmentStatus,
    Payment,
    TrainingClass,
    class_instructors,
)

__all__ = [
    "Announcement",
    "Application",
    "ApplicationDocument",
    "ApplicationStatus",
    "Audience",
    "AuditEntry",
    "Base",
    "BeatRecord",
    "CheckQuestion",
    "CoachingDay",
    "Coverage",
    "EligibilityCondition",
    "Enrolment",
    "EnrolmentStatus",
    "ExamRegistration",
    "ExamSession",
    "ExamSessionStatus",
    "FaceConsent",
    "FaceProfile",
    "FaceSnapshot",
    "JobRun",
    "Level",
    "MockExam",
    "MockExamFormat",
    "MockExamItem",
    "Notification",
    "OfflineCredit",
    "Payment",
    "Playback",
    "PlaybackOrigin",
    "PlaybackVoid",
    "PracticeAnswer",
    "PresenceCheck",
    "Programme",
    "ProgrammeVideo",
    "Question",
    "ReferenceSource",
    "ReplaySnapshot",
    "ReviewFlag",
    "Role",
    "SchedulerLease",
    "StudyDay",
    "StudyReminder",
    "SubsidyRate",
    "ThrottleHit",
    "TraineeCategory",
    "TraineeProfile",
    "TraineeStudyState",
    "TrainingClass",
    "User",
    "Video",
    "WorkType",
    "WrongBookEntry",
    "class_instructors",
    "question_programmes",
]
