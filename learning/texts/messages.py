"""Plain-language messages for the codes services refuse with."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from learning.services import ServiceError
from learning.texts.labels import QUESTION_KIND_LABELS, programme_name_of

# Refusals whose `code` parameter names a programme that exists: shown by its name. An
# unknown programme keeps the code it was asked by (a roster cell, say).
_NAMING_A_PROGRAMME = {
    "already_enrolled",
    "programme_retired",
    "video_in_programme",
    "programme_exists",
}


def _video_problem(params: dict[str, object]) -> str:
    """Why a file is not a playable video (`learning.media.NotAVideo.reason`), in words."""
    advice = _("Please convert it to H.264 in an MP4 file, or VP9 in a WebM file.")
    reasons = {
        "empty": _("the file is empty."),
        "matroska": _(
            "it is a Matroska (MKV) video, which browsers do not play. Please convert it to "
            "WebM or MP4."
        ),
        "webm_header": _("it is not a WebM or MP4 video (its WebM header is damaged)."),
        "not_webm_or_mp4": _("it is not a WebM or MP4 video."),
        "no_length": _("the video has no length (its duration is zero)."),
        "unreadable": _("the file could not be read; it may be damaged or incomplete."),
        "no_video_track": _("the file has no video track."),
        "no_frame": _("the video has no frame that can be shown; it may be damaged or incomplete."),
        "hevc": _("the video uses the HEVC (H.265) codec, which many browsers cannot play.")
        + " "
        + advice,
        "codec": _(
            "the video's codec (%(codec)s) is not one browsers play in %(container)s files.",
            codec=params.get("codec", "?"),
            container=params.get("container", "?"),
        )
        + " "
        + advice,
        "ends_early": _(
            "the video ends early; the file may be incomplete (was the upload cut off?)."
        ),
    }
    return reasons.get(str(params.get("reason")), reasons["unreadable"])


def _roster_problem(params: dict[str, object]) -> str:
    """Why a file is not a sheet made from our template (`workbooks.read_rows`), in words."""
    reasons = {
        "xls": _(
            "it is an Excel 97-2003 (.xls) file. Please save it as an Excel workbook (.xlsx)."
        ),
        "not_xlsx": _("it is not an Excel workbook (.xlsx)."),
        "damaged": _("the workbook is damaged and could not be read."),
        "missing_columns": _(
            "these columns are missing: %(columns)s.", columns=params.get("columns", "")
        ),
        "too_many_rows": _("it has more than %(most)s rows.", most=params.get("most", "")),
        "too_large": _(
            "it unpacks to more than %(most)s MB; a sheet made from the template is far smaller.",
            most=params.get("most", ""),
        ),
        "dtd": _(
            "it declares a DTD or entities, which Excel never writes; it was not read. Please "
            "save the sheet again from Excel or WPS."
        ),
    }
    return reasons.get(str(params.get("reason")), reasons["not_xlsx"])


def wait_words(seconds: int) -> str:
    """A wait in whole minutes, or in hours from two hours on, rounded up."""
    minutes = -(-seconds // 60)
    if minutes < 120:
        return _("%(minutes)s minutes", minutes=minutes)
    return _("%(hours)s hours", hours=-(-minutes // 60))


def _answer_problem(params: dict[str, object]) -> str:
    """Why a question's answer cannot be its key (`question_bank.key_faults`), in words."""
    letters = str(params.get("letters", ""))
    reasons = {
        "missing": _("Give the right answer."),
        "letters": _(
            "The answer is written with the letters of the options: %(letters)s.",
            letters="、".join(letters),
        ),
        "one": _("A single-choice or true/false question has exactly one right answer."),
        "one_right": _(
            "A multiple-choice question has at least two right options; with one, make it a "
            "single choice."
        ),
        "all_right": _("A multiple-choice question needs at least one wrong option too."),
    }
    return reasons.get(str(params.get("reason")), reasons["letters"])


def _personal_detail(params: dict[str, object]) -> str:
    """Which kind of the holder's own details a refused password holds (`passwords.check`)."""
    kinds = {
        "name": _("the account holder's name"),
        "username": _("the username"),
        "email": _("the e-mail address"),
        "phone": _("the phone number"),
        "id_number": _("the ID card number"),
        "birth_date": _("the birth date of the ID card number"),
    }
    return kinds.get(str(params.get("detail")), kinds["name"])


def describe(error: ServiceError) -> str:
    """The message for a refused operation, in the user's language."""
    messages = {
        "too_many_attempts": _(
            "Too many failed attempts. Please try again in %(minutes)s minutes, or ask the "
            "training office to reset your password."
        ),
        "account_attacked": _(
            "Too many failed attempts on this account from new devices. Log in from a device "
            "you have used before, try again in %(minutes)s minutes, or ask the training office "
            "to lift the lock."
        ),
        "login_slowed": _(
            "Several wrong passwords were tried on this device. Please wait %(seconds)s seconds "
            "before trying again."
        ),
        "password_too_short": _("The password needs at least %(min_length)s characters."),
        "password_too_long": _(
            "The password may have at most %(max_length)s characters: a few words are enough."
        ),
        "password_guessable": _(
            "This password is common or easy to guess. A few unrelated words, such as four "
            "you would not expect together, make a strong password that is easy to remember."
        ),
        "password_personal": _(
            "The password contains %(detail)s, which others know or can find out. Please choose "
            "words that have nothing to do with the account holder."
        ),
        "username_invalid": _(
            "A username has 3 to 64 letters, digits or the characters _ . @ -, and no spaces."
        ),
        "username_taken": _("The username %(username)s is already taken."),
        "cannot_change_own_role": _("You cannot change your own role."),
        "cannot_deactivate_self": _("You cannot deactivate your own account."),
        "required_hours_out_of_range": _("Required hours must be between 1 and 1000."),
        "unknown_programme": _("There is no programme %(code)s."),
        "already_enrolled": _("%(username)s is already enrolled in %(code)s."),
        "not_a_trainee": _("%(username)s is not a trainee."),
        "programme_retired": _("The programme %(code)s is closed for enrolment."),
        "title_required": _("A title is required."),
        "duration_required": _("The duration must be a positive number of seconds."),
        "file_or_url_required": _("Give either a file or a URL, not both."),
        "programme_required": _("Name at least one programme."),
        "offline_seconds_out_of_range": _("Offline time must be more than 0 and at most 24 hours."),
        "coaching_day_exists": _("The class already has a coaching day on %(day)s."),
        "not_in_class": _("Only trainees of this class can be marked present."),
        "day_not_begun": _(
            "%(day)s has not begun yet: attendance and offline time are recorded for days that "
            "have begun."
        ),
        "reason_required": _("Please give a reason."),
        "flag_decided": _("This flag has been decided already."),
        "still_playing": _(
            "The playbacks of this flag are still playing: void their credit once they have ended."
        ),
        "class_name_required": _("A class needs a name."),
        "class_name_taken": _("A class named %(name)s exists already."),
        "not_an_instructor": _("%(username)s is not an instructor."),
        "unknown_class": _("There is no class %(name)s."),
        "unknown_user": _("There is no user %(username)s."),
        "not_a_video": _("This file is not a video browsers can play: %(detail)s"),
        "video_too_large": _("The video is too large: at most %(most_mb)s MB."),
        "upload_empty": _("The file is empty."),
        "unknown_upload": _("No such upload: it was finished, or abandoned and removed."),
        "offset_mismatch": _("The upload goes on from byte %(received)s."),
        "upload_overflow": _("More bytes than announced (%(size)s) were sent."),
        "upload_incomplete": _("The upload is not complete: %(received)s of %(size)s bytes."),
        "file_required": _("Choose a file."),
        "unknown_video": _("There is no such video, or it was retired."),
        "video_in_programme": _("The video is in %(code)s already."),
        "chapter_too_long": _("A chapter is at most %(most)s characters long."),
        "chapter_unprintable": _("A chapter is plain text: no tabs or control characters."),
        "closes_after_start": _("Registration must close on or before the exam day."),
        "coaching_after_start": _("The coaching must start before the exam day."),
        "capacity_out_of_range": _("The capacity must be between 1 and %(most)s."),
        "coaching_hours_out_of_range": _("Coaching hours must be between 0 and %(most)s."),
        "place_required": _("Say where the exam takes place."),
        "session_cancelled": _("This exam session was cancelled."),
        "session_held": _("This exam session was held already."),
        "exam_day_past": _("The exam day cannot be in the past."),
        "capacity_below_seats": _(
            "%(taken)s seats are taken: the capacity cannot be smaller than that."
        ),
        "reason_too_long": _("The reason is too long: at most %(most)s characters."),
        "fee_before_approval": _("A fee is recorded only after the application is approved."),
        "unknown_fee_kind": _("Unknown kind of fee: %(kind)s."),
        "amount_out_of_range": _("The amount must be more than 0 and at most 100,000 yuan."),
        "paid_in_future": _("The payment date is in the future."),
        "payment_details_required": _("Give the payment method and the receipt number."),
        "receipt_exists": _("The receipt %(receipt_no)s is recorded already."),
        "already_registered": _("Already registered for this session."),
        "already_passed": _("You passed the exam of this programme already."),
        "too_many_documents": _("Upload at most %(most)s files."),
        "document_too_large": _("%(name)s is larger than %(most_mb)s MB."),
        "document_type": _("%(name)s is not a PDF, JPEG or PNG file."),
        "application_too_large": _(
            "The proofs of one application are at most %(most_mb)s MB together: send smaller "
            "scans or photos, or fewer files."
        ),
        "too_many_applications": _(
            "Too many applications were sent from your network today. Please try again in "
            "%(wait)s, or ask the training office to register you."
        ),
        "too_many_uploads": _(
            "Too many files were uploaded from your network in the last hour. Please try again "
            "in %(wait)s; the form keeps what you typed."
        ),
        "phone_has_application": _(
            "This mobile number is on an application that is still open: one number has one "
            "open application at a time. If it is yours, log in to see it; otherwise give your "
            "own number."
        ),
        "phone_invalid": _("A mobile number has 11 digits and starts with 1."),
        "id_number_known": _(
            "An account with this ID-card number exists already: one person has one account. "
            "Log in with it; if you forgot its password, ask the training office to reset it."
        ),
        "application_open": _(
            "You have an application under review or returned for changes: finish that one first."
        ),
        "application_approved_already": _("You were approved for this programme already."),
        "not_returned": _("This application is not waiting for changes."),
        "note_required": _("Say what the applicant should correct or add."),
        "no_profile": _("This account has no trainee profile."),
        "required": _("Required."),
        "nul_character": _("Text may not contain the character NUL (0x00)."),
        "cell_too_long": _("%(length)s characters, at most %(most)s."),
        "duplicate_in_file": _("Appears on another row of the file too."),
        "id_number_invalid": _("Not a valid ID-card number (check the last digit)."),
        "belongs_to_another": _("Already belongs to another user."),
        "not_a_roster": _("This is not a roster made from the template: %(detail)s"),
        "not_a_results_sheet": _(
            "This is not the results sheet downloaded from this page: %(detail)s"
        ),
        "not_a_payments_sheet": _(
            "This is not a payments sheet made from the template: %(detail)s"
        ),
        "photo_too_large": _("The photo is too large: at most %(most_mb)s MB."),
        "photo_type": _("A photo is a JPEG or PNG picture."),
        "photo_unreadable": _("This file is not a picture that can be read (JPEG or PNG)."),
        "photo_too_small": _("The photo is too small: at least %(least)s pixels on each side."),
        "amount_not_in_fen": _("An amount is in yuan, to the fen at most, like 2200 or 2200.50."),
        "not_an_enrolment": _("No enrolment has this number: keep the number of the sheet."),
        "fee_kind_word": _(
            "Write 培训费 (the training fee) or 考试费 (a retake's assessment fee)."
        ),
        "date_invalid": _("A date is written YYYY-MM-DD."),
        "too_long": _("Too long."),
        "face_consent_required": _("Face checks need your consent first."),
        "not_a_picture": _("This file is not a JPEG or PNG picture."),
        "no_face": _("No face was found: face the camera in good light, closer."),
        "several_faces": _("More than one face was found: only you may be in the picture."),
        "face_too_small": _("The face is too small: come closer to the camera."),
        "no_face_reference": _("There is no reference face."),
        "not_a_candidate": _("Not a candidate of this session: keep the number of the sheet."),
        "name_mismatch": _("The name does not match this number (it is %(name)s)."),
        "absent_word": _("Write 是 for an absent candidate, or leave it blank."),
        "score_when_absent": _("An absent candidate has no score."),
        "certificate_exists": _("The certificate number %(number)s is given to someone else."),
        "unknown_condition": _("%(code)s is not a condition of this level."),
        "already_decided": _("This application was decided already."),
        "scores_for_every_part": _("Give a score for every part: %(parts)s."),
        "score_out_of_range": _("Scores are from 0 to 100."),
        "certificate_number_invalid": _(
            "A certificate number is Y or S followed by 21 digits (22 characters)."
        ),
        "certificate_date_invalid": _(
            "The certificate date must be from the exam day to today, as YYYY-MM-DD."
        ),
        "results_before_exam": _(
            "Results are recorded on or after the exam day (%(day)s), not before."
        ),
        "certificate_without_pass": _("A certificate is recorded only for a pass."),
        "programme_exists": _("The programme %(code)s exists already."),
        "work_type_exists": _("The work type %(code)s exists already."),
        "work_type_code_invalid": _(
            "A code has 2 to 32 lower-case letters, digits or _, starting with a letter."
        ),
        "announcement_title_required": _("An announcement needs a title."),
        "announcement_title_too_long": _("The title has at most %(most)s characters."),
        "announcement_body_required": _("An announcement needs a text."),
        "announcement_body_too_long": _("The text has at most %(most)s characters."),
        "announcement_audience_unknown": _("Choose who the announcement is for."),
        "announcement_withdrawn": _("This announcement was withdrawn already."),
        "question_not_in_bank": _("This question is no longer in the question bank."),
        "answer_invalid": _("This is not an answer to this question."),
        "bank_too_small": _(
            "The question bank is too small for a mock exam: it has %(have)s %(kind)s "
            "questions, the exam asks %(need)s. Please tell the training office."
        ),
        "mock_exam_closed": _("This paper was handed in already."),
        "unknown_mock_exam": _("There is no such mock exam."),
        "unknown_position": _("The paper has no such question."),
        "question_stem_missing": _("A question needs its text."),
        "question_knowledge_point_missing": _("Name the knowledge point the question tests."),
        "question_difficulty_invalid": _("The difficulty is 1, 2 or 3 (易, 中 or 难)."),
        "question_option_empty": _(
            "This option is empty while a later one is filled: fill the options from A on, "
            "without gaps."
        ),
        "question_option_count": _(
            "A question of this kind has %(least)s to %(most)s options, filled from A on."
        ),
        "question_true_false_options": _(
            "A true/false question has no options: leave them empty, or choose another kind."
        ),
        "question_answer_invalid": "%(detail)s",
        "question_truth_word": _("Write 正确 or 错误 (or 对/错, √/×, A/B)."),
        "question_kind_unknown": _(
            "%(value)s is not a kind of question: write 判断, 单选 or 多选."
        ),
        "question_stem_exists": _("The bank has this question already (number %(id)s)."),
        "question_programmes_missing": _("Choose at least one programme the question serves."),
        "not_a_question_bank": _("This is not a question bank made from the template: %(detail)s"),
        "mock_count_out_of_range": _("A paper has 0 to %(most)s questions of each kind."),
        "mock_points_out_of_range": _("A question is worth 1 to %(most)s points."),
        "mock_no_questions": _("A paper needs at least one question."),
        "mock_duration_out_of_range": _("A mock exam lasts %(least)s to %(most)s minutes."),
        "mock_pass_mark_out_of_range": _(
            "The pass mark is from 1 to the paper's total, %(most)s points."
        ),
        "mock_gate_out_of_range": _(
            "The score needed before registering is from the pass mark (%(least)s) to the "
            "paper's total (%(most)s), or empty for none."
        ),
    }
    template = messages.get(error.code)
    if template is None:
        return _("The request was refused (%(code)s).", code=error.code)
    params = dict(error.params)
    if error.code in _NAMING_A_PROGRAMME and "code" in params:
        params["code"] = programme_name_of(str(params["code"]))
    if error.code in ("too_many_applications", "too_many_uploads"):
        params["wait"] = wait_words(error.wait_s(60))
    if error.code == "not_a_video":
        params["detail"] = _video_problem(params)
    elif error.code == "bank_too_small":
        params["kind"] = QUESTION_KIND_LABELS.get(str(params.get("kind")), params.get("kind"))
    elif error.code == "password_personal":
        params["detail"] = _personal_detail(params)
    elif error.code in (
        "not_a_roster",
        "not_a_results_sheet",
        "not_a_payments_sheet",
        "not_a_question_bank",
    ):
        params["detail"] = _roster_problem(params)
    elif error.code == "question_answer_invalid":
        params["detail"] = _answer_problem(params)
    return template % params


def problem_text(problem: Any) -> str:
    """A workbook's problem (a `Problem` of an import: its message code and parameters), in
    words."""
    return describe(ServiceError(problem.message, **problem.params))
