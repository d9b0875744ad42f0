"""HTML forms (Flask-WTF: every form carries the CSRF token)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any, TypeVar

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)

# WTForms 3.3 asks for SelectChoice (a tuple is deprecated); types-WTForms 3.2 predates it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from learning.domain.exam_practice import LETTERS
from learning.models import TraineeCategory
from learning.models.base import MAX_ID
from learning.services.announcements import BODY_MAX, TITLE_MAX
from learning.services.identity import is_valid_id_number
from learning.services.practice import Mode
from learning.services.question_bank import (
    CHAPTER_MAX,
    EXPLANATION_MAX,
    KNOWLEDGE_POINT_MAX,
    OPTION_MAX,
    STEM_MAX,
)
from learning.texts.labels import (
    CATEGORY_LABELS,
    EDUCATION_KIND_LABELS,
    FEE_KIND_LABELS,
    LEVEL_SHORT_LABELS,
    MAJOR_LABELS,
    OCCUPATION_LABELS,
    PRESENCE_CHECK_LABELS,
    ROLE_LABELS,
    TITLE_LEVEL_LABELS,
)

_Data = TypeVar("_Data")


def choices(labels: dict[Any, str]) -> list[SelectChoice]:
    """Select options from {value: label}."""
    return [
        SelectChoice(str(int(key) if isinstance(key, int) else key), label)
        for key, label in labels.items()
    ]


def add_error(field: Field, message: str) -> None:
    """Show ``message`` under ``field`` beside the errors its validators found."""
    field.errors = [*field.errors, message]


def filled(data: _Data | None) -> _Data:
    """The value of a field its form required (DataRequired, InputRequired), once the form
    validated: never None then, which the field's type (``X | None``) cannot say."""
    if data is None:
        raise ValueError("a required field is empty after its form validated")
    return data


def _valid_id_number(_form: FlaskForm, field: StringField) -> None:
    if field.data and not is_valid_id_number(field.data):
        raise ValidationError(_l("This is not a valid ID card number (check the last digit)."))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    # The length and the rest of the password rules are the service's (passwords.check), so
    # that every refusal of a password reads the same.
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ClassForm(FlaskForm):
    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=100)])
    instructors = SelectMultipleField(_l("Instructors"), coerce=int, choices=[])
    submit = SubmitField(_l("Save"))


class ContactForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(min=11, max=11)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254), Email()])
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=lambda: choices(ROLE_LABELS))
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    id_number = StringField(
        _l("ID card number"), validators=[Optional(), Length(min=18, max=18), _valid_id_number]
    )
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    category = SelectField(
        _l("Trainee category"),
        choices=lambda: choices(CATEGORY_LABELS),
        coerce=int,
        default=int(TraineeCategory.INDIVIDUAL),
    )
    submit = SubmitField(_l("Create user"))


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=lambda: choices(ROLE_LABELS))
    active = BooleanField(_l("Active (may log in)"))
    new_password = PasswordField(
        _l("Reset password (leave empty to keep)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Save"))


class ProgrammeCreateForm(FlaskForm):
    work_type = SelectField(_l("Work type"), validators=[DataRequired()])
    level = SelectField(_l("Level"), coerce=int, validators=[DataRequired()])
    required_hours = IntegerField(
        _l("Required standard hours"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
        description=_l("Leave empty for the level's minimum (80 or 100)."),
    )
    submit = SubmitField(_l("Create programme"))


class WorkTypeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(min=2, max=32)],
        description=_l("Lower-case letters, digits and _, e.g. accounting"),
    )
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Add work type"))


class ProgrammeForm(FlaskForm):
    required_hours = IntegerField(
        _l("Required standard hours"), validators=[DataRequired(), NumberRange(min=1, max=1000)]
    )
    training_fee = DecimalField(
        _l("Training package fee (yuan)"),
        places=2,
        validators=[Optional(), NumberRange(min=0.01, max=100000)],
    )
    assessment_fee = DecimalField(
        _l("Assessment fee for a retake (yuan)"),
        places=2,
        validators=[Optional(), NumberRange(min=0.01, max=100000)],
    )
    active = BooleanField(_l("Open for enrolment"))
    face_checks = BooleanField(_l("Face checks"))
    presence_check = SelectField(
        _l("A presence check asks"), choices=lambda: choices(PRESENCE_CHECK_LABELS)
    )
    submit = SubmitField(_l("Save"))


class DateRangeForm(FlaskForm):
    """GET filters: no CSRF needed for reading."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class DashboardFilterForm(DateRangeForm):
    """A dashboard narrowed to a programme, a class and a period (GET, no CSRF); the view
    fills the choices, the empty choice meaning all."""

    programme = SelectField(_l("Programme"), default="")
    training_class = SelectField(_l("Class"), default="")


class AuditFilterForm(DateRangeForm):
    """The audit log narrowed to a kind of action, an actor and a period (GET, no CSRF); the view
    fills the choices, the empty choice meaning all."""

    action = SelectField(_l("What happened"), default="")
    actor = SelectField(_l("Done by"), default="")


class CoachingDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    hours = DecimalField(
        _l("Hours credited to each attendee"),
        places=2,
        default=Decimal(8),
        validators=[DataRequired(), NumberRange(min=0.25, max=24)],
    )
    submit = SubmitField(_l("Add coaching day"))


class OfflineTimeForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    hours = DecimalField(
        _l("Clock hours"), places=2, validators=[DataRequired(), NumberRange(min=0.25, max=24)]
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Add offline time"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke"))


class ExamScheduleForm(FlaskForm):
    """What an admin sets on an exam session, when opening it and when editing it."""

    starts_on = DateField(_l("Exam day"), validators=[DataRequired()])
    starts_at = TimeField(_l("Starts at"), default=time(9, 0), validators=[DataRequired()])
    registration_closes_on = DateField(_l("Registration closes on"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=10000)])
    coaching_starts_on = DateField(_l("On-site coaching starts on"), validators=[Optional()])
    coaching_hours = DecimalField(
        _l("Standard hours the coaching gives"),
        places=1,
        default=Decimal(0),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    submit = SubmitField(_l("Save changes"))


class ExamSessionForm(ExamScheduleForm):
    programme = SelectField(_l("Programme"), validators=[DataRequired()])
    submit = SubmitField(_l("Open exam session"))


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason, sent to every candidate"), validators=[DataRequired(), Length(max=500)]
    )
    confirm = BooleanField(
        _l("Yes, cancel this session and tell every candidate"), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Cancel the session"))


class UnlockForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    unlock = SubmitField(_l("Unlock exam registration"))
    revoke = SubmitField(_l("Revoke the unlock"))


class PaymentForm(FlaskForm):
    kind = SelectField(_l("Fee"), choices=lambda: choices(FEE_KIND_LABELS))
    amount_yuan = DecimalField(
        _l("Amount (yuan)"),
        places=2,
        validators=[DataRequired(), NumberRange(min=0.01, max=100000)],
    )
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])
    method = StringField(_l("Method"), validators=[DataRequired(), Length(max=50)])
    receipt_no = StringField(_l("Receipt number"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Record payment"))


class EvidenceForm(FlaskForm):
    """The eligibility evidence and proofs of an application (报名), as first sent or corrected."""

    years_of_work = DecimalField(
        _l("Years of work in this or a related occupation"),
        places=1,
        default=Decimal(0),
        validators=[Optional(), NumberRange(min=0, max=60)],
    )
    has_certificate = BooleanField(_l("I hold a skill-level certificate"))
    certificate_occupation = SelectField(_l("Of"), choices=lambda: choices(OCCUPATION_LABELS))
    certificate_level = SelectField(
        _l("Level"), choices=lambda: choices(LEVEL_SHORT_LABELS), coerce=int
    )
    certificate_issued_on = DateField(_l("Issued on"), validators=[Optional()])
    has_title = BooleanField(_l("I hold a professional title"))
    title_level = SelectField(_l("Title"), choices=lambda: choices(TITLE_LEVEL_LABELS))
    title_matches_field = BooleanField(_l("The title matches this field"), default=True)
    title_obtained_on = DateField(_l("Obtained on"), validators=[Optional()])
    education_kind = SelectField(_l("Education"), choices=lambda: education_choices())
    education_major = SelectField(_l("Major"), choices=lambda: choices(MAJOR_LABELS))
    education_graduated_on = DateField(_l("Graduated on"), validators=[Optional()])
    education_final_year = BooleanField(_l("I am a final-year student"))
    education_evaluated = BooleanField(_l("The programme passed evaluation (经评估论证)"))
    documents = MultipleFileField(_l("Proofs: ID card, diploma, certificates (PDF, JPEG or PNG)"))
    declaration = BooleanField(
        _l("I declare that this information is true."), validators=[DataRequired()]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """A ticked box needs its date (said beside the date: an empty date is otherwise
        allowed, and stops a field's own validators)."""
        valid = super().validate(extra_validators)
        education_undated = (
            self.education_graduated_on.data is None and not self.education_final_year.data
        )
        missing = [
            (field, message)
            for wanted, field, message in (
                (
                    self.has_certificate.data,
                    self.certificate_issued_on,
                    _l("Give the date the certificate was issued."),
                ),
                (
                    self.has_title.data,
                    self.title_obtained_on,
                    _l("Give the date the title was obtained."),
                ),
                (
                    self.education_kind.data and education_undated,
                    self.education_graduated_on,
                    _l("Give the graduation date, or tick final-year student."),
                ),
            )
            if wanted and field.data is None
        ]
        for field, message in missing:
            add_error(field, str(message))
        return valid and not missing


class ApplicationForm(EvidenceForm):
    """A new application of a person who has an account (after a rejection, say)."""

    programme = SelectField(_l("Work type and level"), validators=[DataRequired()])
    submit = SubmitField(_l("Submit application"))


class RegistrationForm(ApplicationForm):
    """The public application (报名): account, profile, programme, evidence, proofs."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    real_name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=100)])
    id_number = StringField(
        _l("ID card number"), validators=[DataRequired(), Length(min=18, max=18), _valid_id_number]
    )
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(), Length(min=11, max=11)])
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    category = SelectField(
        _l("Trainee category"), choices=lambda: choices(CATEGORY_LABELS), coerce=int
    )


class ResubmitForm(EvidenceForm):
    """A returned application, corrected."""

    submit = SubmitField(_l("Submit again"))


def education_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("None of these")), *choices(EDUCATION_KIND_LABELS)]


class DecisionForm(FlaskForm):
    condition = SelectField(_l("Condition met"))
    training_class = SelectField(_l("Class"), coerce=int)
    approve = SubmitField(_l("Approve"))
    note = TextAreaField(
        _l("What to correct or add"),
        validators=[Optional(), Length(max=1000)],
    )
    return_ = SubmitField(_l("Return for changes"))
    reason = StringField(_l("Reason for rejection"), validators=[Optional(), Length(max=500)])
    reject = SubmitField(_l("Reject"))


def posted_id(name: str) -> int | None:
    """An id a form posted, or None when it is missing or no key column could hold it."""
    value = request.form.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None


def _one_character_line_breaks(text: str | None) -> str | None:
    """Line breaks as the browser counted them against `maxlength` (a form sends CR LF)."""
    return text.replace("\r\n", "\n") if text else text


class AnnouncementForm(FlaskForm):
    """An announcement; the view fills the audience's choices (all trainees, the programmes,
    the classes: an instructor's own classes only). Plain text, shown escaped."""

    audience = SelectField(_l("Addressed to"), validators=[DataRequired()])
    title = StringField(
        _l("Title of the announcement"),
        validators=[
            DataRequired(),
            Length(max=TITLE_MAX, message=_l("At most %(max)d characters; this has %(length)d.")),
        ],
    )
    body = TextAreaField(
        _l("Text of the announcement"),
        filters=[_one_character_line_breaks],
        validators=[
            DataRequired(),
            Length(max=BODY_MAX, message=_l("At most %(max)d characters; this has %(length)d.")),
        ],
    )
    submit = SubmitField(_l("Publish"))


class PracticeAnswerForm(FlaskForm):
    """One answer in practice: the letters chosen come as several `chosen` values (the boxes
    of a multiple choice); how the question was chosen rides along for the next one."""

    question_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=MAX_ID)])
    mode = SelectField(choices=[SelectChoice(mode.value) for mode in Mode])
    value = StringField(validators=[Optional(), Length(max=100)])
    chosen = SelectMultipleField(
        choices=[SelectChoice(letter) for letter in LETTERS],
        validators=[DataRequired(message=_l("Choose an answer."))],
    )

    def validate_value(self, field: StringField) -> None:
        if field.data and not field.data.isprintable():
            raise ValidationError(_l("Plain text only."))


class MockExamForm(FlaskForm):
    """A mock exam's paper posted whole (the page without JavaScript): save, or hand in. The
    answers are the fields q1, q2, ... read by the view."""

    action = SelectField(choices=[SelectChoice("save"), SelectChoice("hand_in")], default="save")


class QuestionForm(FlaskForm):
    """A question of the bank. The view fills the choices of kind, difficulty and programmes;
    the answer is the options ticked right, or for a true/false question `truth`."""

    kind = SelectField(_l("Kind of question"))
    stem = TextAreaField(
        _l("Question"),
        filters=[_one_character_line_breaks],
        validators=[DataRequired(), Length(max=STEM_MAX)],
    )
    option_a = StringField("A", validators=[Length(max=OPTION_MAX)])
    option_b = StringField("B", validators=[Length(max=OPTION_MAX)])
    option_c = StringField("C", validators=[Length(max=OPTION_MAX)])
    option_d = StringField("D", validators=[Length(max=OPTION_MAX)])
    option_e = StringField("E", validators=[Length(max=OPTION_MAX)])
    option_f = StringField("F", validators=[Length(max=OPTION_MAX)])
    right = SelectMultipleField(
        _l("Right options"),
        choices=[SelectChoice(letter, letter) for letter in "ABCDEF"],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    truth = RadioField(
        _l("The statement is"),
        choices=[SelectChoice("A", _l("True")), SelectChoice("B", _l("False"))],
        validators=[Optional()],
    )
    explanation = TextAreaField(
        _l("Explanation"),
        filters=[_one_character_line_breaks],
        validators=[Length(max=EXPLANATION_MAX)],
    )
    chapter = StringField(_l("Chapter"), validators=[Length(max=CHAPTER_MAX)])
    knowledge_point = StringField(
        _l("Knowledge point"), validators=[DataRequired(), Length(max=KNOWLEDGE_POINT_MAX)]
    )
    difficulty = SelectField(_l("Difficulty"), coerce=int, default=1)
    programmes = SelectMultipleField(
        _l("Programmes"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Save"))

    def option_fields(self) -> list[StringField]:
        return [
            self.option_a,
            self.option_b,
            self.option_c,
            self.option_d,
            self.option_e,
            self.option_f,
        ]


class QuestionFilterForm(FlaskForm):
    """The question list narrowed (GET, no CSRF); the view fills the choices, the empty choice
    meaning all."""

    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), default="")
    kind = SelectField(_l("Kind of question"), default="")
    chapter = SelectField(_l("Chapter"), default="")
    knowledge_point = SelectField(_l("Knowledge point"), default="")
    q = StringField(_l("Text"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), default="active")
    order = SelectField(_l("Order"), default="newest")


class MockExamFormatForm(FlaskForm):
    """A programme's mock-exam format: the table's checks are in services.mock_formats."""

    true_false_count = IntegerField(
        _l("True-or-false questions"), validators=[InputRequired(), NumberRange(min=0, max=200)]
    )
    true_false_points = IntegerField(
        _l("Points each"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    single_count = IntegerField(
        _l("Single-choice questions"), validators=[InputRequired(), NumberRange(min=0, max=200)]
    )
    single_points = IntegerField(
        _l("Points each"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    multiple_count = IntegerField(
        _l("Multiple-choice questions"), validators=[InputRequired(), NumberRange(min=0, max=200)]
    )
    multiple_points = IntegerField(
        _l("Points each"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    duration_minutes = IntegerField(
        _l("Minutes"), validators=[InputRequired(), NumberRange(min=5, max=300)]
    )
    pass_mark = IntegerField(
        _l("Pass mark"), validators=[InputRequired(), NumberRange(min=1, max=20000)]
    )
    exam_gate_score = IntegerField(
        _l("Mock score needed to register for the exam"),
        validators=[Optional(), NumberRange(min=1, max=20000)],
        description=_l("Leave empty: mock results are shown to the admin, never a condition."),
    )
    submit = SubmitField(_l("Save the mock exam"))
